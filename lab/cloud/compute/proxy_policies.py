"""The policy rules of Nova's proxy APIs (proxy_volumes.py, proxy_network.py), named and defaulted as Nova's
(nova/policies/volumes.py, security_groups.py, floating_ips.py, networks.py, tenant_networks.py): a reader of
the project lists and shows, a member changes. The service behind each (Cinder, Neutron) then applies its own
rules too, as it does to Nova's calls. Nova's /images proxy has no rules of its own (Glance's apply)."""

from __future__ import annotations

from lab.cloud.policy import Rule

READER = "rule:project_reader_or_admin"
MEMBER = "rule:project_member_or_admin"
S = "/servers/{server_id}"
ACTION = f"{S}/action"
BEFORE = " (before 2.36)"


def _rule(name: str, check: str, description: str, *operations: tuple[str, str], before: str = BEFORE) -> Rule:
    return Rule(f"os_compute_api:{name}", check, description + before, operations)


RULES: tuple[Rule, ...] = (
    # nova/policies/volumes.py
    _rule("os-volumes:list", READER, "List the project's volumes through Nova's proxy to Cinder.",
          ("GET", "/os-volumes")),
    _rule("os-volumes:detail", READER, "List the project's volumes with details through Nova's proxy.",
          ("GET", "/os-volumes/detail")),
    _rule("os-volumes:show", READER, "Show a volume through Nova's proxy.", ("GET", "/os-volumes/{volume_id}")),
    _rule("os-volumes:create", MEMBER, "Create a volume through Nova's proxy.", ("POST", "/os-volumes")),
    _rule("os-volumes:delete", MEMBER, "Delete a volume through Nova's proxy.",
          ("DELETE", "/os-volumes/{volume_id}")),
    _rule("os-volumes:snapshots:list", READER, "List the project's volume snapshots through Nova's proxy.",
          ("GET", "/os-snapshots")),
    _rule("os-volumes:snapshots:detail", READER, "List volume snapshots with details through Nova's proxy.",
          ("GET", "/os-snapshots/detail")),
    _rule("os-volumes:snapshots:show", READER, "Show a volume snapshot through Nova's proxy.",
          ("GET", "/os-snapshots/{snapshot_id}")),
    _rule("os-volumes:snapshots:create", MEMBER, "Create a volume snapshot through Nova's proxy.",
          ("POST", "/os-snapshots")),
    _rule("os-volumes:snapshots:delete", MEMBER, "Delete a volume snapshot through Nova's proxy.",
          ("DELETE", "/os-snapshots/{snapshot_id}")),
    # nova/policies/security_groups.py (the server's list, add and remove are in policies.py)
    _rule("os-security-groups:get", READER, "List the project's security groups through Nova's proxy to Neutron.",
          ("GET", "/os-security-groups")),
    _rule("os-security-groups:show", READER, "Show a security group through Nova's proxy.",
          ("GET", "/os-security-groups/{security_group_id}")),
    _rule("os-security-groups:create", MEMBER, "Create a security group through Nova's proxy.",
          ("POST", "/os-security-groups")),
    _rule("os-security-groups:update", MEMBER, "Rename or describe a security group through Nova's proxy.",
          ("PUT", "/os-security-groups/{security_group_id}")),
    _rule("os-security-groups:delete", MEMBER, "Delete a security group through Nova's proxy.",
          ("DELETE", "/os-security-groups/{security_group_id}")),
    _rule("os-security-groups:rule:create", MEMBER, "Add a rule to a security group through Nova's proxy.",
          ("POST", "/os-security-group-rules")),
    _rule("os-security-groups:rule:delete", MEMBER, "Delete a security group rule through Nova's proxy.",
          ("DELETE", "/os-security-group-rules/{security_group_rule_id}")),
    # nova/policies/floating_ips.py
    _rule("os-floating-ips:list", READER, "List the project's floating IPs through Nova's proxy to Neutron.",
          ("GET", "/os-floating-ips")),
    _rule("os-floating-ips:show", READER, "Show a floating IP through Nova's proxy.",
          ("GET", "/os-floating-ips/{floating_ip_id}")),
    _rule("os-floating-ips:create", MEMBER, "Allocate a floating IP from a pool through Nova's proxy.",
          ("POST", "/os-floating-ips")),
    _rule("os-floating-ips:delete", MEMBER, "Release a floating IP through Nova's proxy.",
          ("DELETE", "/os-floating-ips/{floating_ip_id}")),
    _rule("os-floating-ips:add", MEMBER, "Associate a floating IP with a server.",
          ("POST", f"{ACTION} (addFloatingIp)"), before=" (before 2.44)"),
    _rule("os-floating-ips:remove", MEMBER, "Disassociate a floating IP from a server.",
          ("POST", f"{ACTION} (removeFloatingIp)"), before=" (before 2.44)"),
    # nova/policies/networks.py, tenant_networks.py
    _rule("os-networks:list", READER, "List the networks the caller sees through Nova's proxy to Neutron.",
          ("GET", "/os-networks")),
    _rule("os-networks:view", READER, "Show a network through Nova's proxy.", ("GET", "/os-networks/{network_id}")),
    _rule("os-tenant-networks:list", READER, "List the project's networks through Nova's proxy.",
          ("GET", "/os-tenant-networks")),
    _rule("os-tenant-networks:show", READER, "Show a project network through Nova's proxy.",
          ("GET", "/os-tenant-networks/{network_id}")),
)
