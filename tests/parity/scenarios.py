"""The parity scenarios: what students and operators do, written as the real clients do it (openstacksdk calls
and a few `openstack` CLI commands for the requests the CLI builds itself). Each scenario cleans up what it
makes, and first (quietly, not recorded) what a failed earlier run left, so it runs again on the same cloud.

Names are fixed (`parity-...`): the replay starts a lab of its own, and the reference cloud is nobody's
classroom. Waits poll as the SDK does; the recorder folds repeated polls into their last answer."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import openstack
from openstack import exceptions

from tests.parity.harness import READER, Run

MISSING = "00000000-0000-4000-8000-000000000000"  # an id nothing has
IMAGE_DATA = bytes(range(256)) * 64  # 16 KiB


@contextlib.contextmanager
def expect_error(*codes: int) -> Iterator[None]:  # the codes document the intent
    """The SDK call inside is meant to fail with one of `codes`; the recording keeps the answer whatever it is
    (the comparison, not the scenario, judges it), so a call that succeeds or fails otherwise goes on quietly."""
    with contextlib.suppress(exceptions.HttpException):
        yield


def quietly(run: Run, action: Callable[[], Any]) -> None:
    with run.quiet(), contextlib.suppress(exceptions.SDKException):
        action()


def wait(conn: Any, resource: Any, status: str) -> Any:
    return conn.compute.wait_for_server(resource, status=status, interval=1, wait=180)


def settle(conn: Any, server: Any, status: str) -> Any:
    """Wait for `status` with no task running: a reboot keeps ACTIVE while its task_state is `rebooting`, and
    Nova refuses the next action until it ends (as `openstack server reboot --wait` then does)."""
    for _ in range(180):
        server = conn.compute.get_server(server.id)
        if server.status == status and not server.task_state:
            return server
        time.sleep(1)
    raise TimeoutError(f"server {server.id} did not settle in {status}")


# --------------------------------------------------------------------------------------------- identity
def token(run: Run) -> None:
    with run.step("token/issue"):
        run.cli("token", "issue", "-f", "json")
    with run.step("token/catalog"):
        run.cli("catalog", "list", "-f", "json")


def identity(run: Run) -> None:
    admin = run.sdk("admin")
    for name in ("parity-project",):
        quietly(run, lambda n=name: admin.identity.delete_project(admin.identity.find_project(n)))
    for name in ("parity-user", READER[0]):
        quietly(run, lambda n=name: admin.identity.delete_user(admin.identity.find_user(n)))
    quietly(run, lambda: admin.identity.delete_group(admin.identity.find_group("parity-group")))
    quietly(run, lambda: admin.identity.update_domain(admin.identity.find_domain("parity-domain"), enabled=False))
    quietly(run, lambda: admin.identity.delete_domain(admin.identity.find_domain("parity-domain")))
    demo = run.sdk("demo")
    quietly(run, lambda: demo.identity.delete_application_credential(
        demo.current_user_id, demo.identity.find_application_credential(demo.current_user_id, "parity-app")))
    with run.step("identity/projects"):
        project = admin.identity.create_project(name="parity-project", description="parity", domain_id="default")
        admin.identity.get_project(project.id)
        list(admin.identity.projects())
        admin.identity.update_project(project, description="parity, updated")
        with expect_error(409):
            admin.identity.create_project(name="parity-project", domain_id="default")
    with run.step("identity/users"):
        user = admin.identity.create_user(name="parity-user", password="parity-pw-1", default_project_id=project.id,
                                          domain_id="default")
        admin.identity.get_user(user.id)
        list(admin.identity.users(name="parity-user"))
    with run.step("identity/roles"):
        member = admin.identity.find_role("member")
        list(admin.identity.roles())
        admin.identity.assign_project_role_to_user(project, user, member)
        list(admin.identity.role_assignments(user_id=user.id))
        admin.identity.unassign_project_role_from_user(project, user, member)
    with run.step("identity/groups"):
        group = admin.identity.create_group(name="parity-group", description="parity", domain_id="default")
        admin.identity.get_group(group.id)
        list(admin.identity.groups(name="parity-group"))
        admin.identity.add_user_to_group(user, group)
        admin.identity.check_user_in_group(user, group)
        list(admin.identity.group_users(group))
        list(admin.identity.user_groups(user))
        admin.identity.assign_project_role_to_group(project, group, member)
        list(admin.identity.role_assignments(group_id=group.id))
        admin.identity.unassign_project_role_from_group(project, group, member)
        admin.identity.remove_user_from_group(user, group)
        admin.identity.delete_group(group)
    with run.step("identity/domains"):
        domain = admin.identity.create_domain(name="parity-domain", description="parity")
        admin.identity.get_domain(domain.id)
        list(admin.identity.domains())
        admin.identity.assign_domain_role_to_user(domain, user, member)
        list(admin.identity.role_assignments(scope_domain_id=domain.id))
        admin.identity.unassign_domain_role_from_user(domain, user, member)
        with expect_error(403):
            admin.identity.delete_domain(domain)
        admin.identity.update_domain(domain, enabled=False)
        admin.identity.delete_domain(domain)
    with run.step("identity/app-credentials"):
        me = demo.current_user_id
        credential = demo.identity.create_application_credential(me, "parity-app", description="parity")
        demo.identity.get_application_credential(me, credential.id)
        list(demo.identity.application_credentials(me))
        auth = run.auth("demo")
        app = openstack.connect(auth_type="v3applicationcredential", auth_url=auth["auth_url"],
                                application_credential_id=credential.id,
                                application_credential_secret=credential.secret, region_name="RegionOne",
                                interface="public", identity_api_version="3")
        try:
            app.authorize()
        finally:
            app.close()
        demo.identity.delete_application_credential(me, credential.id)
    with run.step("identity/reader"):
        reader = admin.identity.create_user(name=READER[0], password=READER[1], domain_id="default")
        demo = admin.identity.find_project("demo")
        admin.identity.assign_project_role_to_user(demo, reader, admin.identity.find_role("reader"))
    with run.step("identity/cli"):
        run.cli("project", "show", "parity-project", "-f", "json", who="admin")
        run.cli("role", "assignment", "list", "--project", "demo", "--names", "-f", "json", who="admin")
        run.cli("application", "credential", "list", "-f", "json")
    with run.step("identity/delete"):
        admin.identity.delete_user(user)
        admin.identity.delete_project(project)
        with expect_error(404):
            admin.identity.get_project(project.id)


# --------------------------------------------------------------------------------------------- compute
def flavors(run: Run) -> None:
    demo = run.sdk("demo")
    with run.step("flavors/list"):
        list(demo.compute.flavors())
    with run.step("flavors/find"):
        demo.compute.find_flavor("m1.tiny")
    with run.step("flavors/missing"), expect_error(404):
        demo.compute.get_flavor("no-such-flavor")


def keypairs(run: Run) -> None:
    demo = run.sdk("demo")
    quietly(run, lambda: demo.compute.delete_keypair("parity-key"))
    public_key = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxrmcOqvOHmSJbLgKHpmCBBDeYLAQgr1ehnZvSy8QVv parity")
    with run.step("keypairs/create"):
        demo.compute.create_keypair(name="parity-key", public_key=public_key)
    with run.step("keypairs/show"):
        demo.compute.get_keypair("parity-key")
        list(demo.compute.keypairs())
    with run.step("keypairs/duplicate"), expect_error(409):
        demo.compute.create_keypair(name="parity-key", public_key=public_key)
    with run.step("keypairs/delete"):
        demo.compute.delete_keypair("parity-key")
        with expect_error(404):
            demo.compute.get_keypair("parity-key")


def images(run: Run) -> None:
    demo = run.sdk("demo")
    quietly(run, lambda: demo.image.delete_image(demo.image.find_image("parity-image", ignore_missing=False)))
    with run.step("images/create-upload"):
        image = demo.image.create_image(name="parity-image", disk_format="raw", container_format="bare",
                                        visibility="private", data=IMAGE_DATA)
    with run.step("images/show"):
        demo.image.get_image(image.id)
    with run.step("images/download"):
        demo.image.download_image(image.id)
    with run.step("images/list"):
        list(demo.image.images(name="parity-image"))
        demo.image.update_image(image.id, min_disk=1)
    with run.step("images/share"):
        admin = run.sdk("admin")
        demo.image.update_image(image.id, visibility="shared")
        member = demo.image.add_member(image.id, member_id=admin.current_project_id)
        list(demo.image.members(image.id))
        admin.image.update_member(member, image.id, status="accepted")
        admin.image.get_image(image.id)
        list(admin.image.images(visibility="shared", member_status="accepted"))
        demo.image.remove_member(member, image.id)
        with expect_error(404):
            admin.image.get_image(image.id)
    with run.step("images/cli"):
        run.cli("image", "show", "cirros", "-f", "json")
    with run.step("images/delete"):
        demo.image.delete_image(image.id)
        with expect_error(404):
            demo.image.get_image(image.id)


def servers(run: Run) -> None:
    demo = run.sdk("demo")
    for name in ("parity-vm1", "parity-vm2", "parity-vm3"):
        quietly(run, lambda n=name: [demo.compute.delete_server(s, force=False) for s in demo.compute.servers(
            name=n)])
        quietly(run, lambda n=name: [demo.compute.wait_for_delete(s, wait=120) for s in demo.compute.servers(
            name=n)])
    image = demo.image.find_image("cirros")
    flavor = demo.compute.find_flavor("m1.tiny")
    private = demo.network.find_network("private")
    quietly(run, lambda: demo.network.delete_port(demo.network.find_port("parity-vm-port", ignore_missing=False)))
    quietly(run, lambda: demo.image.delete_image(demo.image.find_image("parity-vm-snapshot", ignore_missing=False)))
    with run.step("servers/create-cli-no-network"):
        run.cli("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--wait", "-f", "json",
                "parity-vm1")
    with run.step("servers/create-with-network"):
        server = demo.compute.create_server(name="parity-vm2", flavor_id=flavor.id, image_id=image.id,
                                            networks=[{"uuid": private.id}])
        server = wait(demo, server, "ACTIVE")
    with run.step("servers/create-with-port"):
        port = demo.network.create_port(name="parity-vm-port", network_id=private.id)
        with_port = demo.compute.create_server(name="parity-vm3", flavor_id=flavor.id, image_id=image.id,
                                               networks=[{"port": port.id}])
        wait(demo, with_port, "ACTIVE")
        demo.network.get_port(port.id)
    with run.step("servers/show"):
        demo.compute.get_server(server.id)
        list(demo.compute.servers())
        list(demo.compute.server_interfaces(server))
    with run.step("servers/stop"):
        demo.compute.stop_server(server)
        wait(demo, server, "SHUTOFF")
    with run.step("servers/start"):
        demo.compute.start_server(server)
        wait(demo, server, "ACTIVE")
    with run.step("servers/actions"):
        demo.compute.reboot_server(server, "SOFT")
        settle(demo, server, "ACTIVE")
        demo.compute.pause_server(server)
        settle(demo, server, "PAUSED")
        demo.compute.unpause_server(server)
        settle(demo, server, "ACTIVE")
        demo.compute.suspend_server(server)
        settle(demo, server, "SUSPENDED")
        demo.compute.resume_server(server)
        settle(demo, server, "ACTIVE")
        demo.compute.lock_server(server)
        demo.compute.unlock_server(server)
        demo.compute.set_server_metadata(server, purpose="parity")
        list(demo.compute.server_actions(server))
    with run.step("servers/resize"):
        demo.compute.resize_server(server, demo.compute.find_flavor("m1.small"))
        settle(demo, server, "VERIFY_RESIZE")
        demo.compute.confirm_server_resize(server)
        settle(demo, server, "ACTIVE")
    with run.step("servers/snapshot"):
        run.cli("server", "image", "create", "--name", "parity-vm-snapshot", "--wait", "-f", "json", "parity-vm2")
        snapshot = demo.image.find_image("parity-vm-snapshot", ignore_missing=False)
        demo.image.delete_image(snapshot)
    with run.step("servers/console-log"):
        demo.compute.get_server_console_output(server)
        run.cli("console", "log", "show", "--lines", "2", "parity-vm2")
    with run.step("servers/wrong-state"):
        with expect_error(409):
            demo.compute.start_server(server)
        with expect_error(409):
            demo.compute.unpause_server(server)
        with expect_error(400, 409):
            demo.compute.confirm_server_resize(server)
    with run.step("servers/delete"):
        for each in list(demo.compute.servers(name="parity-vm")):
            demo.compute.delete_server(each)
            demo.compute.wait_for_delete(each, interval=1, wait=120)
        demo.network.delete_port(port)
        with expect_error(404):
            demo.compute.get_server(server.id)


# --------------------------------------------------------------------------------------------- network
def networks(run: Run) -> None:
    demo = run.sdk("demo")
    with run.quiet():
        for fip in demo.network.ips(description="parity"):
            demo.network.delete_ip(fip)
        router = demo.network.find_router("parity-router")
        if router:
            for port in demo.network.ports(device_id=router.id, device_owner="network:router_interface"):
                demo.network.remove_interface_from_router(router, port_id=port.id)
            demo.network.delete_router(router)
        for name in ("parity-port",):
            quietly(run, lambda n=name: demo.network.delete_port(demo.network.find_port(n, ignore_missing=False)))
        quietly(run, lambda: demo.network.delete_network(demo.network.find_network("parity-net",
                                                                                   ignore_missing=False)))
        quietly(run, lambda: demo.network.delete_security_group(demo.network.find_security_group(
            "parity-sg", ignore_missing=False)))
    public = demo.network.find_network("public")
    with run.step("networks/network"):
        net = demo.network.create_network(name="parity-net")
        demo.network.get_network(net.id)
        list(demo.network.networks())
    with run.step("networks/subnet"):
        subnet = demo.network.create_subnet(name="parity-subnet", network_id=net.id, ip_version=4,
                                            cidr="192.168.77.0/24")
        demo.network.get_subnet(subnet.id)
    with run.step("networks/port"):
        port = demo.network.create_port(name="parity-port", network_id=net.id)
        demo.network.get_port(port.id)
        list(demo.network.ports(network_id=net.id))
    with run.step("networks/router"):
        router = demo.network.create_router(name="parity-router", external_gateway_info={"network_id": public.id})
        demo.network.add_interface_to_router(router, subnet_id=subnet.id)
        demo.network.get_router(router.id)
    with run.step("networks/floating-ip"):
        fip = demo.network.create_ip(floating_network_id=public.id, description="parity")
        demo.network.update_ip(fip, port_id=port.id)
        demo.network.get_ip(fip.id)
        demo.network.update_ip(fip, port_id=None)
        demo.network.delete_ip(fip)
    with run.step("networks/security-group"):
        group = demo.network.create_security_group(name="parity-sg", description="parity")
        rule = demo.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                                       protocol="tcp", port_range_min=22, port_range_max=22,
                                                       remote_ip_prefix="0.0.0.0/0", ethertype="IPv4")
        demo.network.get_security_group(group.id)
        list(demo.network.security_group_rules(security_group_id=group.id))
        demo.network.delete_security_group_rule(rule)
        demo.network.delete_security_group(group)
    with run.step("networks/in-use"), expect_error(409):
        demo.network.delete_network(net)
    with run.step("networks/cli"):
        run.cli("network", "show", "parity-net", "-f", "json")
    with run.step("networks/delete"):
        demo.network.remove_interface_from_router(router, subnet_id=subnet.id)
        demo.network.delete_router(router)
        demo.network.delete_port(port)
        demo.network.delete_network(net)


def quotas(run: Run) -> None:
    admin = run.sdk("admin")
    demo_project = admin.identity.find_project("demo")
    with run.step("quotas/compute"):
        admin.compute.get_quota_set(demo_project.id)
    with run.step("quotas/network"):
        admin.network.get_quota(demo_project.id, details=True)
    with run.step("quotas/volume"):
        admin.block_storage.get_quota_set(demo_project.id, usage=True)
    with run.step("quotas/cli"):
        run.cli("quota", "show", "demo", "-f", "json", who="admin")


# --------------------------------------------------------------------------------------------- volumes
def volumes(run: Run) -> None:
    demo = run.sdk("demo")
    admin = run.sdk("admin")
    with run.quiet():
        for server in demo.compute.servers(name="parity-vol-vm"):
            demo.compute.delete_server(server)
            demo.compute.wait_for_delete(server, wait=120)
        for snap in demo.block_storage.snapshots(name="parity-snap"):
            demo.block_storage.delete_snapshot(snap)
            demo.block_storage.wait_for_delete(snap, wait=120)
        for transfer in demo.block_storage.transfers():
            if transfer.name == "parity-transfer":
                demo.block_storage.delete_transfer(transfer)
        for backup in demo.block_storage.backups(name="parity-backup"):
            demo.block_storage.delete_backup(backup)
            demo.block_storage.wait_for_delete(backup, wait=120)
        for name in ("parity-vol", "parity-vol-image", "parity-vol-snap", "parity-vol-restored"):
            for volume in demo.block_storage.volumes(name=name):
                demo.block_storage.delete_volume(volume)
                demo.block_storage.wait_for_delete(volume, wait=120)
        for volume in admin.block_storage.volumes(all_projects=True, name="parity-vol-restored"):
            admin.block_storage.delete_volume(volume)
        quietly(run, lambda: admin.block_storage.delete_type(admin.block_storage.find_type("parity-type")))
    image = demo.image.find_image("cirros")
    flavor = demo.compute.find_flavor("m1.tiny")
    private = demo.network.find_network("private")
    with run.step("volumes/types"):
        list(demo.block_storage.types())
        vtype = admin.block_storage.create_type(name="parity-type", description="parity")
        admin.block_storage.get_type(vtype.id)
        admin.block_storage.delete_type(vtype)
    with run.step("volumes/create"):
        volume = demo.block_storage.create_volume(name="parity-vol", size=1)
        demo.block_storage.wait_for_status(volume, "available", interval=1, wait=120)
        demo.block_storage.get_volume(volume.id)
        list(demo.block_storage.volumes())
    with run.step("volumes/attach"):
        server = demo.compute.create_server(name="parity-vol-vm", flavor_id=flavor.id, image_id=image.id,
                                            networks=[{"uuid": private.id}])
        server = wait(demo, server, "ACTIVE")
        demo.compute.create_volume_attachment(server, volume_id=volume.id)
        demo.block_storage.wait_for_status(volume, "in-use", interval=1, wait=120)
        list(demo.compute.volume_attachments(server))
        demo.block_storage.get_volume(volume.id)
    with run.step("volumes/delete-in-use"), expect_error(400):
        demo.block_storage.delete_volume(volume)
    with run.step("volumes/snapshot"):
        snap = demo.block_storage.create_snapshot(volume_id=volume.id, name="parity-snap", force=True)
        demo.block_storage.wait_for_status(snap, "available", interval=1, wait=120)
        demo.block_storage.get_snapshot(snap.id)
    with run.step("volumes/from-snapshot"):
        from_snap = demo.block_storage.create_volume(name="parity-vol-snap", snapshot_id=snap.id, size=1)
        demo.block_storage.wait_for_status(from_snap, "available", interval=1, wait=120)
        demo.block_storage.get_volume(from_snap.id)
        demo.block_storage.delete_volume(from_snap)
        demo.block_storage.wait_for_delete(from_snap, interval=1, wait=120)
        demo.block_storage.delete_snapshot(snap)
        demo.block_storage.wait_for_delete(snap, interval=1, wait=120)
    with run.step("volumes/detach"):
        demo.compute.delete_volume_attachment(server, volume.id)
        demo.block_storage.wait_for_status(volume, "available", interval=1, wait=120)
    with run.step("volumes/backup"):
        backup = demo.block_storage.create_backup(volume_id=volume.id, name="parity-backup")
        demo.block_storage.wait_for_status(backup, "available", interval=1, wait=300)
        demo.block_storage.get_backup(backup.id)
        list(demo.block_storage.backups())
    with run.step("volumes/restore"):
        demo.block_storage.restore_backup(backup, name="parity-vol-restored")
        demo.block_storage.wait_for_status(backup, "available", interval=1, wait=300)
        restored = next(demo.block_storage.volumes(name="parity-vol-restored"))
        demo.block_storage.wait_for_status(restored, "available", interval=1, wait=300)
        demo.block_storage.delete_backup(backup)
        demo.block_storage.wait_for_delete(backup, interval=1, wait=120)
    with run.step("volumes/transfer"):
        transfer = demo.block_storage.create_transfer(volume_id=restored.id, name="parity-transfer")
        demo.block_storage.get_transfer(transfer.id)
        list(demo.block_storage.transfers())
        admin.block_storage.accept_transfer(transfer.id, transfer.auth_key)
        admin.block_storage.get_volume(restored.id)
        with expect_error(404):
            demo.block_storage.get_volume(restored.id)
        admin.block_storage.delete_volume(restored)
        admin.block_storage.wait_for_delete(restored, interval=1, wait=120)
    with run.step("volumes/extend"):
        demo.block_storage.extend_volume(volume, 2)
        demo.block_storage.wait_for_status(volume, "available", interval=1, wait=120)
        demo.block_storage.get_volume(volume.id)
    with run.step("volumes/from-image"):
        from_image = demo.block_storage.create_volume(name="parity-vol-image", size=1, image_id=image.id)
        demo.block_storage.wait_for_status(from_image, "available", interval=1, wait=300)
        demo.block_storage.get_volume(from_image.id)
        demo.block_storage.delete_volume(from_image)
        demo.block_storage.wait_for_delete(from_image, interval=1, wait=120)
    with run.step("volumes/cli"):
        run.cli("volume", "show", "parity-vol", "-f", "json")
    with run.step("volumes/delete"):
        demo.compute.delete_server(server)
        demo.compute.wait_for_delete(server, interval=1, wait=120)
        demo.block_storage.delete_volume(volume)
        demo.block_storage.wait_for_delete(volume, interval=1, wait=120)


# --------------------------------------------------------------------------------------------- errors
def errors(run: Run) -> None:
    demo = run.sdk("demo")
    admin = run.sdk("admin")
    quietly(run, lambda: admin.network.delete_network(admin.network.find_network("parity-admin-net",
                                                                                 ignore_missing=False)))
    quietly(run, lambda: admin.network.delete_network(admin.network.find_network("parity-reader-net",
                                                                                 ignore_missing=False)))
    quietly(run, lambda: admin.image.delete_image(admin.image.find_image("parity-admin-image", ignore_missing=False)))
    quietly(run, lambda: admin.compute.revert_quota_set(admin.identity.find_project("demo")))
    with run.step("errors/unknown-ids"):
        for call in (demo.compute.get_server, demo.network.get_network, demo.network.get_port,
                     demo.block_storage.get_volume, demo.image.get_image, demo.network.get_router):
            with expect_error(404):
                call(MISSING)
        with expect_error(404):
            admin.identity.get_project(MISSING.replace("-", ""))
    with run.step("errors/unknown-cli"):
        run.cli("server", "show", "parity-nothing", check=False)
        run.cli("volume", "show", "parity-nothing", check=False)
    with run.step("errors/bad-bodies"):
        net = demo.network.find_network("private")
        with expect_error(400):
            demo.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.300.0.0/24")
        with expect_error(400):
            demo.compute.create_server(name="parity-bad", flavor_id="no-such-flavor",
                                       image_id=demo.image.find_image("cirros").id, networks="none")
        with expect_error(400):
            demo.block_storage.create_volume(name="parity-bad", size=-1)
        with expect_error(400):
            demo.network.create_security_group_rule(security_group_id=MISSING, direction="sideways")
    with run.step("errors/other-project"):
        theirs = admin.network.create_network(name="parity-admin-net")
        with expect_error(404):
            demo.network.get_network(theirs.id)
        with expect_error(404):
            demo.network.delete_network(theirs.id)
        admin.network.delete_network(theirs)
        their_image = admin.image.create_image(name="parity-admin-image", disk_format="raw", container_format="bare",
                                               visibility="private")
        with expect_error(404):
            demo.image.get_image(their_image.id)
        with expect_error(404):
            demo.image.delete_image(their_image.id)
        admin.image.delete_image(their_image)
    with run.step("errors/conflicts"):
        private = demo.network.find_network("private")
        subnet = next(demo.network.subnets(network_id=private.id))
        taken = next(demo.network.ports(network_id=private.id, device_owner="network:router_interface"))
        with expect_error(409):
            demo.network.create_port(network_id=private.id, fixed_ips=[
                {"subnet_id": subnet.id, "ip_address": taken.fixed_ips[0]["ip_address"]}])
    with run.step("errors/reader-writes"):
        reader = run.sdk("reader")
        try:
            made = reader.network.create_network(name="parity-reader-net")
        except exceptions.HttpException:
            made = None
        if made is not None:
            quietly(run, lambda: admin.network.delete_network(made))
        with expect_error():
            reader.compute.create_keypair(name="parity-reader-key", public_key=(
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxrmcOqvOHmSJbLgKHpmCBBDeYLAQgr1ehnZvSy8QVv reader"))
        quietly(run, lambda: reader.compute.delete_keypair("parity-reader-key"))
        with expect_error():
            reader.block_storage.create_volume(name="parity-reader-vol", size=1)
        with run.quiet():
            for volume in admin.block_storage.volumes(all_projects=True, name="parity-reader-vol"):
                admin.block_storage.wait_for_status(volume, "available", wait=60)
                admin.block_storage.delete_volume(volume)
    with run.step("errors/quota"), expect_error(403, 413):
        demo.block_storage.create_volume(name="parity-huge", size=100000)
    with run.step("errors/quota-compute"):
        run.cli("quota", "set", "--instances", "0", "demo", who="admin")
        with expect_error(403):
            demo.compute.create_server(name="parity-over-quota", flavor_id=demo.compute.find_flavor("m1.tiny").id,
                                       image_id=demo.image.find_image("cirros").id, networks="none")
        admin.compute.revert_quota_set(admin.identity.find_project("demo"))


SCENARIOS: dict[str, Callable[[Run], None]] = {
    "token": token, "identity": identity, "flavors": flavors, "keypairs": keypairs, "images": images,
    "servers": servers, "networks": networks, "quotas": quotas, "volumes": volumes, "errors": errors}
