"""Alarm policy rules, with Aodh's names (aodh/api/policies.py) and its Zed defaults over the lab's base
rules: a project's readers see its alarms, its members create, change and delete them, an operator all."""

from lab.cloud.policy import Rule

V2 = "/alarming/v2"
READER = "rule:project_reader_or_admin"
MEMBER = "rule:project_member_or_admin"

RULES: tuple[Rule, ...] = (
    Rule("telemetry:get_alarm", READER, "Get an alarm.", (("GET", f"{V2}/alarms/{{alarm_id}}"),)),
    Rule("telemetry:get_alarms", READER, "Get all alarms, based on the query provided.",
         (("GET", f"{V2}/alarms"),)),
    Rule("telemetry:get_alarms:all_projects", "rule:context_is_admin", "Get alarms of all projects.",
         (("GET", f"{V2}/alarms"),)),
    Rule("telemetry:query_alarm", READER, "Get all alarms, based on the query provided.",
         (("POST", f"{V2}/query/alarms"),)),
    Rule("telemetry:create_alarm", MEMBER, "Create a new alarm.", (("POST", f"{V2}/alarms"),)),
    Rule("telemetry:change_alarm", MEMBER, "Modify this alarm.", (("PUT", f"{V2}/alarms/{{alarm_id}}"),)),
    Rule("telemetry:delete_alarm", MEMBER, "Delete this alarm.", (("DELETE", f"{V2}/alarms/{{alarm_id}}"),)),
    Rule("telemetry:get_alarm_state", READER, "Get the state of this alarm.",
         (("GET", f"{V2}/alarms/{{alarm_id}}/state"),)),
    Rule("telemetry:change_alarm_state", MEMBER, "Set the state of this alarm.",
         (("PUT", f"{V2}/alarms/{{alarm_id}}/state"),)),
    Rule("telemetry:alarm_history", READER, "Assembles the alarm history requested.",
         (("GET", f"{V2}/alarms/{{alarm_id}}/history"),)),
    Rule("telemetry:query_alarm_history", READER, "Define query for retrieving AlarmChange data.",
         (("POST", f"{V2}/query/alarms/history"),)),
)
