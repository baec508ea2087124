"""The compute service's policy rules (see lab.cloud.policy), named as Nova names them (nova/policies/*.py),
one per operation.

The defaults keep this lab's first-release meaning, written over the base rules: reading needs a reader of the
server's project, changing needs a member, and operator APIs need an admin. Where Nova's own default differs it
is said in the description (Nova lets any user of a project manage its key pairs; this lab asks for a member,
as it always has, so a read-only account stays read-only). Key pairs are the user's own: their rules check
`user_id:%(user_id)s` against the key pair's owner.
"""

from __future__ import annotations

from lab.cloud.compute.proxy_policies import RULES as PROXY_RULES
from lab.cloud.policy import Rule

READER = "rule:project_reader_or_admin"
MEMBER = "rule:project_member_or_admin"
ADMIN = "rule:context_is_admin"
# The APIs other services call (Nova 2023.2's `service` role; an admin, Nova's default before it, too).
SERVICE = "role:service or rule:context_is_admin"
# A key pair is its user's: a member (or reader) acting on a key pair of their own.
KEYPAIR_READER = "(rule:project_reader_api and rule:owner) or rule:context_is_admin"
KEYPAIR_MEMBER = "(rule:project_member_api and rule:owner) or rule:context_is_admin"

S = "/servers/{server_id}"
ACTION = f"{S}/action"
V = "os_compute_api"


def _rule(name: str, check: str, description: str, *operations: tuple[str, str]) -> Rule:
    return Rule(f"{V}:{name}", check, description, operations)


