"""Neutron's namespace metadata proxy (haproxy on a real cloud): one per router, inside its `qrouter-` namespace.

The router's nftables table redirects what its guests send to 169.254.169.254:80 to this proxy's port (9697,
Neutron's). It adds the two headers Neutron's adds, `X-Forwarded-For` (the guest's address, which only the
router namespace sees) and `X-Neutron-Router-ID`, and passes the request on over a Unix socket, the only way
out of the namespace, to the metadata agent in the lab's process (lab/cloud/drivers/linux.py), which asks
Nova's metadata API for that guest's documents.

It runs as a script by its path (`python -I -S metadata_proxy.py ...`), standard library only, so it starts in
milliseconds and keeps running while the lab restarts, as dnsmasq does: a request made while the lab is down gets
503, the next one its answer."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

MAX_HEAD = 16384  # a GET from cloud-init or wget is a few hundred bytes
STRIPPED = (b"x-forwarded-for:", b"x-neutron-", b"x-instance-", b"connection:")
UNAVAILABLE = b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, router_id: str, socket: str) -> None:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
        writer.close()
        return
    peer = writer.get_extra_info("peername")[0]
    lines = head.split(b"\r\n")
    # A guest cannot claim another's identity: whatever it sent in these headers is dropped, then set here.
    kept = [line for line in lines[1:] if line and not line.lower().startswith(STRIPPED)]
    request = b"\r\n".join([lines[0], *kept, b"X-Forwarded-For: " + peer.encode(),
                            b"X-Neutron-Router-ID: " + router_id.encode(), b"Connection: close", b"", b""])
    try:
        up_reader, up_writer = await asyncio.wait_for(asyncio.open_unix_connection(socket), 5)
    except (TimeoutError, OSError):
        writer.write(UNAVAILABLE)
        await writer.drain()
        writer.close()
        return
    try:
        up_writer.write(request)
        await up_writer.drain()
        while chunk := await asyncio.wait_for(up_reader.read(65536), 30):
            writer.write(chunk)
            await writer.drain()
    except (TimeoutError, OSError):
        pass
    finally:
        up_writer.close()
        writer.close()


async def serve(router_id: str, socket: str, port: int) -> None:
    server = await asyncio.start_server(lambda r, w: relay(r, w, router_id, socket), "0.0.0.0", port,
                                        limit=MAX_HEAD)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--router-id", required=True)
    parser.add_argument("--socket", required=True, help="the metadata agent's Unix socket")
    parser.add_argument("--port", type=int, default=9697)
    parser.add_argument("--pid-file", required=True)
    args = parser.parse_args()
    Path(args.pid_file).write_text(f"{os.getpid()}\n")
    # A Unix socket's path has at most 107 bytes; a lab's data directory can be deeper than that.
    os.chdir(os.path.dirname(args.socket) or ".")
    asyncio.run(serve(args.router_id, os.path.basename(args.socket), args.port))


if __name__ == "__main__":
    main()
