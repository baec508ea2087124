"""The resource types a stack can hold: each says its properties (which may change in place, which force a
replacement, as Heat documents them), its attributes, and how it is made, checked, changed and removed
through the other services' APIs (`InternalAPI`, as the stack's owner).

`create` returns the physical id (and may leave what it needs later in `res.data`); `ready` answers whether
an asynchronous create or update finished (raising `ResourceFailed` when it went to an error state); `gone`
whether a delete finished. OS::Heat::ResourceGroup is a nested stack, run by the engine itself (engine.py).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lab.cloud.orchestration.internal import ApiError, InternalAPI
from lab.cloud.orchestration.template import FUNCTIONS, ValidationFailed

UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
NET = "/network/v2.0"
NOVA = "/compute/v2.1"


class ResourceFailed(Exception):
    """A resource went to an error state (Heat's ResourceInError and kin): `kind` names it in the reason."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Prop:
    type: str  # string, integer, number, boolean, list, map, any
    required: bool = False
    default: Any = None
    update: bool = False  # changed in place; otherwise a change replaces the resource
    description: str = ""


@dataclass
class Res:
    """What a type method is given about one resource."""

    name: str
    physical_id: str | None
    data: dict[str, Any]
    physical_name: str  # Heat's <stack>-<resource>-<random> name for things with a name
    project_id: str
    now: datetime | None = None  # the lab's clock, for the types that wait (TestResource, WaitCondition)
    stack_path: str = ""  # <stack name>/<stack id>, Heat's deploy_stack_id


class Kind:
    name = ""
    description = ""
    needs = ""  # the service (plugin name) the type is served with, e.g. "object"; "" for always
    props: dict[str, Prop] = {}
    attributes: dict[str, str] = {}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        raise NotImplementedError

    def ready(self, api: InternalAPI, res: Res) -> bool:
        return True

    def update(self, api: InternalAPI, res: Res, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Apply the changed update-allowed properties in place."""

    def delete(self, api: InternalAPI, res: Res) -> None:
        raise NotImplementedError

    def gone(self, api: InternalAPI, res: Res) -> bool:
        return True

    def prepare_for_replace(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> None:
        """Before a replacement is made: free what the old one holds that the new one needs (`props` are the
        old one's properties)."""

    def show(self, api: InternalAPI, res: Res) -> Any:
        return {}

    # -- stack actions (suspend, resume, check): most types have nothing to suspend and are checked by a show
    def suspend(self, api: InternalAPI, res: Res) -> None:
        """Start suspending what the resource made."""

    def resume(self, api: InternalAPI, res: Res) -> None:
        """Start resuming what the resource made."""

    def action_done(self, api: InternalAPI, res: Res, action: str) -> bool:
        """Whether a SUSPEND or RESUME started on it finished."""
        return True

    def check(self, api: InternalAPI, res: Res) -> None:
        """Heat's CHECK: the physical resource is still there as made (an ApiError or ResourceFailed if not)."""
        if res.physical_id is not None:
            self.show(api, res)

    def attribute(self, api: InternalAPI, res: Res, name: str) -> Any:
        body = self.show(api, res)
        if name == "show":
            return body
        return body.get(name) if isinstance(body, dict) else None

    def reference(self, res: Res) -> Any:
        return res.physical_id

    def validate(self, resource: str, props: dict[str, Any]) -> dict[str, Any]:
        """The properties with defaults filled in; Heat's property errors for what is wrong."""
        unknown = sorted(set(props) - set(self.props))
        if unknown:
            raise ValidationFailed(f'Property error: resources.{resource}.properties: Unknown Property {unknown[0]}')
        out: dict[str, Any] = {}
        for key, prop in self.props.items():
            value = props.get(key, prop.default)
            if value is None:
                if prop.required:
                    raise ValidationFailed(f"Property error: resources.{resource}.properties: "
                                           f"Property {key} not assigned")
                continue
            out[key] = _typed(resource, key, prop.type, value)
        return out


def _typed(resource: str, key: str, kind: str, value: Any) -> Any:
    where = f"Property error: resources.{resource}.properties.{key}"
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in FUNCTIONS:
        return value  # not evaluated yet (template validate)
    if kind == "string":
        if isinstance(value, (dict, list)):
            raise ValidationFailed(f"{where}: Value must be a string")
        return str(value) if not isinstance(value, bool) else str(value).lower()
    if kind in ("integer", "number"):
        try:
            return int(value) if kind == "integer" else float(value)
        except (TypeError, ValueError):
            raise ValidationFailed(f"{where}: Value '{value}' is not an integer") from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise ValidationFailed(f'{where}: Unrecognized value "{value}", acceptable values are: true, false')
    if kind == "list":
        if not isinstance(value, list):
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            raise ValidationFailed(f'{where}: "{value}" is not a list')
        return value
    if kind == "map":
        if not isinstance(value, dict):
            raise ValidationFailed(f'{where}: Value must be a map')
        return value
    return value


def _find(api: InternalAPI, collection: str, value: str, kind: str) -> str:
    """The id of a network-service resource given by name or id (Heat accepts both)."""
    if UUID.match(value):
        try:
            return str(api.get(f"{NET}/{collection}/{value}")[kind]["id"])
        except ApiError:
            pass
    found = api.get(f"{NET}/{collection}", name=value)[collection]
    if len(found) == 1:
        return str(found[0]["id"])
    if len(found) > 1:
        raise ResourceFailed("PhysicalResourceNameAmbiguity",
                             f"Multiple physical resources were found with name ({value}).")
    raise ResourceFailed("EntityNotFound", f"Unable to find {kind} with name or id '{value}'")


def _network(api: InternalAPI, value: str) -> str:
    return _find(api, "networks", value, "network")


def _subnet(api: InternalAPI, value: str) -> str:
    return _find(api, "subnets", value, "subnet")


def _security_group(api: InternalAPI, value: str) -> str:
    return _find(api, "security-groups", value, "security_group")


def _image(api: InternalAPI, value: str) -> str:
    if UUID.match(value):
        try:
            return str(api.get(f"/image/v2/images/{value}")["id"])
        except ApiError:
            pass
    found = api.get("/image/v2/images", name=value)["images"]
    if len(found) == 1:
        return str(found[0]["id"])
    raise ResourceFailed("EntityNotFound", f"Image {value} could not be found." if not found
                         else f"Multiple images were found with name ({value}).")


def _flavor(api: InternalAPI, value: str) -> str:
    try:
        return str(api.get(f"{NOVA}/flavors/{value}")["flavor"]["id"])
    except ApiError:
        for flavor in api.get(f"{NOVA}/flavors", is_public="None")["flavors"]:
            if flavor["name"] == value:
                return str(flavor["id"])
    raise ResourceFailed("EntityNotFound", f"Flavor {value} could not be found.")


def _clean(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


# ---------------------------------------------------------------------------------------------------- Heat
class RandomString(Kind):
    name = "OS::Heat::RandomString"
    description = "A resource which generates a random string."
    props = {"length": Prop("integer", default=32), "sequence": Prop("string", default="lettersdigits"),
             "salt": Prop("string")}
    attributes = {"value": "The random string generated by this resource."}
    SEQUENCES = {"lettersdigits": string.ascii_letters + string.digits, "letters": string.ascii_letters,
                 "lowercase": string.ascii_lowercase, "uppercase": string.ascii_uppercase,
                 "digits": string.digits, "hexdigits": string.digits + "abcdef", "octdigits": string.octdigits}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        alphabet = self.SEQUENCES.get(props["sequence"])
        if alphabet is None:
            raise ResourceFailed("StackValidationFailed", f'"{props["sequence"]}" is not an allowed value')
        res.data["value"] = "".join(secrets.choice(alphabet) for _ in range(max(1, props["length"])))
        return res.physical_name

    def delete(self, api: InternalAPI, res: Res) -> None:
        pass

    def attribute(self, api: InternalAPI, res: Res, name: str) -> Any:
        return res.data.get("value") if name in ("value", "show") else None

    def reference(self, res: Res) -> Any:
        return res.data.get("value")


class Value(Kind):
    name = "OS::Heat::Value"
    description = "A resource which exposes its value property as an attribute."
    props = {"value": Prop("any", required=True, update=True), "type": Prop("string", update=True)}
    attributes = {"value": "The value of the value property."}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        res.data["value"] = props["value"]
        return res.physical_name

    def update(self, api: InternalAPI, res: Res, old: dict[str, Any], new: dict[str, Any]) -> None:
        res.data["value"] = new["value"]

    def delete(self, api: InternalAPI, res: Res) -> None:
        pass

    def attribute(self, api: InternalAPI, res: Res, name: str) -> Any:
        return res.data.get("value") if name in ("value", "show") else None


# ---------------------------------------------------------------------------------------------------- Nova
class KeyPair(Kind):
    name = "OS::Nova::KeyPair"
    description = "A resource for creating Nova key pairs."
    props = {"name": Prop("string", required=True), "public_key": Prop("string"),
             "save_private_key": Prop("boolean", default=False), "type": Prop("string")}
    attributes = {"public_key": "The public key.", "private_key": "The private key if it has been saved.",
                  "show": "Detailed information about resource."}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        body = api.post(f"{NOVA}/os-keypairs", {"keypair": _clean(
            {"name": props["name"], "public_key": props.get("public_key"), "type": props.get("type")})})
        pair = body["keypair"]
        res.data["public_key"] = pair.get("public_key")
        if props.get("save_private_key") and pair.get("private_key"):
            res.data["private_key"] = pair["private_key"]
        return str(pair["name"])

    def delete(self, api: InternalAPI, res: Res) -> None:
        api.delete(f"{NOVA}/os-keypairs/{res.physical_id}")

    def attribute(self, api: InternalAPI, res: Res, name: str) -> Any:
        if name == "private_key":
            return res.data.get("private_key", "")
        if name == "public_key":
            return res.data.get("public_key")
        return api.get(f"{NOVA}/os-keypairs/{res.physical_id}")["keypair"] if name == "show" else None


class ServerGroup(Kind):
    name = "OS::Nova::ServerGroup"
    description = "A resource for managing a Nova server group."
    props = {"name": Prop("string"), "policies": Prop("list", default=["anti-affinity"])}
    attributes = {"show": "Detailed information about resource."}
    POLICIES = ("anti-affinity", "affinity", "soft-anti-affinity", "soft-affinity")

    def validate(self, resource: str, props: dict[str, Any]) -> dict[str, Any]:
        out = super().validate(resource, props)
        policies = out.get("policies")
        for policy in policies if isinstance(policies, list) else []:
            if isinstance(policy, str) and policy not in self.POLICIES:
                raise ValidationFailed(f'Property error: resources.{resource}.properties.policies: "{policy}" is '
                                       f"not an allowed value {list(self.POLICIES)}")
        return out

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        policies = [str(p) for p in props["policies"]]
        # The soft policies came with compute 2.15; Heat asks for that microversion only for them.
        headers = {"X-OpenStack-Nova-API-Version": "2.15"} if any(p.startswith("soft-") for p in policies) else {}
        made = api.call("POST", f"{NOVA}/os-server-groups", {"server_group": {
            "name": props.get("name") or res.physical_name, "policies": policies}}, headers=headers)
        return str(made["server_group"]["id"])

    def delete(self, api: InternalAPI, res: Res) -> None:
        api.delete(f"{NOVA}/os-server-groups/{res.physical_id}")

    def show(self, api: InternalAPI, res: Res) -> Any:
        return api.get(f"{NOVA}/os-server-groups/{res.physical_id}")["server_group"]


class Server(Kind):
    name = "OS::Nova::Server"
    description = "A resource for managing Nova instances."
    props = {"name": Prop("string", update=True), "image": Prop("string"), "flavor": Prop("string", required=True),
             "key_name": Prop("string"), "networks": Prop("list", default=[]),
             "security_groups": Prop("list", default=[]), "user_data": Prop("string", default=""),
             "user_data_format": Prop("string", default="HEAT_CFNTOOLS"), "metadata": Prop("map", update=True),
             "block_device_mapping_v2": Prop("list"), "availability_zone": Prop("string"),
             "scheduler_hints": Prop("map"),
             "config_drive": Prop("boolean"), "admin_pass": Prop("string"),
             "software_config_transport": Prop("string"), "user_data_update_policy": Prop("string")}
    attributes = {"name": "Name of the server.", "first_address": "The first IP address of the server.",
                  "networks": "A dict of assigned network addresses: {network name: [addresses]}.",
                  "addresses": "A dict of all network addresses with corresponding port_id.",
                  "accessIPv4": "The manually assigned alternative public IPv4 address of the server.",
                  "instance_name": "AWS compatible instance name.", "show": "Detailed information about resource."}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        server: dict[str, Any] = {"name": props.get("name") or res.physical_name,
                                  "flavorRef": _flavor(api, props["flavor"])}
        if props.get("image"):
            server["imageRef"] = _image(api, props["image"])
        if props.get("key_name"):
            server["key_name"] = props["key_name"]
        if props.get("user_data"):
            server["user_data"] = base64.b64encode(self._user_data(api, res, props).encode()).decode()
        if props.get("metadata"):
            server["metadata"] = {k: str(v) for k, v in props["metadata"].items()}
        if props.get("availability_zone"):
            server["availability_zone"] = props["availability_zone"]
        if props.get("admin_pass"):
            server["adminPass"] = props["admin_pass"]
        if props.get("security_groups"):
            server["security_groups"] = [{"name": str(g)} for g in props["security_groups"]]
        networks = []
        for net in props.get("networks") or []:
            if not isinstance(net, dict):
                raise ResourceFailed("StackValidationFailed", f"networks: {net!r} is not a map")
            entry: dict[str, Any] = {}
            if net.get("port"):
                entry["port"] = str(net["port"])
            elif net.get("network"):
                entry["uuid"] = _network(api, str(net["network"]))
            elif net.get("subnet"):
                subnet = api.get(f"{NET}/subnets/{_subnet(api, str(net['subnet']))}")["subnet"]
                entry["uuid"] = subnet["network_id"]
            if net.get("fixed_ip"):
                entry["fixed_ip"] = str(net["fixed_ip"])
            networks.append(entry)
        if networks:
            server["networks"] = networks
        bdm = props.get("block_device_mapping_v2")
        if bdm:
            server["block_device_mapping_v2"] = [_bdm(api, item) for item in bdm]
        body: dict[str, Any] = {"server": server}
        if props.get("scheduler_hints"):  # e.g. {group: <an OS::Nova::ServerGroup>}
            body["os:scheduler_hints"] = {k: v if isinstance(v, list) else str(v)
                                          for k, v in props["scheduler_hints"].items()}
        return str(api.post(f"{NOVA}/servers", body)["server"]["id"])

    @staticmethod
    def _user_data(api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        """Heat's: with user_data_format RAW or SOFTWARE_CONFIG, a user_data that is a software config's id
        (`{get_resource: <an OS::Heat::CloudConfig>}`) is that config's content."""
        text = str(props["user_data"])
        if props.get("user_data_format") in ("RAW", "SOFTWARE_CONFIG") and UUID.match(text):
            try:
                config = api.get(f"/heat-api/v1/{res.project_id}/software_configs/{text}")["software_config"]
            except ApiError as exc:
                if exc.status != 404:
                    raise
            else:
                return str(config.get("config") or "")
        return text

    def ready(self, api: InternalAPI, res: Res) -> bool:
        server = api.get(f"{NOVA}/servers/{res.physical_id}")["server"]
        if server["status"] == "ERROR":
            fault = server.get("fault") or {}
            raise ResourceFailed("ResourceInError", f'Went to status ERROR due to "Message: '
                                 f'{fault.get("message", "Unknown")}, Code: {fault.get("code", 500)}"')
        return bool(server["status"] == "ACTIVE")

    def update(self, api: InternalAPI, res: Res, old: dict[str, Any], new: dict[str, Any]) -> None:
        if new.get("name") != old.get("name"):
            api.put(f"{NOVA}/servers/{res.physical_id}", {"server": {"name": new.get("name") or res.physical_name}})
        if new.get("metadata") != old.get("metadata"):
            api.put(f"{NOVA}/servers/{res.physical_id}/metadata",
                    {"metadata": {k: str(v) for k, v in (new.get("metadata") or {}).items()}})

    def delete(self, api: InternalAPI, res: Res) -> None:
        api.delete(f"{NOVA}/servers/{res.physical_id}")

    def prepare_for_replace(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> None:
        """Heat's Server.prepare_for_replace: the ports the template gave (`networks: [{port: ...}]`) are
        detached from the old server, so its replacement can take them (a port is bound to one server)."""
        for net in props.get("networks") or []:
            if isinstance(net, dict) and net.get("port"):
                # Not attached any more, or the server cannot detach now: then the create says why.
                with contextlib.suppress(ApiError):
                    api.delete(f"{NOVA}/servers/{res.physical_id}/os-interface/{net['port']}")

    def gone(self, api: InternalAPI, res: Res) -> bool:
        try:
            api.get(f"{NOVA}/servers/{res.physical_id}")
        except ApiError as exc:
            if exc.status == 404:
                return True
            raise
        return False

    def show(self, api: InternalAPI, res: Res) -> Any:
        return api.get(f"{NOVA}/servers/{res.physical_id}")["server"]

    def suspend(self, api: InternalAPI, res: Res) -> None:
        if self.show(api, res)["status"] != "SUSPENDED":
            api.post(f"{NOVA}/servers/{res.physical_id}/action", {"suspend": None})

    def resume(self, api: InternalAPI, res: Res) -> None:
        if self.show(api, res)["status"] == "SUSPENDED":
            api.post(f"{NOVA}/servers/{res.physical_id}/action", {"resume": None})

    def action_done(self, api: InternalAPI, res: Res, action: str) -> bool:
        status = self.show(api, res)["status"]
        if status == "ERROR":
            raise ResourceFailed("ResourceInError", f"Went to status ERROR during {action}")
        return bool(status == ("SUSPENDED" if action == "SUSPEND" else "ACTIVE"))

    def check(self, api: InternalAPI, res: Res) -> None:
        status = self.show(api, res)["status"]
        if status != "ACTIVE":
            raise ResourceFailed("Error", f"'Status' not in expected value ACTIVE: the server is {status}")

    def attribute(self, api: InternalAPI, res: Res, name: str) -> Any:
        server = self.show(api, res)
        addresses: dict[str, list[dict[str, Any]]] = server.get("addresses") or {}
        if name == "first_address":
            for entries in addresses.values():
                for entry in entries:
                    return entry.get("addr")
            return ""
        if name == "networks":
            return {net: [e.get("addr") for e in entries] for net, entries in addresses.items()}
        if name == "addresses":
            return addresses
        if name == "instance_name":
            return server.get("OS-EXT-SRV-ATTR:instance_name", server.get("name"))
        if name == "show":
            return server
        return server.get(name)


def _bdm(api: InternalAPI, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ResourceFailed("StackValidationFailed", f"block_device_mapping_v2: {item!r} is not a map")
    out: dict[str, Any] = {"boot_index": int(item.get("boot_index", 0)),
                           "delete_on_termination": bool(item.get("delete_on_termination", False))}
    if item.get("volume_id"):
        out.update(source_type="volume", destination_type="volume", uuid=str(item["volume_id"]))
    elif item.get("image") or item.get("image_id"):
        out.update(source_type="image", destination_type="volume",
                   uuid=_image(api, str(item.get("image") or item.get("image_id"))))
        if item.get("volume_size"):
            out["volume_size"] = int(item["volume_size"])
    elif item.get("snapshot_id"):
        out.update(source_type="snapshot", destination_type="volume", uuid=str(item["snapshot_id"]))
    if item.get("device_name"):
        out["device_name"] = str(item["device_name"])
    return out


# ------------------------------------------------------------------------------------------------- Neutron
class NeutronKind(Kind):
    """A network-service resource: one collection, one create body, PUT for the update-allowed properties."""

    collection = ""
    key = ""

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        made = api.post(f"{NET}/{self.collection}", {self.key: _clean(self.body(api, res, props))})
        return str(made[self.key]["id"])

    def update(self, api: InternalAPI, res: Res, old: dict[str, Any], new: dict[str, Any]) -> None:
        body = self.body(api, res, new)
        changed = {k: v for k, v in body.items() if k in self.updatable()}
        if changed:
            api.put(f"{NET}/{self.collection}/{res.physical_id}", {self.key: changed})

    def updatable(self) -> set[str]:
        return {"name", "admin_state_up", "description"}

    def delete(self, api: InternalAPI, res: Res) -> None:
        api.delete(f"{NET}/{self.collection}/{res.physical_id}")

    def show(self, api: InternalAPI, res: Res) -> Any:
        return api.get(f"{NET}/{self.collection}/{res.physical_id}")[self.key]


class Net(NeutronKind):
    name, collection, key = "OS::Neutron::Net", "networks", "network"
    description = "A resource for managing Neutron networks."
    props = {"name": Prop("string", update=True), "admin_state_up": Prop("boolean", default=True, update=True),
             "shared": Prop("boolean", update=True), "port_security_enabled": Prop("boolean", update=True),
             "value_specs": Prop("map", default={})}
    attributes = {"name": "The name of the network.", "status": "The status of the network.",
                  "subnets": "Subnets of this network.", "mtu": "The maximum transmission unit size (in bytes).",
                  "admin_state_up": "The administrative status of the network.", "show": "Detailed information."}

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        return {"name": props.get("name") or res.physical_name, "admin_state_up": props.get("admin_state_up"),
                "shared": props.get("shared"), "port_security_enabled": props.get("port_security_enabled"),
                **(props.get("value_specs") or {})}

    def updatable(self) -> set[str]:
        return {"name", "admin_state_up", "shared", "port_security_enabled"}


class Subnet(NeutronKind):
    name, collection, key = "OS::Neutron::Subnet", "subnets", "subnet"
    description = "A resource for managing Neutron subnets."
    props = {"network": Prop("string", required=True), "cidr": Prop("string"), "name": Prop("string", update=True),
             "ip_version": Prop("integer", default=4), "enable_dhcp": Prop("boolean", default=True, update=True),
             "gateway_ip": Prop("string", update=True), "dns_nameservers": Prop("list", default=[], update=True),
             "allocation_pools": Prop("list", update=True), "host_routes": Prop("list", update=True),
             "subnetpool": Prop("string")}
    attributes = {"name": "Friendly name of the subnet.", "network_id": "Parent network of the subnet.",
                  "cidr": "CIDR block notation for this subnet.", "gateway_ip": "IP of the subnet's gateway.",
                  "allocation_pools": "Ip allocation pools and their ranges.", "ip_version": "Ip version.",
                  "show": "Detailed information."}

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        return {"network_id": res.data.get("network_id") or _network(api, props["network"]),
                "cidr": props.get("cidr"), "name": props.get("name") or res.physical_name,
                "ip_version": props.get("ip_version"), "enable_dhcp": props.get("enable_dhcp"),
                "gateway_ip": props.get("gateway_ip"), "dns_nameservers": props.get("dns_nameservers"),
                "allocation_pools": props.get("allocation_pools"), "host_routes": props.get("host_routes")}

    def updatable(self) -> set[str]:
        return {"name", "enable_dhcp", "gateway_ip", "dns_nameservers", "allocation_pools", "host_routes"}


class Port(NeutronKind):
    name, collection, key = "OS::Neutron::Port", "ports", "port"
    description = "A resource for managing Neutron ports."
    props = {"network": Prop("string", required=True), "name": Prop("string", update=True),
             "fixed_ips": Prop("list", update=True), "security_groups": Prop("list", update=True),
             "mac_address": Prop("string"), "admin_state_up": Prop("boolean", default=True, update=True),
             "port_security_enabled": Prop("boolean", update=True), "device_owner": Prop("string")}
    attributes = {"fixed_ips": "Fixed IP addresses.", "mac_address": "MAC address of the port.",
                  "network_id": "Unique identifier for the network owning the port.", "name": "Friendly name.",
                  "status": "The status of the port.", "show": "Detailed information."}

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        fixed = None
        if props.get("fixed_ips") is not None:
            fixed = []
            for ip in props["fixed_ips"]:
                entry = {}
                if isinstance(ip, dict) and (ip.get("subnet") or ip.get("subnet_id")):
                    entry["subnet_id"] = _subnet(api, str(ip.get("subnet") or ip.get("subnet_id")))
                if isinstance(ip, dict) and ip.get("ip_address"):
                    entry["ip_address"] = str(ip["ip_address"])
                fixed.append(entry)
        groups = None
        if props.get("security_groups") is not None:
            groups = [_security_group(api, str(g)) for g in props["security_groups"]]
        return {"network_id": _network(api, props["network"]), "name": props.get("name") or res.physical_name,
                "fixed_ips": fixed, "security_groups": groups, "mac_address": props.get("mac_address"),
                "admin_state_up": props.get("admin_state_up"), "device_owner": props.get("device_owner"),
                "port_security_enabled": props.get("port_security_enabled")}

    def updatable(self) -> set[str]:
        return {"name", "fixed_ips", "security_groups", "admin_state_up", "port_security_enabled"}


class Router(NeutronKind):
    name, collection, key = "OS::Neutron::Router", "routers", "router"
    description = "A resource that implements Neutron router."
    props = {"name": Prop("string", update=True), "external_gateway_info": Prop("map", update=True),
             "admin_state_up": Prop("boolean", default=True, update=True)}
    attributes = {"name": "The name of the router.", "status": "The status of the router.",
                  "external_gateway_info": "Gateway network for the router.", "show": "Detailed information."}

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        gateway = props.get("external_gateway_info")
        info = None
        if gateway:
            info = _clean({"network_id": _network(api, str(gateway.get("network"))),
                           "enable_snat": gateway.get("enable_snat")})
        return {"name": props.get("name") or res.physical_name, "admin_state_up": props.get("admin_state_up"),
                "external_gateway_info": info if gateway is not None else None}

    def updatable(self) -> set[str]:
        return {"name", "admin_state_up", "external_gateway_info"}

    def delete(self, api: InternalAPI, res: Res) -> None:
        try:
            api.put(f"{NET}/routers/{res.physical_id}", {"router": {"external_gateway_info": {}}})
        except ApiError as exc:
            if exc.status != 404:
                raise
        api.delete(f"{NET}/routers/{res.physical_id}")


class RouterInterface(Kind):
    name = "OS::Neutron::RouterInterface"
    description = "A resource for managing Neutron router interfaces."
    props = {"router": Prop("string", required=True), "subnet": Prop("string"), "port": Prop("string")}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        router = _find(api, "routers", props["router"], "router")
        if props.get("subnet"):
            key, value = "subnet_id", _subnet(api, props["subnet"])
        elif props.get("port"):
            key, value = "port_id", str(props["port"])
        else:
            raise ResourceFailed("PropertyUnspecifiedError", "At least one of the following properties must be "
                                 "specified: subnet, port.")
        api.put(f"{NET}/routers/{router}/add_router_interface", {key: value})
        res.data.update(router=router, key=key, value=value)
        return f"{router}:{key}={value}"

    def delete(self, api: InternalAPI, res: Res) -> None:
        data = res.data
        if not data.get("router"):
            return
        try:
            api.put(f"{NET}/routers/{data['router']}/remove_router_interface", {data["key"]: data["value"]})
        except ApiError as exc:
            if exc.status != 404:
                raise


class FloatingIP(NeutronKind):
    name, collection, key = "OS::Neutron::FloatingIP", "floatingips", "floatingip"
    description = "A resource for managing Neutron floating ips."
    props = {"floating_network": Prop("string", required=True), "port_id": Prop("string", update=True),
             "fixed_ip_address": Prop("string", update=True), "floating_ip_address": Prop("string"),
             "value_specs": Prop("map", default={})}
    attributes = {"floating_ip_address": "The allocated address of this IP.",
                  "floating_network_id": "ID of the network in which this IP is allocated.",
                  "port_id": "ID of the port associated with this IP.",
                  "fixed_ip_address": "IP address of the associated port, if specified.",
                  "show": "Detailed information."}

    def body(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        return {"floating_network_id": _network(api, props["floating_network"]), "port_id": props.get("port_id"),
                "fixed_ip_address": props.get("fixed_ip_address"),
                "floating_ip_address": props.get("floating_ip_address"), **(props.get("value_specs") or {})}

    def update(self, api: InternalAPI, res: Res, old: dict[str, Any], new: dict[str, Any]) -> None:
        api.put(f"{NET}/floatingips/{res.physical_id}", {"floatingip": {
            "port_id": new.get("port_id"), **_clean({"fixed_ip_address": new.get("fixed_ip_address")})}})


class FloatingIPAssociation(Kind):
    name = "OS::Neutron::FloatingIPAssociation"
    description = "A resource for associating floating ips and ports."
    props = {"floatingip_id": Prop("string", required=True, update=True),
             "port_id": Prop("string", required=True, update=True), "fixed_ip_address": Prop("string", update=True)}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        api.put(f"{NET}/floatingips/{props['floatingip_id']}", {"floatingip": _clean(
            {"port_id": props["port_id"], "fixed_ip_address": props.get("fixed_ip_address")})})
        res.data["floatingip_id"] = props["floatingip_id"]
        return f"{props['floatingip_id']}:{props['port_id']}"

    def update(self, api: InternalAPI, res: Res, old: dict[str, Any], new: dict[str, Any]) -> None:
        if old["floatingip_id"] != new["floatingip_id"]:
            self.delete(api, res)
        self.create(api, res, new)

    def delete(self, api: InternalAPI, res: Res) -> None:
        try:
            api.put(f"{NET}/floatingips/{res.data.get('floatingip_id')}", {"floatingip": {"port_id": None}})
        except ApiError as exc:
            if exc.status != 404:
                raise


RULE_PROPS = ("direction", "ethertype", "port_range_min", "port_range_max", "protocol", "remote_ip_prefix",
              "remote_group_id", "remote_mode", "description")


def _rule_body(api: InternalAPI, group_id: str, rule: dict[str, Any]) -> dict[str, Any]:
    body = {k: rule.get(k) for k in RULE_PROPS if k not in ("remote_mode",)}
    body.setdefault("direction", "ingress")
    body["direction"] = body["direction"] or "ingress"
    body["ethertype"] = body["ethertype"] or "IPv4"
    body["security_group_id"] = group_id
    if rule.get("remote_mode") == "remote_group_id" and not rule.get("remote_group_id"):
        body["remote_group_id"] = group_id
    elif body.get("remote_group_id"):
        body["remote_group_id"] = _security_group(api, str(body["remote_group_id"]))
    for key in ("port_range_min", "port_range_max"):
        value = body.get(key)
        if value is not None:
            body[key] = int(value)
    return _clean(body)


class SecurityGroup(Kind):
    name = "OS::Neutron::SecurityGroup"
    description = "A resource for managing Neutron security groups."
    props = {"name": Prop("string", update=True), "description": Prop("string", update=True),
             "rules": Prop("list", default=[], update=True)}
    attributes = {"show": "Detailed information."}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        group = api.post(f"{NET}/security-groups", {"security_group": _clean(
            {"name": props.get("name") or res.physical_name, "description": props.get("description")})})
        group_id = str(group["security_group"]["id"])
        self._set_rules(api, group_id, props.get("rules") or [])
        return group_id

    def _set_rules(self, api: InternalAPI, group_id: str, rules: list[Any]) -> None:
        """The group's rules become `rules`; the default egress rules stay unless the template has egress
        rules of its own (as Heat does)."""
        existing = api.get(f"{NET}/security-group-rules", security_group_id=group_id)["security_group_rules"]
        wants_egress = any(isinstance(r, dict) and r.get("direction") == "egress" for r in rules)
        for rule in existing:
            if rule["direction"] == "ingress" or wants_egress:
                api.delete(f"{NET}/security-group-rules/{rule['id']}")
        for rule in rules:
            if not isinstance(rule, dict):
                raise ResourceFailed("StackValidationFailed", f"rules: {rule!r} is not a map")
            api.post(f"{NET}/security-group-rules", {"security_group_rule": _rule_body(api, group_id, rule)})

    def update(self, api: InternalAPI, res: Res, old: dict[str, Any], new: dict[str, Any]) -> None:
        assert res.physical_id is not None
        changed = _clean({"name": new.get("name") or res.physical_name, "description": new.get("description")})
        api.put(f"{NET}/security-groups/{res.physical_id}", {"security_group": changed})
        if new.get("rules") != old.get("rules"):
            self._set_rules(api, res.physical_id, new.get("rules") or [])

    def delete(self, api: InternalAPI, res: Res) -> None:
        api.delete(f"{NET}/security-groups/{res.physical_id}")

    def show(self, api: InternalAPI, res: Res) -> Any:
        return api.get(f"{NET}/security-groups/{res.physical_id}")["security_group"]


class SecurityGroupRule(Kind):
    name = "OS::Neutron::SecurityGroupRule"
    description = "A resource for managing Neutron security group rules."
    props = {"security_group": Prop("string", required=True), "direction": Prop("string", default="ingress"),
             "ethertype": Prop("string", default="IPv4"), "port_range_min": Prop("integer"),
             "port_range_max": Prop("integer"), "protocol": Prop("string"), "remote_ip_prefix": Prop("string"),
             "remote_group": Prop("string"), "remote_mode": Prop("string"), "description": Prop("string")}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        group_id = _security_group(api, props["security_group"])
        rule = {**props, "remote_group_id": props.get("remote_group")}
        made = api.post(f"{NET}/security-group-rules", {"security_group_rule": _rule_body(api, group_id, rule)})
        return str(made["security_group_rule"]["id"])

    def delete(self, api: InternalAPI, res: Res) -> None:
        api.delete(f"{NET}/security-group-rules/{res.physical_id}")


# -------------------------------------------------------------------------------------------------- Cinder
class Volume(Kind):
    name = "OS::Cinder::Volume"
    description = "A resource that implements Cinder volumes."
    props = {"size": Prop("integer", update=True), "name": Prop("string", update=True),
             "description": Prop("string", update=True), "image": Prop("string"), "volume_type": Prop("string"),
             "metadata": Prop("map", update=True), "snapshot_id": Prop("string"), "source_volid": Prop("string"),
             "availability_zone": Prop("string")}
    attributes = {"size": "The size of the volume in GB.", "status": "The current status of the volume.",
                  "display_name": "Name of the volume.", "attachments": "The list of attachments of the volume.",
                  "bootable": "Boolean indicating if the volume can be booted or not.",
                  "show": "Detailed information."}

    def _base(self, res: Res) -> str:
        return f"/volume/v3/{res.project_id}/volumes"

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        body = _clean({"size": props.get("size"), "name": props.get("name") or res.physical_name,
                       "description": props.get("description"), "volume_type": props.get("volume_type"),
                       "metadata": props.get("metadata"), "snapshot_id": props.get("snapshot_id"),
                       "source_volid": props.get("source_volid"),
                       "availability_zone": props.get("availability_zone")})
        if props.get("image"):
            body["imageRef"] = _image(api, props["image"])
        if "size" not in body and not (body.get("snapshot_id") or body.get("source_volid")):
            raise ResourceFailed("StackValidationFailed", "Property size not assigned")
        return str(api.post(self._base(res), {"volume": body})["volume"]["id"])

    def ready(self, api: InternalAPI, res: Res) -> bool:
        volume = self.show(api, res)
        if volume["status"] in ("error", "error_extending"):
            raise ResourceFailed("ResourceInError", f"Went to status {volume['status']} due to \"Unknown\"")
        return volume["status"] in ("available", "in-use")

    def update(self, api: InternalAPI, res: Res, old: dict[str, Any], new: dict[str, Any]) -> None:
        changes = {k: new.get(k) for k in ("name", "description", "metadata") if new.get(k) != old.get(k)}
        if changes:
            api.put(f"{self._base(res)}/{res.physical_id}", {"volume": _clean(changes)})
        if new.get("size") != old.get("size"):
            if (new.get("size") or 0) < (old.get("size") or 0):
                raise ResourceFailed("NotSupported", "Shrinking volume is not supported.")
            api.post(f"{self._base(res)}/{res.physical_id}/action", {"os-extend": {"new_size": new["size"]}})

    def delete(self, api: InternalAPI, res: Res) -> None:
        api.delete(f"{self._base(res)}/{res.physical_id}")

    def gone(self, api: InternalAPI, res: Res) -> bool:
        try:
            self.show(api, res)
        except ApiError as exc:
            if exc.status == 404:
                return True
            raise
        return False

    def show(self, api: InternalAPI, res: Res) -> Any:
        return api.get(f"{self._base(res)}/{res.physical_id}")["volume"]

    def attribute(self, api: InternalAPI, res: Res, name: str) -> Any:
        volume = self.show(api, res)
        return volume if name == "show" else volume.get("name" if name == "display_name" else name)


class VolumeAttachment(Kind):
    name = "OS::Cinder::VolumeAttachment"
    description = "A resource for attaching a volume to a server."
    props = {"instance_uuid": Prop("string", required=True), "volume_id": Prop("string", required=True),
             "mountpoint": Prop("string")}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        made = api.post(f"{NOVA}/servers/{props['instance_uuid']}/os-volume_attachments", {"volumeAttachment": _clean(
            {"volumeId": props["volume_id"], "device": props.get("mountpoint")})})
        res.data.update(server=props["instance_uuid"], volume=props["volume_id"])
        return str(made["volumeAttachment"]["id"])

    def ready(self, api: InternalAPI, res: Res) -> bool:
        volume = api.get(f"/volume/v3/{res.project_id}/volumes/{res.data['volume']}")["volume"]
        return bool(volume["status"] == "in-use")

    def delete(self, api: InternalAPI, res: Res) -> None:
        if res.data.get("server"):
            api.delete(f"{NOVA}/servers/{res.data['server']}/os-volume_attachments/{res.data['volume']}")

    def gone(self, api: InternalAPI, res: Res) -> bool:
        if not res.data.get("volume"):
            return True
        try:
            volume = api.get(f"/volume/v3/{res.project_id}/volumes/{res.data['volume']}")["volume"]
        except ApiError as exc:
            if exc.status == 404:
                return True
            raise
        return volume["status"] != "detaching" and not any(
            a.get("server_id") == res.data.get("server") for a in volume.get("attachments") or [])


class SwiftContainer(Kind):
    """A container of the stack owner's account (Heat's OS::Swift::Container): its ACLs and metadata as
    headers; a non-empty one is emptied first only with PurgeOnDelete."""

    name = "OS::Swift::Container"
    description = "A resource for managing Swift containers."
    needs = "object"
    props = {"name": Prop("string"), "X-Container-Read": Prop("string"), "X-Container-Write": Prop("string"),
             "X-Container-Meta": Prop("map", default={}), "X-Account-Meta": Prop("map", default={}),
             "PurgeOnDelete": Prop("boolean", default=False)}
    attributes = {"DomainName": "The host from the container URL.", "WebsiteURL": "The URL of the container.",
                  "RootURL": "The parent URL of the container.", "ObjectCount": "The number of objects stored.",
                  "BytesUsed": "The number of bytes stored.", "HeadContainer": "A map of the container's objects."}

    def _url(self, res: Res, name: str | None = None) -> str:
        return f"/object/v1/AUTH_{res.project_id}/{name or res.physical_id}"

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        name = props.get("name") or res.physical_name
        headers = {key: str(props[key]) for key in ("X-Container-Read", "X-Container-Write") if props.get(key)}
        headers.update({f"X-Container-Meta-{k}": str(v) for k, v in (props.get("X-Container-Meta") or {}).items()})
        api.call("PUT", self._url(res, name), headers=headers)
        if props.get("X-Account-Meta"):
            api.call("POST", f"/object/v1/AUTH_{res.project_id}", headers={
                f"X-Account-Meta-{k}": str(v) for k, v in props["X-Account-Meta"].items()})
        res.data["purge"] = bool(props.get("PurgeOnDelete"))
        return str(name)

    def _objects(self, api: InternalAPI, res: Res) -> list[dict[str, Any]]:
        return list(api.get(self._url(res), format="json") or [])

    def delete(self, api: InternalAPI, res: Res) -> None:
        try:
            if res.data.get("purge"):
                for found in self._objects(api, res):
                    api.delete(f"{self._url(res)}/{found['name']}")
            api.delete(self._url(res))
        except ApiError as exc:
            if exc.status == 409:
                raise ResourceFailed("ResourceActionNotSupported", f"Deleting non-empty container "
                                     f"({res.physical_id}) when PurgeOnDelete is not set") from None
            raise

    def show(self, api: InternalAPI, res: Res) -> Any:
        return {"objects": self._objects(api, res)}

    def attribute(self, api: InternalAPI, res: Res, name: str) -> Any:
        url = f"{api.cloud.settings.endpoint}{self._url(res)}"
        if name == "WebsiteURL":
            return url
        if name == "RootURL":
            return url.rsplit("/", 1)[0] + "/"
        if name == "DomainName":
            return url.split("/")[2].split(":")[0]
        objects = self._objects(api, res)
        if name == "ObjectCount":
            return len(objects)
        if name == "BytesUsed":
            return sum(int(o.get("bytes") or 0) for o in objects)
        if name in ("HeadContainer", "show"):
            return {"objects": objects}
        return None


class ResourceGroup(Kind):
    """Made by the engine as a nested stack (see engine.py); here only its schema."""

    name = "OS::Heat::ResourceGroup"
    description = "Creates one or more identically configured nested resources."
    props = {"count": Prop("integer", default=1, update=True), "resource_def": Prop("map", required=True, update=True),
             "index_var": Prop("string", default="%index%"), "removal_policies": Prop("list", default=[], update=True)}
    attributes = {"refs": "A list of resource IDs for the resources in the group.",
                  "refs_map": "A map of resource names to IDs for the resources in the group.",
                  "attributes": "A map of resource names to the specified attribute of each individual resource.",
                  "removed_rsrc_list": "A list of removed resource names.",
                  "show": "Detailed information about resource."}


# ------------------------------------------------------------------------- signals, waits and tests
class WaitConditionHandle(Kind):
    """Receives the signals a WaitCondition waits for (`openstack stack resource signal`, or a POST to its
    `endpoint`): each is kept in the handle's data, by id, as Heat keeps them in its metadata."""

    name = "OS::Heat::WaitConditionHandle"
    description = "Resource for managing instance signals."
    props = {"signal_transport": Prop("string", default="TOKEN_SIGNAL")}
    attributes = {"token": "Token for stack-user which can be used for signalling handle (not issued here).",
                  "endpoint": "Endpoint/url which can be used for signalling handle.",
                  "curl_cli": "Convenience attribute, provides curl CLI command prefix (needs the token).",
                  "signal": "JSON serialized map that includes the endpoint and/or other attributes."}
    TRANSPORTS = ("CFN_SIGNAL", "TEMP_URL_SIGNAL", "HEAT_SIGNAL", "NO_SIGNAL", "ZAQAR_SIGNAL", "TOKEN_SIGNAL")

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        if props["signal_transport"] not in self.TRANSPORTS:
            raise ResourceFailed("StackValidationFailed", f'"{props["signal_transport"]}" is not an allowed value '
                                 f"{list(self.TRANSPORTS)}")
        res.data.setdefault("signals", {})
        return res.physical_name

    def delete(self, api: InternalAPI, res: Res) -> None:
        pass

    def attribute(self, api: InternalAPI, res: Res, name: str) -> Any:
        endpoint = res.data.get("endpoint")
        if name == "endpoint":
            return endpoint
        if name == "signal":
            return json.dumps({"alarm_url": endpoint}) if endpoint else None
        return None  # token, curl_cli: no stack-user token is issued (signal as the owner instead)

    @staticmethod
    def signal(data: dict[str, Any], details: Any) -> dict[str, Any]:
        """Heat's HeatWaitConditionHandle.handle_signal: the signal normalised, or ValueError."""
        signals: dict[str, Any] = dict(data.get("signals") or {})
        if details is None or details == {}:
            details = {}
        if not isinstance(details, dict):
            raise ValueError("Metadata format invalid")
        status = details.get("status", "SUCCESS")
        if status not in ("SUCCESS", "FAILURE"):
            raise ValueError("Metadata format invalid")
        unique = str(details.get("id") or len(signals) + 1)
        signals[unique] = {"status": status, "reason": details.get("reason") or f"Signal {unique} received",
                           "data": details.get("data")}
        return signals


class WaitCondition(Kind):
    """Completes when its handle got `count` SUCCESS signals; fails at a FAILURE signal or after `timeout`
    seconds of the lab's clock (the engine reads the handle's signals, engine.py)."""

    name = "OS::Heat::WaitCondition"
    description = "Resource for handling signals received by WaitConditionHandle."
    props = {"handle": Prop("string", required=True), "timeout": Prop("number", required=True),
             "count": Prop("integer", default=1, update=True)}
    attributes = {"data": "JSON string containing data associated with wait condition signals sent to the handle."}

    def validate(self, resource: str, props: dict[str, Any]) -> dict[str, Any]:
        out = super().validate(resource, props)
        timeout = out.get("timeout")
        if isinstance(timeout, float) and not 1 <= timeout <= 43200:
            raise ValidationFailed(f"Property error: resources.{resource}.properties.timeout: {timeout:g} is out "
                                   f"of range (min: 1, max: 43200)")
        return out

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        assert res.now is not None
        res.data["deadline"] = (res.now + timedelta(seconds=float(props["timeout"]))).isoformat()
        res.data["count"] = int(props["count"])
        return res.physical_name

    def delete(self, api: InternalAPI, res: Res) -> None:
        pass

    @staticmethod
    def verdict(data: dict[str, Any], signals: dict[str, Any], now: datetime) -> bool:
        """True when enough SUCCESS signals came; ResourceFailed at a FAILURE or past the deadline."""
        failures = [s.get("reason") or "" for s in signals.values() if s.get("status") == "FAILURE"]
        if failures:
            raise ResourceFailed("WaitConditionFailure", ";".join(failures))
        successes = sum(1 for s in signals.values() if s.get("status") == "SUCCESS")
        if successes >= int(data.get("count", 1)):
            return True
        if now >= datetime.fromisoformat(str(data["deadline"])):
            raise ResourceFailed("WaitConditionTimeout", f"{successes} of {data.get('count', 1)} received")
        return False

    def attribute(self, api: InternalAPI, res: Res, name: str) -> Any:
        if name != "data":
            return None
        return json.dumps({k: v.get("data") for k, v in (res.data.get("signals") or {}).items()})


class TestResource(Kind):
    """Heat's OS::Heat::TestResource (what heat-tempest-plugin's templates use): its `value` is its `output`
    attribute; it can wait (lab seconds) and fail on purpose."""

    name = "OS::Heat::TestResource"
    description = "A resource which stores the string value that was provided."
    props = {"value": Prop("string", default="test_string", update=True),
             "update_replace": Prop("boolean", default=False, update=True),
             "update_replace_value": Prop("string"),
             "fail": Prop("boolean", default=False, update=True),
             "client_name": Prop("string", default=""), "entity_name": Prop("string", default=""),
             "wait_secs": Prop("number", default=0, update=True),
             "action_wait_secs": Prop("map", update=True),
             "attr_wait_secs": Prop("number", default=0, update=True),
             "constraint_prop_secs": Prop("number", default=0)}
    attributes = {"output": "The string that was stored. This value is also available by referencing the "
                            "resource."}

    def _wait(self, res: Res, props: dict[str, Any], action: str) -> None:
        if props.get("fail"):
            raise ResourceFailed("ResourceInError", "Test Resource failed oops")
        seconds = float((props.get("action_wait_secs") or {}).get(action.lower(), props.get("wait_secs") or 0))
        assert res.now is not None
        res.data["until"] = (res.now + timedelta(seconds=seconds)).isoformat()

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        res.data["value"] = props["value"]
        self._wait(res, props, "create")
        return res.physical_name

    def update(self, api: InternalAPI, res: Res, old: dict[str, Any], new: dict[str, Any]) -> None:
        res.data["value"] = new["value"]
        self._wait(res, new, "update")

    def ready(self, api: InternalAPI, res: Res) -> bool:
        until = res.data.get("until")
        return until is None or res.now is None or res.now >= datetime.fromisoformat(str(until))

    def delete(self, api: InternalAPI, res: Res) -> None:
        pass

    def attribute(self, api: InternalAPI, res: Res, name: str) -> Any:
        return res.data.get("value") if name in ("output", "show") else None


# The software config types call Heat's own API (as Heat's call its engine), the Octavia ones Octavia's; their
# modules need Kind first.
from lab.cloud.orchestration.octavia_types import OCTAVIA_TYPES  # noqa: E402
from lab.cloud.orchestration.software_types import SOFTWARE_TYPES, SoftwareDeploymentKind  # noqa: E402

# The types that take signals (the others answer Heat's 400).
SIGNALLED = {WaitConditionHandle.name, SoftwareDeploymentKind.name}

TYPES: dict[str, Kind] = {kind.name: kind for kind in (
    *SOFTWARE_TYPES, *OCTAVIA_TYPES,
    RandomString(), Value(), ResourceGroup(), WaitConditionHandle(), WaitCondition(), TestResource(),
    SwiftContainer(), KeyPair(), ServerGroup(), Server(), Net(), Subnet(), Port(), Router(),
    RouterInterface(), FloatingIP(), FloatingIPAssociation(), SecurityGroup(), SecurityGroupRule(), Volume(),
    VolumeAttachment())}



def served_types(services: dict[str, Any]) -> dict[str, Kind]:
    """The types of this cloud: those whose service is present (Swift's, Octavia's), as Heat lists only the
    types whose client is available."""
    return {name: kind for name, kind in TYPES.items() if not kind.needs or kind.needs in services}
