"""Remote consoles (os-getVNCConsole, os-getSerialConsole; `openstack console url show`): a URL on the lab's own
port, `/compute/console?token=...`, that opens a page showing the server's console. The token is random, kept
only as a digest, bound to the one server and valid for CONSOLE_TOKEN_TTL seconds of lab time (Nova's
console_token_ttl default); the page answers 401 for an unknown or expired token, and for a server that is gone.

The page is a terminal (xterm.js, vendored by scripts/setup.sh and served by the lab from /compute/console/static)
connected to the websocket `/compute/console/ws?token=...` on the same port, authenticated by the same token
(checked when the socket opens; a refused socket is closed with code 1008 before it is accepted, so the
handshake is answered 403). Through it the driver's `open_serial` speaks: the fake driver's simulated getty
(boot log, login prompt, echo); the libvirt driver's real serial line (libvirt's console stream on the guest's
pty, relayed both ways as it comes); a driver or guest that offers no interactive session (libvirt's test
driver) shows the console text read-only. Without the vendored xterm.js the page falls back to the plain text,
refreshed every few seconds.

A novnc token of a guest with a VNC display (libvirt: QEMU's, on the host's loopback) opens noVNC's screen
instead (vendored beside xterm.js, its ES modules served from /compute/console/static/novnc/), on the websocket
`/compute/console/vnc?token=...`, which relays binary frames to that display's TCP port. The fake driver has no
display, so its novnc page stays the simulated serial terminal, as does any page when noVNC is not vendored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select

from lab.cloud.compute.common import ACTIVE, PAUSED, RESCUED, STOPPED, ComputePart
from lab.cloud.compute.models import ConsoleToken, Server
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import GuestNotFound, SerialSession
from lab.cloud.errors import BadRequest, Conflict, Unauthorized

# xterm.js as scripts/setup.sh vendors it (vendor/package.json at the repository's root); the files served.
XTERM_DIR = Path(__file__).resolve().parents[3] / "vendor" / "node_modules" / "@xterm" / "xterm"
XTERM_FILES = {"xterm.js": ("lib/xterm.js", "text/javascript"), "xterm.css": ("css/xterm.css", "text/css")}


def xterm_file(name: str) -> tuple[Path, str] | None:
    """A vendored xterm.js file and its media type, or None when it is not one of them or not installed."""
    if name not in XTERM_FILES:
        return None
    relative, media_type = XTERM_FILES[name]
    path = XTERM_DIR / relative
    return (path, media_type) if path.is_file() else None


def xterm_installed() -> bool:
    return all(xterm_file(name) is not None for name in XTERM_FILES)


# noVNC as scripts/setup.sh vendors it: its RFB client is ES modules (core/, and the pako it imports under
# vendor/), which the browser imports one by one from /compute/console/static/novnc/.
NOVNC_DIR = XTERM_DIR.parents[1] / "@novnc" / "novnc"
NOVNC_TREES = ("core", "vendor")


def novnc_file(relative: str) -> Path | None:
    """A vendored noVNC module (a .js file under core/ or vendor/), or None: any other path, or not installed."""
    parts = relative.split("/")
    if parts[0] not in NOVNC_TREES or not relative.endswith(".js") or any(p in ("", ".", "..") for p in parts):
        return None
    path = NOVNC_DIR.joinpath(*parts)
    return path if path.is_file() and path.resolve().is_relative_to(NOVNC_DIR.resolve()) else None


def novnc_installed() -> bool:
    return novnc_file("core/rfb.js") is not None


CONSOLE_TOKEN_TTL = 600  # seconds (Nova's [consoleauth] token_ttl)
TOKEN_RECHECK_SECONDS = 2.0  # wall seconds between re-checks of an open console socket's token (lab clock)
# What each console action offers here: action -> the types it accepts.
CONSOLE_TYPES = {"os-getVNCConsole": ("novnc",), "os-getSerialConsole": ("serial",)}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Consoles(ComputePart):
    def get_console_url(self, ctx: RequestContext, server_id: str, action: str, console_type: str) -> str:
        """A fresh console URL for the server (Nova's 400 for a type not offered, 409 for a server that is
        not running)."""
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-remote-consoles", server.project_id)
            if console_type not in CONSOLE_TYPES.get(action, ()):
                raise BadRequest(f"Unavailable console type {console_type}.")
            if server.vm_state not in (ACTIVE, PAUSED, STOPPED, RESCUED) or server.task_state is not None:
                raise Conflict(f"Instance {server_id} is not ready")
            token = secrets.token_urlsafe(24)
            now = self.cloud.clock.now()
            db.execute(delete(ConsoleToken).where(ConsoleToken.expires_at < now))
            db.add(ConsoleToken(token_hash=_digest(token), server_id=server_id, console_type=console_type,
                                expires_at=now + timedelta(seconds=CONSOLE_TOKEN_TTL)))
        return f"{self.cloud.settings.endpoint}/compute/console?token={token}"

    def server_for_token(self, token: str) -> Server:
        """The live server a valid token is bound to. Raises Unauthorized for an unknown or expired token
        and for a server that is gone."""
        return self._redeem(token)[0]

    def _redeem(self, token: str) -> tuple[Server, str]:
        """The token's live server and console type (novnc, serial). Raises Unauthorized."""
        with self.cloud.db.read() as db:
            found = db.scalar(select(ConsoleToken).where(ConsoleToken.token_hash == _digest(token)))
            if found is None or found.expires_at < self.cloud.clock.now():
                raise Unauthorized("The console token is invalid or has expired.")
            server = db.scalar(select(Server).where(Server.id == found.server_id, Server.deleted.is_(False)))
            console_type = found.console_type
        if server is None:
            raise Unauthorized("The console token is invalid or has expired.")
        return server, console_type

    def console_page(self, token: str) -> tuple[Server, str, bool]:
        """The server a valid token is bound to, its console text, and whether the page is noVNC's screen (a
        novnc token, noVNC vendored and a guest with a VNC display; else the serial terminal). Raises
        Unauthorized otherwise."""
        server, console_type = self._redeem(token)
        try:
            text = self.driver.console_output(server.id)
            vnc = console_type == "novnc" and novnc_installed() and self.driver.vnc_address(server.id) is not None
        except GuestNotFound:
            text, vnc = "(the guest has no console now)\n", False
        return server, text, vnc

    def open_vnc(self, token: str) -> tuple[str, int] | None:
        """For the VNC websocket: the (host, port) of the guest's VNC display, None when it has none (the fake
        driver). Only a novnc token opens it (a token is for one console type, as in Nova). Raises
        Unauthorized."""
        server, console_type = self._redeem(token)
        if console_type != "novnc":
            raise Unauthorized("The console token is not for a VNC console.")
        try:
            return self.driver.vnc_address(server.id)
        except GuestNotFound:
            return None

    def open_serial(self, token: str) -> tuple[Server, SerialSession | None, str]:
        """For the console websocket: the token's server, the driver's interactive serial session (None
        when the driver offers none) and the console text to show instead. Raises Unauthorized."""
        server = self.server_for_token(token)
        try:
            session = self.driver.open_serial(server.id)
            text = "" if session is not None else self.driver.console_output(server.id)
        except GuestNotFound:
            return server, None, "(the guest has no console now)\n"
        return server, session, text
