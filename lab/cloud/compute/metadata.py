"""Nova's metadata API: what a guest reads from http://169.254.169.254 (cloud-init, CirrOS), in its two formats.

- OpenStack: `/openstack` lists the versions, `/openstack/latest/` the documents; `meta_data.json` (uuid, name,
  hostname, public_keys and keys, launch_index, availability_zone, project_id, meta, devices, random_seed),
  `network_data.json` (links, networks, services), `user_data` (when given), `vendor_data.json` and
  `vendor_data2.json` (empty objects) and `password` (empty);
- EC2: `/` lists the versions, `/latest/meta-data/` the keys (instance-id, hostname, local-ipv4, public-ipv4,
  public-keys/0/openssh-key, ...), `/latest/user-data`.

Nova finds the instance from the request as Neutron's metadata agent forwards it: the guest's address and the
network it came from. Here the network driver's metadata agent (lab/cloud/drivers/linux.py) passes the address
and the subnet it is on, and `answer` looks up the server whose port holds it (the network contract's
`device_at`), so two projects with the same 10.0.0.x are never confused. Nothing here is reachable on the API
port: only the agent's socket (root only) leads to it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from typing import TYPE_CHECKING, Any

from lab.cloud.compute.common import hostname_of, reservation_of, server_extra
from lab.cloud.compute.models import Server

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

EC2_VERSIONS = ("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15", "2008-02-01",
                "2008-09-01", "2009-04-04", "latest")
OPENSTACK_VERSIONS = ("2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30", "2016-10-06",
                      "2017-02-22", "2018-08-27", "2020-10-14", "latest")
DHCP_DOMAIN = "novalocal"  # Nova's [api] dhcp_domain: meta_data.json's hostname is <hostname>.novalocal

Answer = tuple[int, str, bytes]  # status, content type, body


def _text(body: str) -> Answer:
    return 200, "text/plain; charset=UTF-8", body.encode()


def _json(doc: Any) -> Answer:
    return 200, "application/json", json.dumps(doc).encode()


NOT_FOUND: Answer = (404, "text/plain; charset=UTF-8", b"404 Not Found\n\nThe resource could not be found.\n")


def answer(cloud: Cloud, address: str, subnet_id: str | None, path: str) -> Answer:
    """The metadata of the server holding `address` (on `subnet_id`) at `path`; 404 for an unknown address or
    path, as Nova answers."""
    with cloud.db.read() as db:
        server_id = cloud.network.device_at(db, address, subnet_id)
        server = db.query(Server).filter(Server.id == server_id, Server.deleted.is_(False)).one_or_none() \
            if server_id else None
        if server is None:
            return NOT_FOUND
        interfaces = cloud.network.server_interfaces(db, server.id)
        addresses = cloud.network.server_addresses(db, [server.id]).get(server.id, {})
        groups = cloud.network.server_security_groups(db, [server.id]).get(server.id, [])
        view = _Instance(server, address, interfaces, addresses, groups)
    return view.get(path)


class _Instance:
    """One server's metadata, read once per request (the database session is closed by then)."""

    def __init__(self, server: Server, address: str, interfaces: list[Any], addresses: dict[str, list[Any]],
                 groups: list[str]):
        self.id, self.name, self.project_id = server.id, server.name, server.project_id
        self.hostname = hostname_of(server)
        self.reservation, self.launch_index = reservation_of(server), int(server_extra(server, "launch_index", 0))
        self.zone = server.availability_zone or "nova"
        self.key_name, self.public_key = server.key_name, server.public_key
        self.user_data = base64.b64decode(server.user_data) if server.user_data else None
        self.meta = {str(k): str(v) for k, v in (server.metadata_ or {}).items()}
        self.flavor = str((server.flavor or {}).get("name") or (server.flavor or {}).get("original_name") or "")
        self.seq, self.image_id = server.seq, server.image_id or ""
        self.address, self.interfaces, self.groups = address, interfaces, groups
        self.floating = next((a["addr"] for net in addresses.values() for a in net
                              if a.get("OS-EXT-IPS:type") == "floating"), "")

    def get(self, path: str) -> Answer:
        parts = [p for p in path.split("?", 1)[0].split("/") if p]
        if not parts:
            return _text("\n".join(EC2_VERSIONS))
        if parts[0] == "openstack":
            return self._openstack(parts[1:])
        if parts[0] in EC2_VERSIONS:
            return self._ec2(parts[1:])
        return NOT_FOUND

    # ------------------------------------------------------------------------------------------- OpenStack
    def _openstack(self, parts: list[str]) -> Answer:
        if not parts:
            return _text("\n".join(OPENSTACK_VERSIONS))
        if parts[0] not in OPENSTACK_VERSIONS or len(parts) > 2:
            return NOT_FOUND
        docs = ["meta_data.json", "password", "vendor_data.json", "network_data.json", "vendor_data2.json"]
        if self.user_data is not None:
            docs.append("user_data")
        if len(parts) == 1:
            return _text("\n".join(docs))
        name = parts[1]
        if name == "meta_data.json":
            return _json(self.meta_data())
        if name == "network_data.json":
            return _json(self.network_data())
        if name in ("vendor_data.json", "vendor_data2.json"):
            return _json({})
        if name == "password":
            return _text("")
        if name == "user_data" and self.user_data is not None:
            return 200, "text/plain", self.user_data
        return NOT_FOUND

    def meta_data(self) -> dict[str, Any]:
        keys = {self.key_name: self.public_key} if self.key_name and self.public_key else {}
        seed = base64.b64encode(hashlib.sha512(f"stacklab:{self.id}".encode()).digest() * 8).decode()
        return {"uuid": self.id, "meta": self.meta, "public_keys": keys,
                "keys": [{"name": n, "type": "ssh", "data": k} for n, k in keys.items()],
                "hostname": f"{self.hostname}.{DHCP_DOMAIN}", "name": self.name, "launch_index": self.launch_index,
                "availability_zone": self.zone, "random_seed": seed, "project_id": self.project_id,
                "devices": [], "dedicated_cpus": []}

    def network_data(self) -> dict[str, Any]:
        """Nova's network_data.json for DHCP subnets: a link per port, a network per fixed IP (ipv4_dhcp)."""
        links, networks = [], []
        for i, iface in enumerate(self.interfaces):
            link = f"tap{iface['port_id'][:11]}"
            links.append({"id": link, "vif_id": iface["port_id"], "type": "bridge",
                          "ethernet_mac_address": iface["mac_addr"], "mtu": None})
            for j, ip in enumerate(iface["fixed_ips"]):
                kind = "ipv6_dhcp" if ":" in ip["ip_address"] else "ipv4_dhcp"
                networks.append({"id": f"network{i + j}", "type": kind, "link": link,
                                 "network_id": iface["net_id"]})
        return {"links": links, "networks": networks, "services": []}

    # ------------------------------------------------------------------------------------------------- EC2
    def _ec2(self, parts: list[str]) -> Answer:
        if not parts:
            return _text("meta-data/\nuser-data" if self.user_data is not None else "meta-data/")
        if parts[0] == "user-data" and len(parts) == 1:
            return (200, "text/plain", self.user_data) if self.user_data is not None else NOT_FOUND
        if parts[0] != "meta-data":
            return NOT_FOUND
        if parts[1:] == ["public-keys"]:  # EC2 lists a key as <index>=<name>
            return _text(f"0={self.key_name}" if self.key_name and self.public_key else "")
        node: Any = self.ec2_tree()
        for part in parts[1:]:
            if not isinstance(node, dict) or part not in node:
                return NOT_FOUND
            node = node[part]
        if isinstance(node, dict):
            return _text("\n".join(k + "/" if isinstance(v, dict) else k for k, v in node.items()))
        return _text(str(node))

    def ec2_tree(self) -> dict[str, Any]:
        """The EC2 meta-data keys Nova serves (ids in EC2's style: i-, ami-, r- and eight characters)."""
        keys: dict[str, Any] = {}
        if self.key_name and self.public_key:
            keys = {"0": {"openssh-key": self.public_key}}
        tree: dict[str, Any] = {
            "ami-id": f"ami-{zlib.crc32(self.image_id.encode()):08x}", "ami-launch-index": str(self.launch_index),
            "ami-manifest-path": "FIXME",  # sic: Nova's value
            "block-device-mapping": {"ami": "vda", "root": "/dev/vda"},
            "hostname": f"{self.hostname}.{DHCP_DOMAIN}", "instance-action": "none",
            "instance-id": f"i-{self.seq:08x}", "instance-type": self.flavor,
            "local-hostname": f"{self.hostname}.{DHCP_DOMAIN}", "local-ipv4": self.address,
            "placement": {"availability-zone": self.zone}, "public-hostname": f"{self.hostname}.{DHCP_DOMAIN}",
            "public-ipv4": self.floating, "public-keys": keys, "reservation-id": self.reservation,
            "security-groups": "\n".join(self.groups)}
        return tree
