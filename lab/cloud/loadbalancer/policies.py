"""Load balancing's policy rules, under Octavia's names (octavia/policies/) with its defaults written for the
Keystone default roles: `load-balancer:read` (a reader of the project, or an operator), `load-balancer:write`
(a member of the project, or an operator), the quota rules, and operator-only flavors and failover."""

from __future__ import annotations

from lab.cloud.policy import Rule

API = "/load-balancer/v2/lbaas"
READ, WRITE, ADMIN = "rule:load-balancer:read", "rule:load-balancer:write", "rule:load-balancer:admin"

_BASE = (
    Rule("load-balancer:admin", "role:admin", "An operator of every load balancer."),
    Rule("load-balancer:read", "rule:project_reader_api or rule:load-balancer:admin",
         "A reader of the object's project, or an operator."),
    Rule("load-balancer:read-global", "rule:load-balancer:admin", "See every project's objects."),
    Rule("load-balancer:write", "rule:project_member_api or rule:load-balancer:admin",
         "A member of the object's project, or an operator."),
    Rule("load-balancer:read-quota", "rule:project_reader_api or rule:load-balancer:admin",
         "Read the quota of one's project, or (an operator) any."),
    Rule("load-balancer:read-quota-global", "rule:load-balancer:admin", "Read every project's quota."),
    Rule("load-balancer:write-quota", "rule:load-balancer:admin", "Change quotas."),
)


def _crud(kind: str, label: str, collection: str, item: str) -> tuple[Rule, ...]:
    prefix = f"os_load-balancer_api:{kind}:"
    return (
        Rule(prefix + "get_all", READ, f"List {label}s", (("GET", collection),)),
        Rule(prefix + "get_all-global", "rule:load-balancer:read-global",
             f"List {label}s including resources owned by others", (("GET", collection),)),
        Rule(prefix + "post", WRITE, f"Create a {label}", (("POST", collection),)),
        Rule(prefix + "get_one", READ, f"Show {label} details", (("GET", item),)),
        Rule(prefix + "put", WRITE, f"Update a {label}", (("PUT", item),)),
        Rule(prefix + "delete", WRITE, f"Remove a {label}", (("DELETE", item),)),
    )


_LB = f"{API}/loadbalancers/{{loadbalancer_id}}"
_MEMBERS = f"{API}/pools/{{pool_id}}/members"
_RULES = f"{API}/l7policies/{{l7policy_id}}/rules"
_QUOTA = "os_load-balancer_api:quota:"

RULES: tuple[Rule, ...] = (
    *_BASE,
    *_crud("loadbalancer", "Load Balancer", f"{API}/loadbalancers", _LB),
    Rule("os_load-balancer_api:loadbalancer:get_stats", READ, "Show Load Balancer statistics",
         (("GET", f"{_LB}/stats"),)),
    Rule("os_load-balancer_api:loadbalancer:get_status", READ, "Show Load Balancer status",
         (("GET", f"{_LB}/status"),)),
    Rule("os_load-balancer_api:loadbalancer:put_failover", ADMIN, "Failover a Load Balancer",
         (("PUT", f"{_LB}/failover"),)),
    *_crud("listener", "Listener", f"{API}/listeners", f"{API}/listeners/{{listener_id}}"),
    Rule("os_load-balancer_api:listener:get_stats", READ, "Show Listener statistics",
         (("GET", f"{API}/listeners/{{listener_id}}/stats"),)),
    *_crud("pool", "Pool", f"{API}/pools", f"{API}/pools/{{pool_id}}"),
    *_crud("member", "Member", _MEMBERS, f"{_MEMBERS}/{{member_id}}"),
    *_crud("healthmonitor", "Health Monitor", f"{API}/healthmonitors", f"{API}/healthmonitors/{{healthmonitor_id}}"),
    *_crud("l7policy", "L7 Policy", f"{API}/l7policies", f"{API}/l7policies/{{l7policy_id}}"),
    *_crud("l7rule", "L7 Rule", _RULES, f"{_RULES}/{{l7rule_id}}"),
    Rule(_QUOTA + "get_all", "rule:load-balancer:read-quota", "List Quotas", (("GET", f"{API}/quotas"),)),
    Rule(_QUOTA + "get_all-global", "rule:load-balancer:read-quota-global",
         "List Quotas including resources owned by others", (("GET", f"{API}/quotas"),)),
    Rule(_QUOTA + "get_one", "rule:load-balancer:read-quota", "Show Quota details",
         (("GET", f"{API}/quotas/{{project_id}}"),)),
    Rule(_QUOTA + "put", "rule:load-balancer:write-quota", "Update a Quota",
         (("PUT", f"{API}/quotas/{{project_id}}"),)),
    Rule(_QUOTA + "delete", "rule:load-balancer:write-quota", "Reset a Quota",
         (("DELETE", f"{API}/quotas/{{project_id}}"),)),
    Rule(_QUOTA + "get_defaults", "rule:load-balancer:read-quota", "Show Default Quota for a Project",
         (("GET", f"{API}/quotas/{{project_id}}/default"),)),
    Rule("os_load-balancer_api:provider:get_all", READ, "List enabled providers", (("GET", f"{API}/providers"),)),
    Rule("os_load-balancer_api:provider-flavor:get_all", ADMIN, "List the provider flavor capabilities.",
         (("GET", f"{API}/providers/{{provider}}/flavor_capabilities"),)),
    Rule("os_load-balancer_api:provider-availability-zone:get_all", ADMIN,
         "List the provider availability zone capabilities.",
         (("GET", f"{API}/providers/{{provider}}/availability_zone_capabilities"),)),
    Rule("os_load-balancer_api:flavor:get_all", READ, "List Flavors", (("GET", f"{API}/flavors"),)),
    Rule("os_load-balancer_api:flavor:get_one", READ, "Show Flavor details",
         (("GET", f"{API}/flavors/{{flavor_id}}"),)),
    Rule("os_load-balancer_api:flavor-profile:get_all", ADMIN, "List Flavor Profiles",
         (("GET", f"{API}/flavorprofiles"),)),
    Rule("os_load-balancer_api:availability-zone:get_all", READ, "List Availability Zones",
         (("GET", f"{API}/availabilityzones"),)),
    # The lab's own tool, not Octavia's: simulated requests to a load balancer's VIP (traffic.py).
    Rule("lab:loadbalancer_traffic", WRITE, "Send simulated requests to one's own load balancer (the traffic "
         "tool; they count in its stats).", (("POST", "/lab/v1/loadbalancers/{lb_id}/traffic"),)),
)
