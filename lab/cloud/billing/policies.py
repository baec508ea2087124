"""The billing service's policy rules (see lab.cloud.policy): one per operation.

Billing is StackLab's own service (no OpenStack project names its rules), so its rules keep the `billing:`
prefix and follow the `<service>:<verb>_<resource>` shape Keystone uses. The target of a rule is the project
a request is about (`project_id`): the caller's own unless an operator names another (`billing:all_projects`).
"""

from lab.cloud.policy import Rule

_READER = "rule:project_reader_or_admin"
_MEMBER = "rule:project_member_or_admin"
_ADMIN = "rule:context_is_admin"

RULES: tuple[Rule, ...] = (
    Rule("billing:get_prices", _READER, "Show the price list in force.", (("GET", "/billing/v1/prices"),)),
    Rule("billing:update_prices", _ADMIN,
         "Replace the price list; it applies from the hour in progress (rated hours keep their price).",
         (("PUT", "/billing/v1/prices"),)),
    Rule("billing:get_account", _READER, "Show a project's account: mode, balance and credit history.",
         (("GET", "/billing/v1/account"), ("GET", "/billing/v1/balance"),
          ("GET", "/billing/v1/accounts/{project_id}"))),
    Rule("billing:list_accounts", _ADMIN, "List every project's account.", (("GET", "/billing/v1/accounts"),)),
    Rule("billing:update_account", _ADMIN, "Switch a project between prepaid and pay-as-you-go.",
         (("PUT", "/billing/v1/accounts/{project_id}"),)),
    Rule("billing:create_topup", _ADMIN, "Add credit to a project's account.",
         (("POST", "/billing/v1/accounts/{project_id}/topups"),)),
    Rule("billing:list_coupons", _ADMIN, "List the coupons with how often each was redeemed.",
         (("GET", "/billing/v1/coupons"),)),
    Rule("billing:create_coupon", _ADMIN, "Issue a coupon.", (("POST", "/billing/v1/coupons"),)),
    Rule("billing:delete_coupon", _ADMIN, "Withdraw a coupon (what was redeemed stays redeemed).",
         (("DELETE", "/billing/v1/coupons/{code}"),)),
    Rule("billing:redeem_coupon", _MEMBER, "Credit a coupon to a project (a reader may not spend it).",
         (("POST", "/billing/v1/coupons/{code}/redeem"),)),
    Rule("billing:list_bills", _READER, "List a project's monthly bills.", (("GET", "/billing/v1/bills"),)),
    Rule("billing:get_bill", _READER, "Show one month's bill of a project (also as CSV).",
         (("GET", "/billing/v1/bills/{month}"),)),
    Rule("billing:get_usage", _READER, "Show a project's cost per day and what accrues now.",
         (("GET", "/billing/v1/usage"),)),
    Rule("billing:list_budgets", _READER,
         "List budgets: the caller's project's, or every project's with `billing:all_projects`.",
         (("GET", "/billing/v1/budgets"),)),
    Rule("billing:get_budget", _READER, "Show a project's monthly budget.",
         (("GET", "/billing/v1/budgets/{project_id}"),)),
    Rule("billing:update_budget", _ADMIN, "Create or replace a project's monthly budget and its alert thresholds.",
         (("PUT", "/billing/v1/budgets/{project_id}"),)),
    Rule("billing:delete_budget", _ADMIN, "Delete a project's budget.",
         (("DELETE", "/billing/v1/budgets/{project_id}"),)),
    Rule("billing:list_alerts", _READER,
         "List budget alerts: the caller's project's, or every project's with `billing:all_projects`.",
         (("GET", "/billing/v1/alerts"),)),
    Rule("billing:all_projects", _ADMIN,
         "Name a project other than one's own in a billing request (by id or name), and list every project's "
         "budgets and alerts. Without it another project is a 404, as one that does not exist.",
         (("GET", "/billing/v1/account?project_id={project}"), ("GET", "/billing/v1/budgets"),
          ("GET", "/billing/v1/alerts"))),
)
