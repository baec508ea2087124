"""The tempest suite of the orchestration service: heat-tempest-plugin's API tests (heat_tempest_plugin.tests.api,
gabbi files run in order against the Heat endpoint of the catalog), what still fails and why, and the
tempest.conf options they need. The plugin signs in with static credentials ([heat_plugin]), the lab's admin
here, rather than tempest's dynamic ones; tests/tempest/test_tempest.py runs every plugin's suite."""

from __future__ import annotations

from lab.cloud.plugin import AdminCredentials, AdminGet, Tempest


def conf(get: AdminGet, admin: AdminCredentials) -> dict[str, dict[str, str]]:
    account = {"auth_url": admin.auth_url, "auth_version": "3", "username": admin.username,
               "password": admin.password, "project_name": admin.project_name,
               "user_domain_name": admin.domain_name, "project_domain_name": admin.domain_name,
               "region": "RegionOne", "endpoint_type": "public", "catalog_type": "orchestration"}
    return {"heat_plugin": {**account, "admin_username": admin.username, "admin_password": admin.password,
                            "admin_project_name": admin.project_name, "skip_scenario_tests": "true",
                            "skip_functional_tests": "true", "build_interval": "1", "build_timeout": "60"}}


TEMPEST = Tempest(
    "heat_tempest_plugin.tests.api", "orchestration", "heat", (r"heat_tempest_plugin\.tests\.api\.",),
    expected_failures={}, conf="lab.cloud.orchestration.tempest:conf", credentials=True,
)
