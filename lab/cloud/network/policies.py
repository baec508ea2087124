"""The networking service's policy rules, named as Neutron names them (neutron/conf/policies/*.py), with
Neutron's default meaning written over the lab's base rules (lab/cloud/policy.py).

How Neutron checks, and so how the lab does (network/access.py):
- every operation has one rule (`create_network`, `get_port`, `add_router_interface`, ...) checked against
  the target resource: its `project_id`, and what the rule reads of it (`shared`, `router:external`, the
  owner of its network as `network:project_id`);
- an attribute given in a create or update body that only some callers may set has its own rule, named
  `<operation>:<attribute>` (`create_network:shared`, `create_port:mac_address`), checked only when the
  attribute is given (or changed); a denial names both, as Neutron does:
  `(rule:create_network and rule:create_network:shared) is disallowed by policy`;
- the attributes only some callers may read have `get_<resource>:<attribute>` rules (the provider ones).

Which rows a list returns is not decided here: a project sees its own rows, shared and external networks
and the ports on its networks (network/common.py, a query filter, as Neutron's database layer does).
"""

from __future__ import annotations

from lab.cloud.policy import Rule

NETWORKS, NETWORK = "/v2.0/networks", "/v2.0/networks/{id}"
SUBNETS, SUBNET = "/v2.0/subnets", "/v2.0/subnets/{id}"
PORTS, PORT = "/v2.0/ports", "/v2.0/ports/{id}"
ROUTERS, ROUTER = "/v2.0/routers", "/v2.0/routers/{id}"
FLOATINGIPS, FLOATINGIP = "/v2.0/floatingips", "/v2.0/floatingips/{id}"
GROUPS, GROUP = "/v2.0/security-groups", "/v2.0/security-groups/{id}"
SG_RULES, SG_RULE = "/v2.0/security-group-rules", "/v2.0/security-group-rules/{id}"
QUOTAS, QUOTA = "/v2.0/quotas", "/v2.0/quotas/{project_id}"
RBACS, RBAC = "/v2.0/rbac-policies", "/v2.0/rbac-policies/{id}"
POOLS, POOL = "/v2.0/subnetpools", "/v2.0/subnetpools/{id}"
SCOPES, SCOPE = "/v2.0/address-scopes", "/v2.0/address-scopes/{id}"
AGENTS, AGENT = "/v2.0/agents", "/v2.0/agents/{id}"
AVAILABILITY = "/v2.0/network-ip-availabilities"
QOS_POLICIES, QOS_POLICY = "/v2.0/qos/policies", "/v2.0/qos/policies/{id}"
POLICY_TAGS = "/v2.0/policies/{id}/tags"  # Neutron tags QoS policies here, outside /qos

ADMIN = "rule:admin_only"
MEMBER = "rule:project_member_or_admin"  # Neutron's ADMIN_OR_PROJECT_MEMBER
READER = "rule:project_reader_or_admin"  # Neutron's ADMIN_OR_PROJECT_READER
NET_OWNER = "rule:admin_only or rule:network_owner"  # Neutron's RULE_ADMIN_OR_NET_OWNER


def _get(collection: str, item: str) -> tuple[tuple[str, str], ...]:
    return (("GET", collection), ("GET", item))


def _crud(resource: str, collection: str, item: str, get: str, description: str,
          create: str = MEMBER) -> tuple[Rule, ...]:
    """The four rules of one resource (create, get, update, delete) with Neutron's descriptions."""
    tags, tag = f"{item}/tags", f"{item}/tags/{{tag}}"
    return (
        Rule(f"create_{resource}", create, f"Create a {description}.", (("POST", collection),)),
        Rule(f"get_{resource}", get, f"Get a {description} (also reading its tags).",
             (*_get(collection, item), ("GET", tags), ("GET", tag))),
        Rule(f"update_{resource}", MEMBER, f"Update a {description} (also changing its tags).",
             (("PUT", item), ("PUT", tags), ("DELETE", tags), ("PUT", tag), ("DELETE", tag))),
        Rule(f"delete_{resource}", MEMBER, f"Delete a {description}.", (("DELETE", item),)),
    )


def _plain(resource: str, collection: str, item: str, get: str, description: str) -> tuple[Rule, ...]:
    """The four rules of a resource without standard attributes (no tags)."""
    return (
        Rule(f"create_{resource}", MEMBER, f"Create {description}.", (("POST", collection),)),
        Rule(f"get_{resource}", get, f"Get {description}.", _get(collection, item)),
        Rule(f"update_{resource}", MEMBER, f"Update {description}.", (("PUT", item),)),
        Rule(f"delete_{resource}", MEMBER, f"Delete {description}.", (("DELETE", item),)),
    )


