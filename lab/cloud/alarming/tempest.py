"""The tempest suite of the alarm service: telemetry-tempest-plugin's Aodh API tests
(telemetry_tempest_plugin.aodh.api: alarms' create, list, query, update, state, history and the negative
cases, as the dynamic credentials' primary user and the admin), what still fails and why. Their options
([service_available] aodh, [alarming_plugin]) are set by the metric service's conf (lab/cloud/metric/tempest.py),
which the same plugin reads."""

from __future__ import annotations

from lab.cloud.plugin import Tempest

API = "telemetry_tempest_plugin.aodh.api"

TEMPEST = Tempest(
    "telemetry_tempest_plugin.aodh", "alarming", "", (r"telemetry_tempest_plugin\.aodh\.api\.",),
    expected_failures={
        f"{API}.test_alarming_api.TelemetryAlarmingAPITest.test_create_n_delete_alarm_rule_loadbalancer$":
            "alarm type loadbalancer_member_health (Aodh's evaluator of Octavia pool members for Heat "
            "autoscaling groups) is not served",
        f"{API}.admin.test_alarming_api_admin.TelemetryAlarmingAPIAdminTest.test_alarm_create_set_log_test_"
        "actions$": "the `test://` action (Aodh's test notifier) is refused, and the lab keeps `log://` as sent "
                    "where Aodh stores it as `log:`",
    }, conf="lab.cloud.metric.tempest:conf",
)
