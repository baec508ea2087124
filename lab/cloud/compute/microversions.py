"""What each Nova microversion changes for the resources this lab serves: the one place that says it.

The lab advertises 2.1-2.93, as a Zed cloud does (nova/api/openstack/api_version_request.py). Each constant
below names a version where a body changes, as Nova's code names the feature; renderers and validators
(schemas.py) compare the request's version against them (`version >= EMBEDDED_FLAVOR`). `CHANGES` lists every
version of the range with what it changes here, or ("-" first) why it changes nothing the lab serves;
course/reference/api-subset.md shows the same table, and a test keeps the two equal.
"""

from __future__ import annotations

from lab.cloud.microversion import Microversions, Version

HOSTS_REMOVED = Version(2, 43)
MIGRATION_TYPE = Version(2, 23)  # os-migrations: migration_type
MIGRATION_UUID = Version(2, 59)  # os-migrations: uuid, limit and marker
MIGRATION_OWNER = Version(2, 80)  # os-migrations: user_id and project_id (and their filters)
RANGE = Microversions("compute", "2.1", "2.93", legacy_header="X-OpenStack-Nova-API-Version")
MIN, MAX = RANGE.min, RANGE.max

KEYPAIR_TYPE = Version(2, 2)  # keypair `type`; create 201, delete 204
EXTENDED_ATTRIBUTES = Version(2, 3)  # OS-EXT-SRV-ATTR:reservation_id, launch_index, hostname, ...
PUBLIC_FLAVOR_ACCESS = Version(2, 7)  # addTenantAccess to a public flavor is 409
LOCKED = Version(2, 9)
KEYPAIR_USER_ID = Version(2, 10)
FORCED_DOWN = Version(2, 11)
SHELVED_VOLUMES = Version(2, 20)  # volume attach and detach of a shelved-offloaded server
SERVER_GROUP_OWNER = Version(2, 13)  # server groups show user_id and project_id
SOFT_AFFINITY = Version(2, 15)
HOST_STATUS = Version(2, 16)
DESCRIPTION = Version(2, 19)
TAGS = Version(2, 26)
NETWORK_QUOTAS_GONE = Version(2, 36)  # proxy quotas and limits removed
PROXIES_GONE = Version(2, 36)  # the proxy APIs: os-volumes, os-snapshots, /images, os-security-groups, ...
AUTO_NETWORKS = Version(2, 37)  # `networks` required: a list, "auto" or "none"
STRICT_STATUS = Version(2, 38)  # an unknown status filter is 400
IMAGE_META_LIMIT_GONE = Version(2, 39)
IMAGE_METADATA_GONE = Version(2, 39)  # /images/{id}/metadata (the image proxy's last part)
NO_IP_ACTIONS = Version(2, 44)  # addFixedIp, removeFixedIp, addFloatingIp, removeFloatingIp: 404
IMAGE_ID_BODY = Version(2, 45)  # createImage answers {"image_id"} and no Location
EMBEDDED_FLAVOR = Version(2, 47)
CREATE_TAGS = Version(2, 52)
SERVICE_UUIDS = Version(2, 53)  # services and hypervisors by UUID; PUT /os-services/{id}
REBUILD_KEY_NAME = Version(2, 54)
FLAVOR_DESCRIPTION = Version(2, 55)
NO_PERSONALITY = Version(2, 57)  # personality gone; rebuild takes user_data; injected-file quotas gone
FLAVOR_EXTRA_SPECS = Version(2, 61)
TRUSTED_CERTS = Version(2, 63)
GROUP_POLICY = Version(2, 64)  # server groups: `policy` and `rules` replace `policies`; no metadata
DEVICE_TAGS_SHOWN = Version(2, 70)  # `tag` in os-interface and os-volume_attachments answers
SERVER_GROUPS_SHOWN = Version(2, 71)
LOCKED_REASON = Version(2, 73)
API_CLEANUP = Version(2, 75)  # update and rebuild answer the full server; flavor swap 0 not ""
BDM_VOLUME_TYPE = Version(2, 67)  # block_device_mapping_v2 takes volume_type
DELETE_ON_TERMINATION = Version(2, 79)
CHANGES_BEFORE = Version(2, 66)  # the servers list's changes-before filter
ATTACHMENT_UPDATE = Version(2, 85)  # PUT of a volume attachment changes delete_on_termination
ATTACHMENT_IDS = Version(2, 89)  # volume attachments: attachment_id, bdm_uuid; no `id`
HOSTNAME = Version(2, 90)  # hostname in create, update, rebuild; OS-EXT-SRV-ATTR:hostname to everyone
NO_KEYPAIR_GENERATION = Version(2, 92)
REBUILD_VOLUME_BACKED = Version(2, 93)  # rebuild re-images a volume-backed server's root volume