def _attribute(operation: str, attribute: str, check: str, description: str, method: str,
               path: str) -> Rule:
    return Rule(f"{operation}:{attribute}", check, description, ((method, path),))


RULES: tuple[Rule, ...] = (
    # Neutron's helper rules (neutron/conf/policies/base.py, network.py, port.py, security_group.py).
    Rule("admin_only", "rule:context_is_admin", "Rule for admin-only access."),
    Rule("network_owner", "project_id:%(network:project_id)s",
         "The caller's project owns the network the target is on."),
    Rule("shared", "True:%(shared)s", "The target is (or is on) a shared network."),
    Rule("external", "True:%(router:external)s", "The target is an external network."),
    Rule("network_device", "True:%(network_device)s",
         "The port's device_owner starts with `network:` (a port Neutron itself makes)."),

    # Networks (neutron/conf/policies/network.py).
    *_crud("network", NETWORKS, NETWORK, f"{READER} or rule:shared or rule:external", "network"),
    _attribute("create_network", "shared", ADMIN, "Create a shared network.", "POST", NETWORKS),
    _attribute("create_network", "router:external", ADMIN, "Create an external network.", "POST", NETWORKS),
    *(_attribute("create_network", f"provider:{name}", ADMIN,
                 f"Specify `provider:{name}` when creating a network.", "POST", NETWORKS)
      for name in ("network_type", "physical_network", "segmentation_id")),
    *(_attribute("get_network", f"provider:{name}", ADMIN,
                 f"Get the `provider:{name}` attribute of a network.", "GET", NETWORK)
      for name in ("network_type", "physical_network", "segmentation_id")),
    _attribute("update_network", "shared", ADMIN, "Update the `shared` attribute of a network.", "PUT", NETWORK),
    _attribute("update_network", "router:external", ADMIN,
               "Update the `router:external` attribute of a network.", "PUT", NETWORK),
    _attribute("update_network", "is_default", ADMIN,
               "Update the `is_default` attribute of a network.", "PUT", NETWORK),

    # Subnets (neutron/conf/policies/subnet.py): made on a network of the caller's own project.
    *_crud("subnet", SUBNETS, SUBNET, f"{READER} or rule:shared", "subnet",
           create="rule:admin_only or (role:member and project_id:%(project_id)s and rule:network_owner)"),

    # Ports (neutron/conf/policies/port.py): on a network of the caller's project, or a shared one.
    *_crud("port", PORTS, PORT, f"{READER} or (role:reader and rule:network_owner)", "port",
           create="rule:admin_only or (role:member and project_id:%(project_id)s and "
                  "(rule:network_owner or rule:shared))"),
    _attribute("create_port", "device_owner", f"not rule:network_device or {NET_OWNER}",
               "Specify a `device_owner` of Neutron's own (`network:...`) when creating a port.", "POST", PORTS),
    _attribute("create_port", "mac_address", NET_OWNER, "Specify `mac_address` when creating a port.",
               "POST", PORTS),
    _attribute("create_port", "fixed_ips:ip_address", NET_OWNER,
               "Specify an IP address in `fixed_ips` when creating a port.", "POST", PORTS),
    _attribute("update_port", "mac_address", ADMIN, "Update the `mac_address` of a port.", "PUT", PORT),
    # The binding extension (neutron/conf/policies/port.py): where a port is bound is the operator's business.
    *(_attribute(operation, f"binding:{name}", ADMIN, f"Specify `binding:{name}` of a port.", method, path)
      for operation, method, path in (("create_port", "POST", PORTS), ("update_port", "PUT", PORT))
      for name in ("host_id", "profile")),
    *(_attribute("get_port", f"binding:{name}", ADMIN, f"Get the `binding:{name}` attribute of a port.",
                 "GET", PORT) for name in ("vif_type", "vif_details", "host_id", "profile")),

    # Routers (neutron/conf/policies/router.py).
    *_crud("router", ROUTERS, ROUTER, READER, "router"),
    _attribute("create_router", "distributed", ADMIN, "Create a distributed router.", "POST", ROUTERS),
    _attribute("create_router", "ha", ADMIN, "Create a highly-available router.", "POST", ROUTERS),
    _attribute("create_router", "external_gateway_info:external_fixed_ips", ADMIN,
               "Specify `external_fixed_ips` of the gateway when creating a router.", "POST", ROUTERS),
    _attribute("update_router", "external_gateway_info:external_fixed_ips", ADMIN,
               "Specify `external_fixed_ips` of the gateway when updating a router.", "PUT", ROUTER),
    Rule("add_router_interface", MEMBER, "Add an interface to a router.",
         (("PUT", f"{ROUTER}/add_router_interface"),)),
    Rule("remove_router_interface", MEMBER, "Remove an interface from a router.",
         (("PUT", f"{ROUTER}/remove_router_interface"),)),
    Rule("add_extraroutes", MEMBER, "Add extra routes to a router.", (("PUT", f"{ROUTER}/add_extraroutes"),)),
    Rule("remove_extraroutes", MEMBER, "Remove extra routes from a router.",
         (("PUT", f"{ROUTER}/remove_extraroutes"),)),

    # Floating IPs (neutron/conf/policies/floatingip.py).
    *_crud("floatingip", FLOATINGIPS, FLOATINGIP, READER, "floating IP"),

    # Port forwarding (neutron/conf/policies/port_forwarding.py): checked against the floating IP's owner.
    *(Rule(f"{verb}_floatingip_port_forwarding", check, f"{text} a floating IP port forwarding.", ops)
      for verb, check, text, ops in (
          ("create", MEMBER, "Create", (("POST", f"{FLOATINGIP}/port_forwardings"),)),
          ("get", READER, "Get", _get(f"{FLOATINGIP}/port_forwardings",
                                      f"{FLOATINGIP}/port_forwardings/{{port_forwarding_id}}")),
          ("update", MEMBER, "Update", (("PUT", f"{FLOATINGIP}/port_forwardings/{{port_forwarding_id}}"),)),
          ("delete", MEMBER, "Delete", (("DELETE", f"{FLOATINGIP}/port_forwardings/{{port_forwarding_id}}"),)))),

    # Security groups and their rules (neutron/conf/policies/security_group.py).
    *_crud("security_group", GROUPS, GROUP, f"{READER} or rule:shared_security_group", "security group"),
    Rule("create_security_group_rule", MEMBER, "Create a security group rule.", (("POST", SG_RULES),)),
    Rule("get_security_group_rule", READER, "Get a security group rule.", _get(SG_RULES, SG_RULE)),
    Rule("update_security_group_rule", MEMBER, "Update a security group rule (its description).",
         (("PUT", SG_RULE),)),
    Rule("delete_security_group_rule", MEMBER, "Delete a security group rule.", (("DELETE", SG_RULE),)),

    # Security groups shared by RBAC (neutron/conf/policies/security_group.py reads them through this rule).
    Rule("shared_security_group", "True:%(shared)s", "The security group is shared with the caller's project."),

    # RBAC policies (neutron/conf/policies/rbac.py): only an admin may share with every project (`*`).
    Rule("restrict_wildcard", "(not '*':%(target_tenant)s) or rule:admin_only",
         "The target project is not the wildcard `*`, unless the caller is an admin."),
    *_plain("rbac_policy", RBACS, RBAC, READER, "an RBAC policy"),
    _attribute("create_rbac_policy", "target_tenant", f"rule:restrict_wildcard and ({MEMBER})",
               "Specify `target_tenant` when creating an RBAC policy.", "POST", RBACS),
    _attribute("update_rbac_policy", "target_tenant", f"rule:restrict_wildcard and ({MEMBER})",
               "Update the `target_tenant` of an RBAC policy.", "PUT", RBAC),

    # Subnet pools and address scopes (neutron/conf/policies/subnetpool.py, address_scope.py).
    Rule("shared_subnetpools", "True:%(shared)s", "The subnet pool is shared."),
    *_crud("subnetpool", POOLS, POOL, f"{READER} or rule:shared_subnetpools", "subnet pool"),
    _attribute("create_subnetpool", "shared", ADMIN, "Create a shared subnet pool.", "POST", POOLS),
    _attribute("create_subnetpool", "is_default", ADMIN, "Create a default subnet pool.", "POST", POOLS),
    _attribute("update_subnetpool", "is_default", ADMIN, "Update the `is_default` attribute of a subnet pool.",
               "PUT", POOL),
    Rule("shared_address_scopes", "True:%(shared)s", "The address scope is shared."),
    *_plain("address_scope", SCOPES, SCOPE, f"{READER} or rule:shared_address_scopes", "an address scope"),
    _attribute("create_address_scope", "shared", ADMIN, "Create a shared address scope.", "POST", SCOPES),
    _attribute("update_address_scope", "shared", ADMIN, "Update the `shared` attribute of an address scope.",
               "PUT", SCOPE),

    # QoS (neutron/conf/policies/qos.py): policies and rules are the operator's; projects read and bind them.
    Rule("shared_qos_policy", "True:%(shared)s", "The QoS policy is shared with the caller's project."),
    Rule("create_policy", ADMIN, "Create a QoS policy.", (("POST", QOS_POLICIES),)),
    Rule("get_policy", f"{READER} or rule:shared_qos_policy", "Get QoS policies (also reading their tags).",
         (*_get(QOS_POLICIES, QOS_POLICY), ("GET", f"{POLICY_TAGS}"), ("GET", f"{POLICY_TAGS}/{{tag}}"))),
    Rule("update_policy", ADMIN, "Update a QoS policy (also changing its tags).",
         (("PUT", QOS_POLICY), ("PUT", POLICY_TAGS), ("DELETE", POLICY_TAGS), ("PUT", f"{POLICY_TAGS}/{{tag}}"),
          ("DELETE", f"{POLICY_TAGS}/{{tag}}"))),
    Rule("delete_policy", ADMIN, "Delete a QoS policy.", (("DELETE", QOS_POLICY),)),
    Rule("get_rule_type", ADMIN, "Get available QoS rule types.",
         (("GET", "/v2.0/qos/rule-types"), ("GET", "/v2.0/qos/rule-types/{rule_type}"))),
    *(rule for kind, text in (("bandwidth_limit", "bandwidth limit"), ("dscp_marking", "DSCP marking"),
                              ("minimum_bandwidth", "minimum bandwidth"))
      for rule in (
          Rule(f"get_policy_{kind}_rule", f"{READER} or rule:shared_qos_policy", f"Get a QoS {text} rule.",
               _get(f"{QOS_POLICY}/{kind}_rules", f"{QOS_POLICY}/{kind}_rules/{{rule_id}}")),
          Rule(f"create_policy_{kind}_rule", ADMIN, f"Create a QoS {text} rule.",
               (("POST", f"{QOS_POLICY}/{kind}_rules"),)),
          Rule(f"update_policy_{kind}_rule", ADMIN, f"Update a QoS {text} rule.",
               (("PUT", f"{QOS_POLICY}/{kind}_rules/{{rule_id}}"),)),
          Rule(f"delete_policy_{kind}_rule", ADMIN, f"Delete a QoS {text} rule.",
               (("DELETE", f"{QOS_POLICY}/{kind}_rules/{{rule_id}}"),)))),

    # Agents and their scheduling (neutron/conf/policies/agent.py): an operator's view.
    Rule("get_agent", ADMIN, "Get an agent.", _get(AGENTS, AGENT)),
    Rule("update_agent", ADMIN, "Update an agent (enable or disable it, describe it).", (("PUT", AGENT),)),
    Rule("delete_agent", ADMIN, "Delete an agent.", (("DELETE", AGENT),)),
    Rule("get_dhcp-agents", ADMIN, "List the DHCP agents hosting a network.",
         (("GET", f"{NETWORK}/dhcp-agents"),)),
    Rule("get_l3-agents", ADMIN, "List the L3 agents hosting a router.", (("GET", f"{ROUTER}/l3-agents"),)),
    Rule("get_dhcp-networks", ADMIN, "List the networks a DHCP agent hosts.",
         (("GET", f"{AGENT}/dhcp-networks"),)),
    Rule("create_dhcp-network", ADMIN, "Add a network to a DHCP agent.", (("POST", f"{AGENT}/dhcp-networks"),)),
    Rule("delete_dhcp-network", ADMIN, "Remove a network from a DHCP agent.",
         (("DELETE", f"{AGENT}/dhcp-networks/{{network_id}}"),)),
    Rule("get_l3-routers", ADMIN, "List the routers an L3 agent hosts.", (("GET", f"{AGENT}/l3-routers"),)),
    Rule("create_l3-router", ADMIN, "Add a router to an L3 agent.", (("POST", f"{AGENT}/l3-routers"),)),
    Rule("delete_l3-router", ADMIN, "Remove a router from an L3 agent.",
         (("DELETE", f"{AGENT}/l3-routers/{{router_id}}"),)),
    Rule("get_availability_zone", READER, "List the availability zones of the network agents.",
         (("GET", "/v2.0/availability_zones"),)),

    # Network IP availability (neutron/conf/policies/network_ip_availability.py).
    Rule("get_network_ip_availability", ADMIN, "Get the IP availability of networks.",
         (("GET", AVAILABILITY), ("GET", f"{AVAILABILITY}/{{network_id}}"))),

    # Quotas (neutron/conf/policies/quotas.py). As in Neutron's quota API, a project always reads its own
    # quotas; `get_quota` decides reading another project's, and listing every project's.
    Rule("get_quota", ADMIN, "Get another project's resource quotas, or list every project's.",
         (("GET", QUOTAS), ("GET", QUOTA), ("GET", f"{QUOTA}/default"), ("GET", f"{QUOTA}/details"))),
    Rule("update_quota", ADMIN, "Update the resource quotas of a project.", (("PUT", QUOTA),)),
    Rule("delete_quota", ADMIN, "Delete (reset to the defaults) the resource quotas of a project.",
         (("DELETE", QUOTA),)),
)
