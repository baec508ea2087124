"""The extensions this Neutron lists in `GET /v2.0/extensions` (alias, name, description, as Neutron words
them): exactly what is implemented, so clients (openstacksdk, tempest, Horizon) skip the rest. Tempest is told
the same list (network/tempest.py).
"""

from __future__ import annotations

EXTENSIONS: tuple[tuple[str, str, str], ...] = (
    ("external-net", "Neutron external network", "Adds external network attribute to network resource."),
    ("router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 Neutron networks and "
                                    "access to external networks via a NAT gateway."),
    ("ext-gw-mode", "Neutron L3 Configurable external gateway mode",
     "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway"),
    ("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"),
    ("extraroute-atomic", "Atomically add/remove extra routes", "Edit extra routes of a router on server side by "
                                                                "atomically adding/removing extra routes"),
    ("security-group", "security-group", "The security groups extension."),
    ("quotas", "Quota management support", "Expose functions for quotas management per project"),
    ("quota_details", "Quota details management support", "Expose functions for quotas usage statistics per "
                                                           "project"),
    ("quota-check-limit", "Quota engine limit check", "Support for checking the resource usage before applying a "
                                                      "new quota limit"),
    ("allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"),
    ("port-security", "Port Security", "Provides port security"),
    ("provider", "Provider Network", "Expose mapping of virtual networks to physical networks"),
    ("net-mtu", "Network MTU", "Provides MTU attribute for a network resource."),
    ("standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard "
                                                               "attributes"),
    ("standard-attr-tag", "Tag support for resources with standard attribute: subnet, trunk, network_segment_range, "
                          "router, network, policy, subnetpool, port, security_group, floatingip",
     "Enables to set tag on resources with standard attribute."),
    ("standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at fields to all Neutron "
                                                       "resources that have Neutron standard attributes."),
    ("project-id", "project_id field enabled", "Extension that indicates that project_id field is enabled."),
    ("pagination", "Pagination support", "Extension that indicates that pagination is enabled."),
    ("sorting", "Sorting support", "Extension that indicates that sorting is enabled."),
    ("binding", "Port Binding", "Expose port bindings of a virtual port to external application"),
    ("agent", "agent", "The agent management extension."),
    ("availability_zone", "Availability Zone", "The availability zone extension."),
    ("dhcp_agent_scheduler", "DHCP Agent Scheduler", "Schedule networks among dhcp agents"),
    ("l3_agent_scheduler", "L3 Agent Scheduler", "Schedule routers among l3 agents"),
    ("rbac-policies", "RBAC Policies", "Allows creation and modification of policies that control tenant access "
                                       "to resources."),
    ("rbac-security-groups", "RBAC Security Groups", "Add RBAC support for security groups"),
    ("subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet pool"),
    ("default-subnetpools", "Default Subnetpools", "Provides ability to mark and use a subnetpool as the default."),
    ("address-scope", "Address scope", "Address scopes extension."),
    ("network-ip-availability", "Network IP Availability", "Provides IP availability data for each network and "
                                                           "subnet."),
    ("fip-port-details", "Floating IP Port Details Extension", "Add port_details attribute to Floating IP "
                                                               "resource"),
    ("qos", "Quality of Service", "The Quality of Service extension."),
    ("qos-bw-limit-direction", "Direction for QoS bandwidth limit rule",
     "Allow to configure QoS bandwidth limit rule with specific direction: ingress or egress"),
    ("qos-default", "QoS default policy", "Expose the QoS default policy per project"),
    ("qos-rule-type-details", "Details of QoS rule types", "Expose details about QoS rule types supported by "
                                                           "loaded backend drivers"),
    ("qos-port-network-policy", "QoS port network policy ID", "Adds a the QoS network ID to the port definition"),
    ("extra_dhcp_opt", "Neutron Extra DHCP options", "Extra options configuration for DHCP. For example PXE boot "
                                                     "options to DHCP clients can be specified (e.g. tftp-server, "
                                                     "server-ip-address, bootfile-name)"),
    ("ip-substring-filtering", "IP address substring filtering", "Provides IP address substring filtering when "
                                                                 "listing ports"),
    ("security-groups-shared-filtering", "Security group filtering on the shared field",
     "Support filtering security groups on the shared field"),
    ("dns-integration", "DNS Integration", "Provides integration with DNS."),
    ("dns-domain-ports", "dns_domain for ports", "Allows the DNS domain to be specified for a network port."),
    ("floating-ip-port-forwarding", "Floating IP Port Forwarding",
     "Allow to forward a floating IP port to an internal port"),
    ("floating-ip-port-forwarding-description", "Floating IP Port Forwarding resource description field",
     "Add a description field to Port Forwarding rules"),
    ("expose-port-forwarding-in-fip", "Expose port forwardings in a floating IP",
     "Expose the port forwardings of a floating IP in the floating IP's details"),
    ("service-type", "Neutron Service Type Management", "API for retrieving service providers for Neutron "
                                                        "advanced services"),
)
