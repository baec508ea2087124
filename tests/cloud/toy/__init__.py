"""A toy service, written as a new engineer would add one (tests/cloud/test_plugin_seam.py): its own package,
plus one line in the plugin list (the test passes `PLUGINS + ("tests.cloud.toy",)`)."""