RULES: tuple[Rule, ...] = (
    # servers (nova/policies/servers.py)
    _rule("servers:index", READER, "List the servers of the caller's project.", ("GET", "/servers")),
    _rule("servers:detail", READER, "List the servers of the caller's project with details.",
          ("GET", "/servers/detail")),
    _rule("servers:index:get_all_tenants", ADMIN, "List the servers of every project (`--all-projects`).",
          ("GET", "/servers")),
    _rule("servers:detail:get_all_tenants", ADMIN,
          "List the servers of every project with details (`--all-projects`).", ("GET", "/servers/detail")),
    _rule("servers:show", READER, "Show a server (and its addresses).", ("GET", S), ("GET", f"{S}/ips"),
          ("GET", f"{S}/ips/{{network_label}}")),
    _rule("servers:create", MEMBER, "Create a server.", ("POST", "/servers")),
    _rule("servers:update", MEMBER, "Update a server's name or access addresses.", ("PUT", S)),
    _rule("servers:delete", MEMBER, "Delete a server.", ("DELETE", S)),
    _rule("servers:start", MEMBER, "Start a stopped server.", ("POST", f"{ACTION} (os-start)")),
    _rule("servers:stop", MEMBER, "Stop a server.", ("POST", f"{ACTION} (os-stop)")),
    _rule("servers:reboot", MEMBER, "Reboot a server (soft or hard).", ("POST", f"{ACTION} (reboot)")),
    _rule("servers:resize", MEMBER, "Resize a server to another flavor.", ("POST", f"{ACTION} (resize)")),
    _rule("servers:confirm_resize", MEMBER, "Confirm a server's resize.", ("POST", f"{ACTION} (confirmResize)")),
    _rule("servers:revert_resize", MEMBER, "Revert a server's resize.", ("POST", f"{ACTION} (revertResize)")),
    _rule("servers:rebuild", MEMBER, "Rebuild a server from an image (same id and ports).",
          ("POST", f"{ACTION} (rebuild)")),
    _rule("servers:create_image", MEMBER, "Snapshot a server into a new image (`openstack server image create`).",
          ("POST", f"{ACTION} (createImage)")),
    # nova/policies/lock_server.py, pause_server.py, suspend_server.py, shelve.py, rescue.py, admin_password.py
    _rule("os-lock-server:lock", MEMBER, "Lock a server (its actions are refused to non-admins).",
          ("POST", f"{ACTION} (lock)")),
    _rule("os-lock-server:unlock", MEMBER, "Unlock a server.", ("POST", f"{ACTION} (unlock)")),
    _rule("os-lock-server:unlock:unlock_override", ADMIN, "Unlock a server locked by an admin.",
          ("POST", f"{ACTION} (unlock)")),
    _rule("os-pause-server:pause", MEMBER, "Pause a server.", ("POST", f"{ACTION} (pause)")),
    _rule("os-pause-server:unpause", MEMBER, "Unpause a server.", ("POST", f"{ACTION} (unpause)")),
    _rule("os-suspend-server:suspend", MEMBER, "Suspend a server.", ("POST", f"{ACTION} (suspend)")),
    _rule("os-suspend-server:resume", MEMBER, "Resume a suspended server.", ("POST", f"{ACTION} (resume)")),
    _rule("os-shelve:shelve", MEMBER, "Shelve a server.", ("POST", f"{ACTION} (shelve)")),
    _rule("os-shelve:shelve_offload", ADMIN, "Offload a shelved server from its host.",
          ("POST", f"{ACTION} (shelveOffload)")),
    _rule("os-shelve:unshelve", MEMBER, "Unshelve a server.", ("POST", f"{ACTION} (unshelve)")),
    _rule("os-rescue", MEMBER, "Rescue a server.", ("POST", f"{ACTION} (rescue)")),
    _rule("os-unrescue", MEMBER, "Unrescue a server.", ("POST", f"{ACTION} (unrescue)")),
    _rule("os-admin-password", MEMBER, "Change a server's administrator password.",
          ("POST", f"{ACTION} (changePassword)")),
    # nova/policies/remote_consoles.py
    _rule("os-remote-consoles", MEMBER, "Get a server's remote console URL (`openstack console url show`).",
          ("POST", f"{ACTION} (os-getVNCConsole)"), ("POST", f"{ACTION} (os-getSerialConsole)"),
          ("POST", f"{S}/remote-consoles")),
    # nova/policies/attach_interfaces.py
    _rule("os-attach-interfaces:list", READER, "List a server's interfaces.", ("GET", f"{S}/os-interface")),
    _rule("os-attach-interfaces:show", READER, "Show one interface of a server.",
          ("GET", f"{S}/os-interface/{{port_id}}")),
    _rule("os-attach-interfaces:create", MEMBER, "Attach a port or a network to a server (`server add port`).",
          ("POST", f"{S}/os-interface")),
    _rule("os-attach-interfaces:delete", MEMBER, "Detach a port from a server (`server remove port`).",
          ("DELETE", f"{S}/os-interface/{{port_id}}")),
    # nova/policies/server_groups.py
    _rule("os-server-groups:index", READER, "List the project's server groups.", ("GET", "/os-server-groups")),
    _rule("os-server-groups:index:all_projects", ADMIN, "List every project's server groups (`all_projects`).",
          ("GET", "/os-server-groups")),
    _rule("os-server-groups:show", READER, "Show a server group.", ("GET", "/os-server-groups/{server_group_id}")),
    _rule("os-server-groups:create", MEMBER, "Create a server group.", ("POST", "/os-server-groups")),
    _rule("os-server-groups:delete", MEMBER, "Delete a server group.",
          ("DELETE", "/os-server-groups/{server_group_id}")),
    # nova/policies/admin_actions.py, migrate_server.py
    _rule("os-admin-actions:reset_state", ADMIN, "Reset a server's state to active or error.",
          ("POST", f"{ACTION} (os-resetState)")),
    _rule("os-admin-actions:inject_network_info", ADMIN, "Inject network information into a server (nothing "
          "to inject here: guests use DHCP).", ("POST", f"{ACTION} (injectNetworkInfo)")),
    _rule("os-migrate-server:migrate", ADMIN, "Cold-migrate a server to another host.",
          ("POST", f"{ACTION} (migrate)")),
    _rule("os-migrate-server:migrate_live", ADMIN, "Live-migrate a server to another host.",
          ("POST", f"{ACTION} (os-migrateLive)")),
    # nova/policies/extended_server_attributes.py
    _rule("os-extended-server-attributes", ADMIN,
          "Show a server's host attributes (OS-EXT-SRV-ATTR:host, instance_name, hypervisor_hostname).",
          ("GET", S), ("GET", "/servers/detail")),
    # nova/policies/console_output.py, deferred_delete.py, security_groups.py
    _rule("os-server-diagnostics", ADMIN, "Show a server's diagnostics (the hypervisor's counters).",
          ("GET", f"{S}/diagnostics")),
    _rule("os-server-password:show", READER, "Show the encrypted password a server's guest posted (empty here: "
          "the metadata service takes no posts).", ("GET", f"{S}/os-server-password")),
    _rule("os-server-password:clear", MEMBER, "Clear a server's posted password (not the guest's own).",
          ("DELETE", f"{S}/os-server-password")),
    _rule("os-console-output", MEMBER, "Show a server's console output.",
          ("POST", f"{ACTION} (os-getConsoleOutput)")),
    _rule("os-deferred-delete:force", MEMBER, "Force-delete a server (a delete: deferred delete is off).",
          ("POST", f"{ACTION} (forceDelete)")),
    _rule("os-deferred-delete:restore", MEMBER, "Restore a soft-deleted server.", ("POST", f"{ACTION} (restore)")),
    _rule("os-security-groups:list", READER, "List the security groups of a server.",
          ("GET", f"{S}/os-security-groups")),
    # nova/policies/multinic.py (deprecated, before 2.44)
    _rule("os-multinic:add", MEMBER, "Add a fixed IP on a network to a server (addFixedIp, before 2.44).",
          ("POST", f"{ACTION} (addFixedIp)")),
    _rule("os-multinic:remove", MEMBER, "Remove a fixed IP from a server (removeFixedIp, before 2.44).",
          ("POST", f"{ACTION} (removeFixedIp)")),
    _rule("os-security-groups:add", MEMBER, "Add a security group to a server's ports.",
          ("POST", f"{ACTION} (addSecurityGroup)")),
    _rule("os-security-groups:remove", MEMBER, "Remove a security group from a server's ports.",
          ("POST", f"{ACTION} (removeSecurityGroup)")),
    # nova/policies/server_metadata.py
    _rule("server-metadata:index", READER, "List a server's metadata.", ("GET", f"{S}/metadata")),
    _rule("server-metadata:show", READER, "Show one metadata item of a server.", ("GET", f"{S}/metadata/{{key}}")),
    _rule("server-metadata:create", MEMBER, "Add metadata items to a server (merged).", ("POST", f"{S}/metadata")),
    _rule("server-metadata:update_all", MEMBER, "Replace a server's metadata.", ("PUT", f"{S}/metadata")),
    _rule("server-metadata:update", MEMBER, "Set one metadata item of a server.", ("PUT", f"{S}/metadata/{{key}}")),
    _rule("server-metadata:delete", MEMBER, "Delete one metadata item of a server.",
          ("DELETE", f"{S}/metadata/{{key}}")),
    # nova/policies/instance_actions.py
    _rule("os-instance-actions:list", READER, "List a server's actions (`openstack server event list`).",
          ("GET", f"{S}/os-instance-actions")),
    _rule("os-instance-actions:show", READER, "Show one action of a server, with its events.",
          ("GET", f"{S}/os-instance-actions/{{request_id}}")),
    # nova/policies/keypairs.py
    _rule("os-keypairs:index", KEYPAIR_READER, "List the caller's key pairs.", ("GET", "/os-keypairs")),
    _rule("os-keypairs:show", KEYPAIR_READER, "Show one of the caller's key pairs.",
          ("GET", "/os-keypairs/{keypair_name}")),
    _rule("os-keypairs:create", KEYPAIR_MEMBER,
          "Create or import a key pair (Nova's default lets any user of the project; here a member).",
          ("POST", "/os-keypairs")),
    _rule("os-keypairs:delete", KEYPAIR_MEMBER, "Delete one of the caller's key pairs.",
          ("DELETE", "/os-keypairs/{keypair_name}")),
    # nova/policies/flavor_manage.py, flavor_access.py, flavor_extra_specs.py
    _rule("os-flavor-manage:create", ADMIN, "Create a flavor.", ("POST", "/flavors")),
    _rule("os-flavor-manage:delete", ADMIN, "Delete a flavor.", ("DELETE", "/flavors/{flavor_id}")),
    _rule("os-flavor-manage:update", ADMIN, "Change a flavor's description (2.55).", ("PUT", "/flavors/{flavor_id}")),
    # nova/policies/server_tags.py (2.26)
    _rule("os-server-tags:index", READER, "List a server's tags.", ("GET", f"{S}/tags")),
    _rule("os-server-tags:show", READER, "Check whether a server has a tag.", ("GET", f"{S}/tags/{{tag}}")),
    _rule("os-server-tags:update", MEMBER, "Add a tag to a server.", ("PUT", f"{S}/tags/{{tag}}")),
    _rule("os-server-tags:update_all", MEMBER, "Replace a server's tags.", ("PUT", f"{S}/tags")),
    _rule("os-server-tags:delete", MEMBER, "Remove a tag from a server.", ("DELETE", f"{S}/tags/{{tag}}")),
    _rule("os-server-tags:delete_all", MEMBER, "Remove every tag of a server.", ("DELETE", f"{S}/tags")),
    _rule("os-flavor-access", ADMIN, "List the projects a private flavor is shared with.",
          ("GET", "/flavors/{flavor_id}/os-flavor-access")),
    _rule("os-flavor-access:add_tenant_access", ADMIN, "Share a private flavor with a project.",
          ("POST", "/flavors/{flavor_id}/action (addTenantAccess)")),
    _rule("os-flavor-access:remove_tenant_access", ADMIN, "Stop sharing a private flavor with a project.",
          ("POST", "/flavors/{flavor_id}/action (removeTenantAccess)")),
    _rule("os-flavor-extra-specs:index", "rule:any_project", "List a flavor's extra specs (a flavor the caller "
          "may use).", ("GET", "/flavors/{flavor_id}/os-extra_specs")),
    _rule("os-flavor-extra-specs:show", "rule:any_project", "Show one extra spec of a flavor the caller may use.",
          ("GET", "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}")),
    _rule("os-flavor-extra-specs:create", ADMIN, "Add or replace extra specs of a flavor.",
          ("POST", "/flavors/{flavor_id}/os-extra_specs")),
    _rule("os-flavor-extra-specs:update", ADMIN, "Set one extra spec of a flavor.",
          ("PUT", "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}")),
    _rule("os-flavor-extra-specs:delete", ADMIN, "Delete one extra spec of a flavor.",
          ("DELETE", "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}")),
    # nova/policies/quota_sets.py, limits.py
    _rule("os-quota-sets:show", READER, "Show a project's quotas.", ("GET", "/os-quota-sets/{tenant_id}")),
    _rule("os-quota-sets:detail", READER, "Show a project's quotas with usage.",
          ("GET", "/os-quota-sets/{tenant_id}/detail")),
    _rule("os-quota-sets:defaults", READER, "Show the default quotas.",
          ("GET", "/os-quota-sets/{tenant_id}/defaults")),
    _rule("os-quota-sets:update", ADMIN, "Set a project's quotas.", ("PUT", "/os-quota-sets/{tenant_id}")),
    _rule("os-quota-sets:delete", ADMIN, "Put a project's quotas back to the defaults.",
          ("DELETE", "/os-quota-sets/{tenant_id}")),
    _rule("limits", READER, "Show the absolute limits of the caller's project.", ("GET", "/limits")),
    _rule("limits:other_project", ADMIN, "Show another project's limits (`tenant_id`); without it the caller's "
          "own are shown.", ("GET", "/limits")),
    # nova/policies/availability_zone.py, hypervisors.py, simple_tenant_usage.py
    _rule("os-availability-zone:list", READER, "List the availability zones.", ("GET", "/os-availability-zone")),
    _rule("os-availability-zone:detail", ADMIN, "List the availability zones with their hosts and services.",
          ("GET", "/os-availability-zone/detail")),
    _rule("os-hypervisors:list", ADMIN, "List the hypervisors.", ("GET", "/os-hypervisors")),
    _rule("os-instance-usage-audit-log:list", ADMIN, "List the usage audit of the compute hosts' periodic task "
          "(`instance_usage_audit`, off here: the host is listed as not run).",
          ("GET", "/os-instance_usage_audit_log")),
    _rule("os-instance-usage-audit-log:show", ADMIN, "Show the usage audit of the month that ended before a time.",
          ("GET", "/os-instance_usage_audit_log/{before_timestamp}")),
    _rule("os-hosts:list", ADMIN, "List the hosts and their services (2.1-2.42).", ("GET", "/os-hosts")),
    _rule("os-hosts:show", ADMIN, "Show a compute host's resources (2.1-2.42).", ("GET", "/os-hosts/{host_name}")),
    _rule("os-hosts:update", ADMIN, "Enable a host or put it in maintenance (2.1-2.42; 501 with this driver).",
          ("PUT", "/os-hosts/{host_name}")),
    _rule("os-hosts:reboot", ADMIN, "Reboot a host (2.1-2.42; 501 with this driver).",
          ("GET", "/os-hosts/{host_name}/reboot")),
    _rule("os-hosts:shutdown", ADMIN, "Shut a host down (2.1-2.42; 501 with this driver).",
          ("GET", "/os-hosts/{host_name}/shutdown")),
    _rule("os-hosts:start", ADMIN, "Start a host up (2.1-2.42; 501 with this driver).",
          ("GET", "/os-hosts/{host_name}/startup")),
    _rule("os-hypervisors:list-detail", ADMIN, "List the hypervisors with details.",
          ("GET", "/os-hypervisors/detail")),
    _rule("os-hypervisors:show", ADMIN, "Show a hypervisor.", ("GET", "/os-hypervisors/{hypervisor_id}")),
    _rule("os-hypervisors:statistics", ADMIN, "Show the hypervisors' summed capacity and usage.",
          ("GET", "/os-hypervisors/statistics")),
    _rule("os-hypervisors:uptime", ADMIN, "Show a hypervisor's uptime.",
          ("GET", "/os-hypervisors/{hypervisor_id}/uptime")),
    _rule("os-hypervisors:search", ADMIN, "Find hypervisors by name.",
          ("GET", "/os-hypervisors/{hypervisor_hostname_pattern}/search")),
    _rule("os-hypervisors:servers", ADMIN, "List the servers of the hypervisors matching a name.",
          ("GET", "/os-hypervisors/{hypervisor_hostname_pattern}/servers")),
    # nova/policies/services.py, quota_class_sets.py, migrations.py
    _rule("os-services:list", ADMIN, "List Nova's services (`openstack compute service list`).",
          ("GET", "/os-services")),
    _rule("os-services:update", ADMIN, "Enable or disable a service (a disabled nova-compute takes no new "
          "servers).", ("PUT", "/os-services/enable"), ("PUT", "/os-services/disable"),
          ("PUT", "/os-services/disable-log-reason")),
    _rule("os-services:delete", ADMIN, "Delete a service (refused for this host's own).",
          ("DELETE", "/os-services/{service_id}")),
    _rule("os-quota-class-sets:show", ADMIN, "Show a quota class (`default`: every project's defaults).",
          ("GET", "/os-quota-class-sets/{quota_class}")),
    _rule("os-quota-class-sets:update", ADMIN, "Change a quota class (`default`: every project's defaults).",
          ("PUT", "/os-quota-class-sets/{quota_class}")),
    # nova/policies/aggregates.py
    _rule("os-aggregates:index", ADMIN, "List host aggregates.", ("GET", "/os-aggregates")),
    _rule("os-aggregates:create", ADMIN, "Create a host aggregate.", ("POST", "/os-aggregates")),
    _rule("os-aggregates:show", ADMIN, "Show a host aggregate.", ("GET", "/os-aggregates/{aggregate_id}")),
    _rule("os-aggregates:update", ADMIN, "Rename a host aggregate or change its zone.",
          ("PUT", "/os-aggregates/{aggregate_id}")),
    _rule("os-aggregates:delete", ADMIN, "Delete an empty host aggregate.",
          ("DELETE", "/os-aggregates/{aggregate_id}")),
    _rule("os-aggregates:add_host", ADMIN, "Add a host to an aggregate.",
          ("POST", "/os-aggregates/{aggregate_id}/action (add_host)")),
    _rule("os-aggregates:remove_host", ADMIN, "Remove a host from an aggregate.",
          ("POST", "/os-aggregates/{aggregate_id}/action (remove_host)")),
    _rule("os-aggregates:set_metadata", ADMIN, "Set or unset an aggregate's metadata.",
          ("POST", "/os-aggregates/{aggregate_id}/action (set_metadata)")),
    # nova/policies/extensions.py, floating_ip_pools.py
    _rule("extensions", "@", "List Nova's (legacy) API extensions.", ("GET", "/extensions"),
          ("GET", "/extensions/{alias}")),
    _rule("os-floating-ip-pools", "@", "List the floating IP pools (the external networks; before 2.36).",
          ("GET", "/os-floating-ip-pools")),
    _rule("os-migrations:index", ADMIN, "List migrations (here the resizes: one host).", ("GET", "/os-migrations")),
    # nova/policies/server_external_events.py, assisted_volume_snapshots.py: what Neutron and Cinder call
    _rule("os-server-external-events:create", SERVICE, "Send events about servers (Neutron's "
          "network-vif-plugged, Cinder's volume-extended, ...).", ("POST", "/os-server-external-events")),
    _rule("os-assisted-volume-snapshots:create", SERVICE, "Snapshot an attached volume on its hypervisor "
          "(what Cinder asks of Nova for some backends).", ("POST", "/os-assisted-volume-snapshots")),
    _rule("os-assisted-volume-snapshots:delete", SERVICE, "Delete an assisted volume snapshot.",
          ("DELETE", "/os-assisted-volume-snapshots/{snapshot_id}")),
    _rule("os-simple-tenant-usage:show", READER, "Show a project's usage (server hours).",
          ("GET", "/os-simple-tenant-usage/{tenant_id}")),
    _rule("os-simple-tenant-usage:list", READER, "List usage: here the caller's own project's (Nova's list "
          "covers every project and is operators only).", ("GET", "/os-simple-tenant-usage")),
)

# Nova's proxy APIs (before 2.36): their own module, as their routes are.
RULES += PROXY_RULES
