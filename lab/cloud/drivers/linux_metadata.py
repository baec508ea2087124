"""Neutron's metadata agent for the linux network driver: an HTTP server on the Unix socket the routers'
namespace proxies reach (lab/cloud/drivers/metadata_proxy.py), run as a thread of the lab's own process so that
it can ask Nova's metadata API (`NetworkDriver.metadata`, set by the cloud) directly.

A request arrives with the proxy's `X-Forwarded-For` (the guest's address) and `X-Neutron-Router-ID`; the agent
finds the subnet behind one of that router's interfaces holding the address (`LinuxNetworkDriver.subnet_of`),
which tells apart two projects' guests with the same 10.0.0.x, and answers what the metadata API says."""

from __future__ import annotations

import contextlib
import http.server
import logging
import os
import socket
import socketserver
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab.cloud.drivers.base import DriverError

if TYPE_CHECKING:
    from lab.cloud.drivers.linux import LinuxNetworkDriver

log = logging.getLogger(__name__)


class MetadataAgent:
    """Neutron's metadata agent: an HTTP server on the Unix socket the routers' proxies reach, in the lab's own
    process so that it can ask Nova's metadata API directly. The socket is root's alone (0600): only the
    proxies, which set the guest's address themselves, can reach it."""

    def __init__(self, driver: LinuxNetworkDriver):
        path = driver.metadata_socket
        if _answers(path):
            raise DriverError(f"another lab on this data directory serves its metadata socket {path}")
        path.unlink(missing_ok=True)  # left by a lab that was killed
        self.path = path
        self.server = _UnixHTTPServer(path, _MetadataRequest)
        self.server.driver = driver
        path.chmod(0o600)
        self.inode = path.stat().st_ino
        self.thread = threading.Thread(target=self.server.serve_forever, name="metadata-agent", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        with contextlib.suppress(OSError):
            if self.path.stat().st_ino == self.inode:  # not a socket a later lab made in its place
                self.path.unlink()


def _answers(path: Path) -> bool:
    """Whether a process listens on the Unix socket `path` (a live lab's agent, not a stale file)."""
    if not path.exists():
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        probe.settimeout(1)
        probe.connect(f"/proc/self/fd/{dir_fd}/{path.name}")
        return True
    except OSError:
        return False
    finally:
        probe.close()
        os.close(dir_fd)


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    driver: LinuxNetworkDriver

    def __init__(self, path: Path, handler: type[http.server.BaseHTTPRequestHandler]):
        # A Unix socket's path has at most 107 bytes: bind through the directory's descriptor when deeper.
        self._dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        super().__init__(f"/proc/self/fd/{self._dir_fd}/{path.name}", handler, bind_and_activate=False)
        try:
            self.server_bind()
            self.server_activate()
        except OSError:
            self.server_close()
            raise

    def server_close(self) -> None:
        super().server_close()
        with contextlib.suppress(OSError):
            os.close(self._dir_fd)

    def get_request(self) -> tuple[socket.socket, Any]:
        request, _ = self.socket.accept()
        return request, ("metadata-proxy", 0)  # http.server logs the client address as a pair


class _MetadataRequest(http.server.BaseHTTPRequestHandler):
    server: _UnixHTTPServer
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        driver = self.server.driver
        address = self.headers.get("X-Forwarded-For", "")
        router_id = self.headers.get("X-Neutron-Router-ID", "")
        subnet_id = driver.subnet_of(router_id, address)
        status, ctype, body = 404, "text/plain; charset=UTF-8", b"404 Not Found\n"
        if subnet_id is not None and driver.metadata is not None:
            try:
                status, ctype, body = driver.metadata(address, subnet_id, self.path)
            except Exception:  # the guest gets Nova's 500; the lab's log says why
                log.exception("metadata request %s from %s failed", self.path, address)
                status, ctype, body = 500, "text/plain; charset=UTF-8", b"500 Internal Server Error\n"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        log.debug("metadata: " + format, *args)
