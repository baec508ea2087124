"""The lab API's policy rules (see lab.cloud.policy). StackLab's own service, so its own names."""

from lab.cloud.policy import Rule

RULES: tuple[Rule, ...] = (
    Rule("lab:clock_advance", "rule:context_is_admin", "Move the lab clock forward: operators only.",
         (("POST", "/lab/v1/clock"),)),
    Rule("lab:admin", "rule:context_is_admin",
         "Instructor tools (classes, progress of every student, resets of others, snapshots): operators only."),
    Rule("lab:record_progress", "rule:context_is_admin",
         "Write a lab result by hand: operators only (results are written by the cloud when it runs checks)."),
    Rule("lab:check", "rule:project_member_or_admin", "Run a lab's checks on one's own project (the cloud "
         "records the result).", (("POST", "/lab/v1/labs/{lab_id}/check"),)),
    Rule("lab:solve", "rule:project_member_or_admin", "Apply a lab's reference solution to one's own project "
         "(recorded as solved).", (("POST", "/lab/v1/labs/{lab_id}/solve"),)),
    Rule("lab:list_events", "rule:project_reader_or_admin", "Read one's own project's event log.",
         (("GET", "/lab/v1/events"),)),
    Rule("lab:reset_own", "rule:project_member_or_admin", "Reset one's own student project to its start.",
         (("POST", "/lab/v1/students/{name}/reset"), ("POST", "/lab/v1/exams/reset"))),
    Rule("lab:list_drills", "rule:project_reader_or_admin", "List the drills, and the drill runs of one's own "
         "project (admins: everyone's).", (("GET", "/lab/v1/drills"), ("GET", "/lab/v1/drill-runs"))),
    Rule("lab:drill_check", "rule:project_member_or_admin", "Ask for a drill's next hint, or have the cloud check "
         "one's own project's repair (recorded on the run).", (("POST", "/lab/v1/drills/{drill_id}/check"),
                                                             ("POST", "/lab/v1/drills/{drill_id}/hint"))),
    Rule("lab:exam", "rule:project_member_or_admin", "Start, read and submit one's own project's mock exam (the "
         "cloud grades it; admins start it for students and read everyone's).",
         (("POST", "/lab/v1/exams"), ("GET", "/lab/v1/exams"), ("POST", "/lab/v1/exams/submit"),
          ("POST", "/lab/v1/exams/reset"))),
)