# Every version of the range: what it changes in this lab ("-" first: nothing the lab serves, and why).
CHANGES: dict[str, str] = {
    "2.1": "The v2.1 API with strict input validation; the default when no version is asked for.",
    "2.2": "Key pairs carry `type` (ssh or x509; create takes it); create answers 201 and delete 204.",
    "2.3": "Admins see OS-EXT-SRV-ATTR:reservation_id, launch_index, hostname, kernel_id, ramdisk_id, "
           "root_device_name and user_data; attached volumes show `delete_on_termination`.",
    "2.4": "- `reserved` in os-fixed-ips (a nova-network API, not served).",
    "2.5": "- The ip6 server list filter for non-admins (not served).",
    "2.6": "POST /servers/{id}/remote-consoles (vnc/novnc and serial/serial, as the older actions offer).",
    "2.7": "- addTenantAccess to a public flavor is 409 (the lab answers so at every version).",
    "2.8": "remote-consoles takes protocol `mks` (its webmks type is Nova's 400 \"Unavailable console type\" here).",
    "2.9": "Servers carry `locked`.",
    "2.10": "Admins create, show, list and delete another user's key pairs with `user_id`.",
    "2.11": "Compute services carry `forced_down`.",
    "2.12": "- `net_id` in os-virtual-interfaces (a nova-network API, not served).",
    "2.13": "Server groups carry `user_id` and `project_id`.",
    "2.14": "- evacuate without onSharedStorage (evacuate is not served: one host).",
    "2.15": "Server groups take the soft-affinity and soft-anti-affinity policies (400 before).",
    "2.16": "Admins see `host_status` of servers (UP: the one host).",
    "2.17": "- trigger_crash_dump (not served: the guests are simulated or plain QEMU).",
    "2.18": "- The project id in URLs is optional (the lab's URLs never have it).",
    "2.19": "Servers carry `description` (create, update and rebuild take it).",
    "2.20": "Volumes attach to and detach from shelved-offloaded servers (the unshelve boots the guest with "
            "them); before, 409.",
    "2.21": "- os-instance-actions of deleted servers (a deleted server is gone here).",
    "2.22": "- Force-complete of live migrations (no migrations: one host).",
    "2.23": "os-migrations carry `migration_type` (GET /servers/{id}/migrations, of live migrations, is not "
            "served: none happen on one host).",
    "2.24": "- Abort of live migrations (no migrations).",
    "2.25": "- os-migrateLive's automatic block_migration (no migrations).",
    "2.26": "Servers carry `tags` (set at create from 2.52); the /servers/{id}/tags API and the `tags`, "
            "`tags-any`, `not-tags`, `not-tags-any` list filters.",
    "2.27": "The OpenStack-API-Version header (the legacy X-OpenStack-Nova-API-Version header is read too).",
    "2.28": "- cpu_info as an object in hypervisor details (the lab shows the string, as before 2.28: see the "
            "differences page).",
    "2.29": "- evacuate with `force` (not served).",
    "2.30": "- os-migrateLive with `force` (no migrations).",
    "2.31": "- os-console-auth-tokens for every console type (not served).",
    "2.32": "Server create takes a device `tag` on networks and block devices.",
    "2.33": "- Hypervisor list paging (one hypervisor).",
    "2.34": "- Asynchronous pre-live-migration checks (no migrations).",
    "2.35": "Key pair lists take `limit` and `marker` and sort by name.",
    "2.36": "The network quotas (fixed_ips, floating_ips, security_groups, security_group_rules, networks) leave "
            "os-quota-sets and /limits; the proxy APIs (os-volumes, os-snapshots, /images, os-security-groups, "
            "os-security-group-rules, os-floating-ips, os-floating-ip-pools, os-networks, os-tenant-networks) "
            "are 404.",
    "2.37": "Server create needs `networks`: a list, \"auto\" (the project's one network) or \"none\" (no port).",
    "2.38": "An unknown `status` filter of server lists is 400.",
    "2.39": "`maxImageMeta` leaves /limits; /images/{id}/metadata (the image proxy's last part) is 404.",
    "2.40": "- os-simple-tenant-usage paging (a lab's usage fits one page).",
    "2.41": "Aggregates carry `uuid`.",
    "2.42": "Device tags at create are accepted again after 2.33 and 2.37 dropped them.",
    "2.43": "os-hosts is 404 (GET /os-hosts and /os-hosts/{host} are served up to 2.42).",
    "2.44": "addFloatingIp, removeFloatingIp, addFixedIp and removeFixedIp are 404 (served before, over "
            "Neutron); os-virtual-interfaces is not served at any version (os-interface is).",
    "2.45": "createImage answers `{\"image_id\": ...}` and no Location header.",
    "2.46": "- X-OpenStack-Request-ID on every answer (the lab sends it at every version).",
    "2.47": "A server's flavor is embedded (original_name, vcpus, ram, disk, ephemeral, swap, extra_specs) "
            "instead of an id with links.",
    "2.48": "Server diagnostics in Nova's standard shape (state, driver, memory_details, cpu/nic/disk_details); "
            "before it, the libvirt driver's dict (cpu0_time, vda_read, memory...).",
    "2.49": "Tagged attach of volumes (the tag is kept and shown from 2.70); an interface's tag is accepted and "
            "not kept.",
    "2.50": "os-quota-class-sets leave out the network quotas (server_groups and server_group_members are shown "
            "at every version).",
    "2.51": "`volume-extended` external events.",
    "2.52": "Server create takes `tags`.",
    "2.53": "Compute services and hypervisors are named by UUID; PUT /os-services/{id} sets `status`, "
            "`disabled_reason` and `forced_down`.",
    "2.54": "Rebuild takes `key_name`.",
    "2.55": "Flavors carry `description` (create takes it, PUT /flavors/{id} changes it).",
    "2.56": "- migrate with a `host` (no migrations).",
    "2.57": "`personality` is refused by create and rebuild; rebuild takes `user_data`; the injected-file "
            "quotas and limits are gone.",
    "2.58": "Instance actions carry `updated_at` (their paging and changes-since filter are not served).",
    "2.59": "os-migrations carry `uuid` and page with `limit` and `marker` (`changes-since` is not served).",
    "2.60": "- Multiattach volumes (single attach only).",
    "2.61": "Flavors carry `extra_specs`.",
    "2.62": "Instance action events carry `hostId`, and `host` for admins.",
    "2.63": "Servers carry `trusted_image_certificates` (null: certificate validation is not served).",
    "2.64": "Server groups take and show `policy` and `rules` instead of `policies`, and no `metadata`.",
    "2.65": "- Abort of queued live migrations (no migrations).",
    "2.66": "Servers are listed by `changes-before` (with `changes-since`, a window of updates; instance "
            "actions' filter is not served).",
    "2.67": "block_device_mapping_v2 takes `volume_type` (the type of a volume made for the server).",
    "2.68": "- evacuate and live-migrate without `force` (neither served).",
    "2.69": "- Minimal answers for servers in down cells (one cell, never down).",
    "2.70": "Interfaces and volume attachments carry `tag`.",
    "2.71": "A server shown, updated or rebuilt carries `server_groups`.",
    "2.72": "- Neutron ports with resource requests at create (no QoS minimum bandwidth).",
    "2.73": "Servers carry `locked_reason`; lock takes `locked_reason` (the `locked` list filter is not served).",
    "2.74": "- `host` and `hypervisor_hostname` at create (one host: the lab refuses them).",
    "2.75": "Update and rebuild answer the whole server as show does; a flavor's swap is 0 rather than \"\".",
    "2.76": "The `power-update` external event (accepted; only Ironic's guests act on it).",
    "2.77": "- unshelve to an availability zone (one zone).",
    "2.78": "- GET /servers/{id}/topology (no NUMA).",
    "2.79": "Volume attachments carry `delete_on_termination`; attach takes it (the volume then goes with the "
            "server).",
    "2.80": "os-migrations carry `user_id` and `project_id`, and filter by them.",
    "2.81": "- Image caching on aggregates (POST /os-aggregates/{id}/images: not served, one host).",
    "2.82": "The `accelerator-request-bound` external event (accepted; no accelerators wait on it).",
    "2.83": "- More server list filters for non-admins (the lab's filters are the same at every version).",
    "2.84": "Instance action events carry `details` for admins (the fault of a failed action).",
    "2.85": "PUT of a volume attachment changes its delete_on_termination (device, tag, serverId and id must "
            "be unchanged); before, PUT is only the swap Cinder calls (409: no volume here migrates).",
    "2.86": "- Validation of flavor extra specs (the lab keeps any extra spec).",
    "2.87": "- Stable rescue of volume-backed servers (rescue boots the rescue image, as before 2.87).",
    "2.88": "Hypervisors lose cpu_info, current_workload and the disk, memory and vcpu counters and show "
            "`uptime`; /statistics and /{id}/uptime are 404.",
    "2.89": "Volume attachments carry `attachment_id` and `bdm_uuid`, and no `id`.",
    "2.90": "Create, update and rebuild take `hostname`; OS-EXT-SRV-ATTR:hostname is shown to everyone.",
    "2.91": "- unshelve to a host (one host).",
    "2.92": "Key pair create needs `public_key` (no generated keys); names may hold `@` and `.`.",
    "2.93": "Rebuild re-images a volume-backed server's root volume (before: its own image only, 400 else); the "
            "`volume-reimaged` external event.",
}
