"""Interfaces (os-interface: `openstack server add/remove port`, `server add/remove network`): ports plugged into
a running or stopped server and hot-plugged through the driver, as volumes are. The network service makes or
binds the port (in compute's write transaction, through its contract), the driver plugs it after the commit;
a driver that fails has the port given back."""

from __future__ import annotations

from lab.cloud.compute.common import ACTIVE, PAUSED, STOPPED, ComputePart, hostname_of
from lab.cloud.context import RequestContext
from lab.cloud.contracts import Interface, RequestedNetwork
from lab.cloud.drivers.base import DriverError, GuestNotFound
from lab.cloud.errors import BadRequest, Conflict, NotFound

# Nova's attach_interface / detach_interface states.
STATES = (ACTIVE, PAUSED, STOPPED)


class Interfaces(ComputePart):
    def list_interfaces(self, ctx: RequestContext, server_id: str) -> list[Interface]:
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-attach-interfaces:list", server.project_id)
            return self.network.server_interfaces(db, server_id)

    def get_interface(self, ctx: RequestContext, server_id: str, port_id: str) -> Interface:
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-attach-interfaces:show", server.project_id)
            return self._find(self.network.server_interfaces(db, server_id), server_id, port_id)

    @staticmethod
    def _find(interfaces: list[Interface], server_id: str, port_id: str) -> Interface:
        for interface in interfaces:
            if interface["port_id"] == port_id:
                return interface
        raise NotFound(f"Port {port_id} is not attached")

    def attach_interface(self, ctx: RequestContext, server_id: str, port_id: str | None, net_id: str | None,
                         fixed_ip: str | None) -> Interface:
        """A port (given, or made on `net_id` with the project's default security group) joins the server and
        is hot-plugged. Returns the new interface."""
        if not self.driver.supports("interface_attach"):
            with self.cloud.db.read() as db:
                self.get_server_row(db, ctx, server_id)
            raise Conflict(f"The {self.driver.name} compute driver cannot hot-plug interfaces (Nova's "
                           "InterfaceAttachFailed).")
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-attach-interfaces:create", server.project_id)
            self.check_lock(ctx, server)
            if server.vm_state not in STATES or server.task_state is not None:
                raise self.invalid_state("attach_interface", server)
            before = {i["port_id"] for i in self.network.server_interfaces(db, server_id)}
            item: RequestedNetwork = {"port": port_id} if port_id else {"uuid": net_id or ""}
            if fixed_ip:
                item["fixed_ip"] = fixed_ip
            owner = RequestContext(user_id=ctx.user_id, user_name=ctx.user_name, project_id=server.project_id,
                                   project_name=None, roles=ctx.roles, request_id=ctx.request_id)
            self.network.allocate_for_server(db, owner, server_id, [item], None if port_id else ["default"],
                                             hostname=hostname_of(server))
            db.flush()
            added = [i for i in self.network.server_interfaces(db, server_id) if i["port_id"] not in before]
            if not added:
                raise BadRequest("Failed to attach network adapter device")
            nic = next(n for n in self.network.server_nics(db, server_id) if n.port_id == added[0]["port_id"])
        try:
            self.driver.attach_interface(server_id, nic)
        except (DriverError, GuestNotFound) as exc:
            with self.cloud.db.write() as db:
                self.network.release_for_server(db, server_id, nic.port_id)
            raise Conflict(f"Failed to attach network adapter device to {server_id}: {exc}") from None
        return added[0]

    def detach_interface(self, ctx: RequestContext, server_id: str, port_id: str) -> None:
        """The port is unplugged, then deleted (made for the server) or unbound (the user's)."""
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-attach-interfaces:delete", server.project_id)
            self.check_lock(ctx, server)
            if server.vm_state not in STATES or server.task_state is not None:
                raise self.invalid_state("detach_interface", server)
            self._find(self.network.server_interfaces(db, server_id), server_id, port_id)
        try:
            self.driver.detach_interface(server_id, port_id)
        except GuestNotFound:
            pass
        except DriverError as exc:
            raise Conflict(str(exc)) from None
        with self.cloud.db.write() as db:
            self.network.release_for_server(db, server_id, port_id)
