"""The tempest suite of the metric service: telemetry-tempest-plugin's scenario tests, which are gabbi files
run against the endpoints of the catalog (telemetry_tempest_plugin.scenario): Gnocchi's own (`live.yaml`,
`search-resource.yaml`, as the admin) and the Aodh + Gnocchi threshold alarm of the telemetry integration class
(`aodh-gnocchi-threshold-alarm.yaml`: an archive policy, a resource type and resource with a metric, an alarm on
it, its history, state and update, then the clean-up). The integration class's other file, `autoscaling.yaml`,
needs Ceilometer's polling agent feeding Gnocchi and a Heat autoscaling group with Aodh alarm resources, which
the lab does not have: it is not chosen (see course/reference/upstream-tests.md)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from lab.cloud.plugin import AdminGet, Tempest

PLUGIN = "telemetry_tempest_plugin.scenario"


def scenario_image() -> Path:
    """The integration class uploads an image before each test (tempest's image_create); the gabbi files never
    boot it, so a small raw file does."""
    path = Path(tempfile.gettempdir()) / "stacklab-tempest-scenario.img"
    if not path.exists():
        path.write_bytes(b"stacklab " * 4096)  # not zeros: tempest takes a zero-filled file for a tar
    return path


def conf(get: AdminGet) -> dict[str, dict[str, str]]:
    # The integration class's skip check asks for Ceilometer too: declared available so the threshold-alarm
    # file (which talks to Gnocchi and Aodh only) runs; the one file that needs Ceilometer is not chosen.
    return {"service_available": {"gnocchi": "true", "aodh": "true", "ceilometer": "true", "sg_core": "false"},
            "metric": {"catalog_type": "metric", "endpoint_type": "public"},
            "alarming_plugin": {"catalog_type": "alarming", "endpoint_type": "public"},
            "telemetry": {"disable_ssl_certificate_validation": "true"},
            "telemetry_services": {"metric_backends": "gnocchi"},
            "scenario": {"img_file": str(scenario_image()), "img_disk_format": "raw",
                         "img_container_format": "bare"}}


TEMPEST = Tempest(
    PLUGIN, "metric", "", (r"telemetry_tempest_plugin\.scenario\.test_gnocchi\.",
                           r"telemetry_tempest_plugin\.scenario\.test_telemetry_integration\.TestTelemetryIntegration"
                           r"\.test_aodh_gnocchi_threshold_alarm"),
    expected_failures={
        # Everything else in live.yaml passes (resource types and their JSON patch, 415/406, Location headers,
        # webob's escaped descriptions, metric listing filters, searches, measures).
        "telemetry_tempest_plugin.scenario.test_gnocchi.GnocchiGabbiTest.test_live$":
            "live.yaml's two `$.attributes.[*].`len`` checks after the resource-type patches: gabbi 4's "
            "jsonpath-ng counts each attribute's keys ([4, 2] for a string and a bool attribute) where the file "
            "expects the number of attributes, which Gnocchi's own bodies would fail too",
    }, conf="lab.cloud.metric.tempest:conf",
)
