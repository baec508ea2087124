"""The load-balancing resource types (OS::Octavia::LoadBalancer, Listener, Pool, PoolMember, HealthMonitor),
made through Octavia's own API as the stack's owner.

Octavia refuses a change to a load balancer that is still applying the last one (409 "... is immutable and
cannot be updated."), and a template makes a listener, a pool, its members and its monitor one after another
on the same load balancer. So, as Heat's octavia_base does, a child's create that meets that 409 is tried
again at each poll until it is taken (its physical id is set then), and a delete that meets it is tried again
until the object is gone.
"""

from __future__ import annotations

from typing import Any

from lab.cloud.orchestration.internal import ApiError, InternalAPI
from lab.cloud.orchestration.resources import Kind, Prop, Res, ResourceFailed, _subnet

LBAAS = "/load-balancer/v2/lbaas"
PENDING = "pending:"  # the physical id of a child whose create Octavia has not taken yet


def _clean(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


class OctaviaKind(Kind):
    """One Octavia collection: a create body, its provisioning_status to wait on, PUT for updates."""

    collection = ""
    key = ""
    needs = "loadbalancer"

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def url(self, res: Res, props: dict[str, Any] | None = None) -> str:
        return f"{LBAAS}/{self.collection}"

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        res.data["props"] = props
        made = self._try_create(api, res, props)
        return made or f"{PENDING}{res.physical_name}"

    def _try_create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str | None:
        try:
            made = api.post(self.url(res, props), {self.key: _clean(self.body(api, res, props))})
        except ApiError as exc:
            if exc.status == 409:
                return None  # the load balancer is busy: again at the next poll
            raise
        res.data["url"] = f"{self.url(res, props)}/{made[self.key]['id']}"
        return str(made[self.key]["id"])

    def ready(self, api: InternalAPI, res: Res) -> bool:
        if res.physical_id is None or res.physical_id.startswith(PENDING):
            made = self._try_create(api, res, res.data.get("props") or {})
            if made is None:
                return False
            res.physical_id = made
        status = self.show(api, res).get("provisioning_status")
        if status == "ERROR":
            raise ResourceFailed("ResourceInError", f"Went to status {status} due to \"Unknown\"")
        return bool(status == "ACTIVE")

    def update(self, api: InternalAPI, res: Res, old: dict[str, Any], new: dict[str, Any]) -> None:
        changed = {k: v for k, v in self.body(api, res, new).items() if k in self.updatable()
                   and v != self.body(api, res, old).get(k)}
        res.data["props"] = new
        if changed:
            api.put(res.data["url"], {self.key: changed})

    def updatable(self) -> set[str]:
        return {"name", "description", "admin_state_up"}

    def delete(self, api: InternalAPI, res: Res) -> None:
        if not res.data.get("url"):
            return
        try:
            api.delete(res.data["url"])
        except ApiError as exc:
            if exc.status != 409:
                raise

    def gone(self, api: InternalAPI, res: Res) -> bool:
        if not res.data.get("url"):
            return True
        try:
            found = self.show(api, res)
        except ApiError as exc:
            if exc.status == 404:
                return True
            raise
        if found.get("provisioning_status") != "PENDING_DELETE":
            self.delete(api, res)  # refused while the load balancer was busy: ask again
        return False

    def show(self, api: InternalAPI, res: Res) -> Any:
        return api.get(res.data["url"])[self.key]


class LoadBalancer(OctaviaKind):
    name, collection, key = "OS::Octavia::LoadBalancer", "loadbalancers", "loadbalancer"
    description = "A resource for creating octavia Load Balancers."
    props = {"vip_subnet": Prop("string", required=True), "vip_address": Prop("string"),
             "name": Prop("string", update=True), "description": Prop("string", update=True),
             "admin_state_up": Prop("boolean", default=True, update=True), "provider": Prop("string"),
             "flavor": Prop("string"), "availability_zone": Prop("string")}
    attributes = {"vip_address": "The VIP address of the LoadBalancer.",
                  "vip_port_id": "The VIP port of the LoadBalancer.",
                  "vip_subnet_id": "The VIP subnet of the LoadBalancer.",
                  "pools": "Pools this LoadBalancer is associated with.",
                  "listeners": "Listeners associated with this LoadBalancer.",
                  "provisioning_status": "The provisioning status of this LoadBalancer.",
                  "operating_status": "The operating status of this LoadBalancer.",
                  "show": "Detailed information about resource."}

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        return {"vip_subnet_id": _subnet(api, str(props["vip_subnet"])), "vip_address": props.get("vip_address"),
                "name": props.get("name") or res.physical_name, "description": props.get("description"),
                "admin_state_up": props.get("admin_state_up"), "provider": props.get("provider"),
                "flavor_id": props.get("flavor"), "availability_zone": props.get("availability_zone")}


class Listener(OctaviaKind):
    name, collection, key = "OS::Octavia::Listener", "listeners", "listener"
    description = "A resource for managing octavia Listeners."
    props = {"protocol_port": Prop("integer", required=True), "protocol": Prop("string", required=True),
             "loadbalancer": Prop("string"), "default_pool": Prop("string", update=True),
             "name": Prop("string", update=True), "description": Prop("string", update=True),
             "admin_state_up": Prop("boolean", default=True, update=True),
             "connection_limit": Prop("integer", update=True), "allowed_cidrs": Prop("list", update=True)}
    attributes = {"loadbalancers": "ID of the load balancer this listener is associated to.",
                  "default_pool_id": "ID of the default pool this listener is associated to.",
                  "show": "Detailed information about resource."}

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        if not props.get("loadbalancer") and not props.get("default_pool"):
            raise ResourceFailed("PropertyUnspecifiedError", "At least one of the following properties must be "
                                 "specified: loadbalancer, default_pool.")
        return {"protocol_port": props["protocol_port"], "protocol": props["protocol"],
                "loadbalancer_id": props.get("loadbalancer"), "default_pool_id": props.get("default_pool"),
                "name": props.get("name") or res.physical_name, "description": props.get("description"),
                "admin_state_up": props.get("admin_state_up"), "connection_limit": props.get("connection_limit"),
                "allowed_cidrs": props.get("allowed_cidrs")}

    def updatable(self) -> set[str]:
        return {"name", "description", "admin_state_up", "default_pool_id", "connection_limit", "allowed_cidrs"}


class Pool(OctaviaKind):
    name, collection, key = "OS::Octavia::Pool", "pools", "pool"
    description = "A resource for managing Octavia Pools."
    props = {"lb_algorithm": Prop("string", required=True, update=True), "protocol": Prop("string", required=True),
             "listener": Prop("string"), "loadbalancer": Prop("string"), "name": Prop("string", update=True),
             "description": Prop("string", update=True), "admin_state_up": Prop("boolean", default=True, update=True),
             "session_persistence": Prop("map", update=True)}
    attributes = {"healthmonitor_id": "ID of the health monitor associated with this pool.",
                  "listeners": "Listener associated with this pool.", "members": "Members associated with this pool.",
                  "show": "Detailed information about resource."}

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        if not props.get("listener") and not props.get("loadbalancer"):
            raise ResourceFailed("PropertyUnspecifiedError", "At least one of the following properties must be "
                                 "specified: listener, loadbalancer.")
        return {"lb_algorithm": props["lb_algorithm"], "protocol": props["protocol"],
                "listener_id": props.get("listener"), "loadbalancer_id": props.get("loadbalancer"),
                "name": props.get("name") or res.physical_name, "description": props.get("description"),
                "admin_state_up": props.get("admin_state_up"), "session_persistence": props.get("session_persistence")}

    def updatable(self) -> set[str]:
        return {"name", "description", "admin_state_up", "lb_algorithm", "session_persistence"}


class PoolMember(OctaviaKind):
    name, collection, key = "OS::Octavia::PoolMember", "members", "member"
    description = "A resource for managing Octavia Pool Members."
    props = {"pool": Prop("string", required=True), "address": Prop("string", required=True),
             "protocol_port": Prop("integer", required=True), "weight": Prop("integer", default=1, update=True),
             "admin_state_up": Prop("boolean", default=True, update=True), "subnet": Prop("string"),
             "monitor_address": Prop("string", update=True), "monitor_port": Prop("integer", update=True),
             "name": Prop("string", update=True)}
    attributes = {"address": "The IP address of the pool member.", "pool_id": "The ID of the pool.",
                  "show": "Detailed information about resource."}

    def url(self, res: Res, props: dict[str, Any] | None = None) -> str:
        return f"{LBAAS}/pools/{(props or res.data.get('props') or {})['pool']}/members"

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        return {"address": props["address"], "protocol_port": props["protocol_port"], "weight": props.get("weight"),
                "admin_state_up": props.get("admin_state_up"), "name": props.get("name"),
                "subnet_id": _subnet(api, str(props["subnet"])) if props.get("subnet") else None,
                "monitor_address": props.get("monitor_address"), "monitor_port": props.get("monitor_port")}

    def updatable(self) -> set[str]:
        return {"name", "admin_state_up", "weight", "monitor_address", "monitor_port"}


class HealthMonitor(OctaviaKind):
    name, collection, key = "OS::Octavia::HealthMonitor", "healthmonitors", "healthmonitor"
    description = "A resource to handle load balancer health monitors."
    props = {"pool": Prop("string", required=True), "type": Prop("string", required=True),
             "delay": Prop("integer", required=True, update=True),
             "max_retries": Prop("integer", required=True, update=True),
             "timeout": Prop("integer", required=True, update=True),
             "admin_state_up": Prop("boolean", default=True, update=True), "http_method": Prop("string", update=True),
             "expected_codes": Prop("string", update=True), "url_path": Prop("string", update=True),
             "max_retries_down": Prop("integer", update=True)}
    attributes = {"pools": "The list of Pools related to this monitor.", "show": "Detailed information about resource."}

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        return {"pool_id": props["pool"], "type": props["type"], "delay": props["delay"],
                "max_retries": props["max_retries"], "timeout": props["timeout"],
                "admin_state_up": props.get("admin_state_up"), "http_method": props.get("http_method"),
                "expected_codes": props.get("expected_codes"), "url_path": props.get("url_path"),
                "max_retries_down": props.get("max_retries_down"), "name": res.physical_name}

    def updatable(self) -> set[str]:
        return {"delay", "max_retries", "timeout", "admin_state_up", "http_method", "expected_codes", "url_path",
                "max_retries_down"}


OCTAVIA_TYPES: tuple[Kind, ...] = (LoadBalancer(), Listener(), Pool(), PoolMember(), HealthMonitor())
