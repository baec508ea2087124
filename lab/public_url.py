"""The URL a classroom's students are told to use, when the lab listens beyond this machine.

A lab bound to 127.0.0.1 is reached as http://127.0.0.1:PORT. A lab bound to every address (`--host 0.0.0.0`)
cannot tell its students "127.0.0.1": that is each student's own laptop. So unless `--public-url` says
otherwise, the advertised URL is built from this machine's address on its default route (the interface the
classroom network most likely reaches it by), or from the bound address when it is a specific one. When no such
address can be found, `stacklab up` refuses to start and says to pass `--public-url`: a catalog of loopback URLs
would send every student's client to their own machine.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lab.config import Settings

WILDCARDS = ("0.0.0.0", "::", "")
ROUTES = Path("/proc/net/route")
SIOCGIFADDR = 0x8915  # Linux ioctl: an interface's IPv4 address


class NoPublicAddress(Exception):
    """The lab listens beyond this machine but no address to advertise was found; the message says what to do."""


@dataclass(frozen=True)
class PublicURL:
    url: str
    reason: str  # how it was chosen, for the welcome text


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: the instructor's own choice of what students use


def default_route_address() -> tuple[str, str] | None:
    """(interface, IPv4 address) of the default route's interface, from the kernel's routing table; None when
    there is no default route or the interface has no address (Linux; elsewhere see `_probe_address`)."""
    try:
        lines = ROUTES.read_text().splitlines()[1:]
    except OSError:
        address = _probe_address()
        return None if address is None else ("(default route)", address)
    for line in lines:
        fields = line.split()
        if len(fields) >= 8 and fields[1] == "00000000" and fields[7] == "00000000":  # destination 0/0
            address = _interface_address(fields[0])
            if address is not None:
                return fields[0], address
    return None


def _interface_address(interface: str) -> str | None:
    import fcntl

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            packed = fcntl.ioctl(s.fileno(), SIOCGIFADDR, struct.pack("256s", interface[:15].encode()))
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


def _probe_address() -> str | None:
    """The source address the kernel picks for an outside destination (a UDP 'connect' sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("198.51.100.1", 9))  # TEST-NET-2: documentation only, never a real peer
        except OSError:
            return None
        return str(s.getsockname()[0])


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def advertised_url(settings: Settings,
                   route: Callable[[], tuple[str, str] | None] = default_route_address) -> PublicURL:
    """The URL to advertise for `settings` and why. Raises NoPublicAddress for a wildcard bind with no public
    URL when this machine has no default route with an address (`route` is the look-up, replaceable in tests)."""
    if settings.public_url:
        return PublicURL(settings.public_url.rstrip("/"), "--public-url")
    host = settings.host
    if is_loopback(host):
        return PublicURL(_url(host, settings.port), "this machine only (loopback)")
    if host not in WILDCARDS:
        return PublicURL(_url(host, settings.port), f"the bound address {host}")
    found = route()
    if found is None or is_loopback(found[1]):
        raise NoPublicAddress(
            f"--host {host or '(all)'} serves other machines, but this machine has no default route with an "
            "address to tell them; start with --public-url http://ADDRESS:PORT (the address students reach "
            "this machine by)")
    interface, address = found
    return PublicURL(_url(address, settings.port),
                     f"the address of {interface}, the default route's interface; --public-url to change it")
