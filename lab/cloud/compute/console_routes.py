"""The browser console's routes on the lab's own port (consoles.py says what a console URL is): the page, the
vendored browser files (xterm.js, noVNC), the serial websocket the page's terminal talks to and the VNC
websocket its noVNC screen talks to. The token in the query is the
only credential; a socket lives only as long as its token and its server."""

from __future__ import annotations

import asyncio
import contextlib

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from lab.cloud.compute import consoles, schemas
from lab.cloud.compute.service import ComputeService
from lab.cloud.drivers.base import SerialSession
from lab.cloud.errors import Unauthorized
from lab.cloud.http import service_of

SERIAL_READ_WAIT = 0.5  # seconds one read of a real serial line waits in its thread before it looks again


async def console_page(request: Request) -> Response:
    """GET /compute/console?token=...: the page a console URL opens (the token is the credential)."""
    compute = service_of(request, "compute", ComputeService)
    try:
        server, text, vnc = compute.consoles.console_page(request.query_params.get("token", ""))
    except Unauthorized as exc:
        return HTMLResponse(schemas.console_page_html(None, exc.message), status_code=401)
    return HTMLResponse(schemas.console_page_html(server, text, terminal=consoles.xterm_installed(), vnc=vnc),
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def console_static(request: Request) -> Response:
    """GET /compute/console/static/{name}: the vendored xterm.js and its stylesheet (404 when not installed)."""
    found = consoles.xterm_file(request.path_params["name"])
    if found is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    path, media_type = found
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "max-age=3600"})


async def novnc_static(request: Request) -> Response:
    """GET /compute/console/static/novnc/{path}: noVNC's ES modules, as the page's import asks for them."""
    path = consoles.novnc_file(request.path_params["path"])
    if path is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})


def _compute(websocket: WebSocket) -> ComputeService:
    compute = websocket.app.state.cloud.services["compute"]
    assert isinstance(compute, ComputeService)
    return compute


async def console_socket(websocket: WebSocket) -> None:
    """WebSocket /compute/console/ws?token=...: the serial console the page's terminal talks to. The token is
    checked when the socket opens; a refused one is closed (1008, policy violation) before it is accepted."""
    compute = _compute(websocket)
    try:
        token = websocket.query_params.get("token", "")
        _server, session, text = compute.consoles.open_serial(token)
    except Unauthorized as exc:
        await websocket.close(code=1008, reason=exc.message)
        return
    await websocket.accept()
    watcher = asyncio.create_task(_close_when_token_lapses(websocket, compute, token))
    pump = None
    try:
        if session is None:
            await websocket.send_text(text.replace("\n", "\r\n") + "\r\n[read-only: this compute driver "
                                      "offers no interactive serial console]\r\n")
        else:
            await websocket.send_text(session.greeting())
            if session.streaming:
                pump = asyncio.create_task(_relay_serial_output(websocket, session))
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            typed = message.get("text") or (message.get("bytes") or b"").decode(errors="replace")
            if session is None or not typed:
                continue
            # A real serial line's send may wait on the hypervisor: not on the event loop.
            reply = await asyncio.to_thread(session.feed, typed) if session.streaming else session.feed(typed)
            if reply and not watcher.done():
                await websocket.send_text(reply)
    finally:
        watcher.cancel()
        if pump is not None:
            pump.cancel()
        if session is not None:
            await asyncio.to_thread(session.close)


async def _relay_serial_output(websocket: WebSocket, session: SerialSession) -> None:
    """What a real serial line prints, as it comes. When the line goes (the guest stopped, a newer console
    took it over) the socket is closed normally, saying so."""
    # A send after the socket closed (token lapsed, browser gone) raises: then there is nothing left to do.
    with contextlib.suppress(Exception):
        while True:
            text = await asyncio.to_thread(session.read, SERIAL_READ_WAIT)
            if text is None:
                await websocket.send_text("\r\n[the guest's serial console was closed]\r\n")
                await websocket.close(code=1000, reason="The serial console was closed.")
                return
            if text:
                await websocket.send_text(text)


async def vnc_socket(websocket: WebSocket) -> None:
    """WebSocket /compute/console/vnc?token=...: the guest's VNC display for the page's noVNC, binary frames
    relayed both ways to the RFB server the driver names (QEMU's, on the host's loopback). A novnc token only,
    checked as the serial socket checks it; refused (1008) for a guest without a display."""
    compute = _compute(websocket)
    token = websocket.query_params.get("token", "")
    try:
        address = compute.consoles.open_vnc(token)
    except Unauthorized as exc:
        await websocket.close(code=1008, reason=exc.message)
        return
    if address is None:
        await websocket.close(code=1008, reason="This server has no VNC console here.")
        return
    try:
        reader, writer = await asyncio.open_connection(*address)
    except OSError:
        await websocket.close(code=1011, reason="The guest's VNC display does not answer.")
        return
    # noVNC asks for no subprotocol today; older ones (and websockify's clients) ask for "binary".
    offered = websocket.scope.get("subprotocols") or []
    await websocket.accept(subprotocol="binary" if "binary" in offered else None)
    tasks = [asyncio.create_task(_vnc_to_browser(websocket, reader)),
             asyncio.create_task(_browser_to_vnc(websocket, writer)),
             asyncio.create_task(_close_when_token_lapses(websocket, compute, token))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _vnc_to_browser(websocket: WebSocket, reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(Exception):  # the browser went first: nothing to tell it
        while data := await reader.read(65536):
            await websocket.send_bytes(data)
        await websocket.close(code=1000, reason="The VNC display closed.")


async def _browser_to_vnc(websocket: WebSocket, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):  # the display went first: _vnc_to_browser says so
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes") or (message.get("text") or "").encode()
            if data:
                writer.write(data)
                await writer.drain()


async def _close_when_token_lapses(websocket: WebSocket, compute: ComputeService, token: str) -> None:
    """An open console lasts only as long as its token: re-checked on the lab clock every few seconds, the
    socket is closed (1008, policy violation) once the token has expired or its server is deleted."""
    while True:
        await asyncio.sleep(consoles.TOKEN_RECHECK_SECONDS)
        try:
            compute.consoles.server_for_token(token)
        except Unauthorized as exc:
            await websocket.close(code=1008, reason=exc.message)
            return


routes = [
    Route("/console", console_page, methods=["GET"]),
    Route("/console/static/novnc/{path:path}", novnc_static, methods=["GET"]),
    Route("/console/static/{name}", console_static, methods=["GET"]),
    WebSocketRoute("/console/ws", console_socket),
    WebSocketRoute("/console/vnc", vnc_socket),
]
