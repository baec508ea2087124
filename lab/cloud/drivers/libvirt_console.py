"""The interactive serial console of a libvirt guest: libvirt's console stream (`virDomainOpenConsole`) on the
guest's pty serial line, as a SerialSession the console websocket relays.

The stream is a blocking one read by a thread of the session's own: a non-blocking libvirt stream only receives
while a libvirt event loop runs, and registering one is process-wide (it would change every connection the
driver holds). Each session has its own connection too, so a receive that waits for the guest never holds up
the driver's calls. Closing aborts the stream, which ends the waiting receive.
"""

from __future__ import annotations

import codecs
import contextlib
import queue
import threading
from typing import Any

from lab.cloud.drivers.base import SerialSession

_CHUNK = 4096


class StreamSerial(SerialSession):
    """A SerialSession over a libvirt stream already opened on the guest's console. `stream` needs only what
    libvirt's virStream offers: recv(n) -> bytes (b"" at the end; raises when the stream fails), send(bytes),
    abort(). `conn` (the session's own connection, or None) is closed with the session; `greeting` is what
    the terminal shows first (the recent console log: a stream starts with what the guest prints next)."""

    streaming = True

    def __init__(self, stream: Any, conn: Any = None, greeting: str = ""):
        self._stream = stream
        self._conn = conn
        self._greeting = greeting
        self._received: queue.Queue[bytes | None] = queue.Queue()
        # Serial output is UTF-8 cut at arbitrary byte boundaries: decode across chunks.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._ended = False
        self._closed = threading.Event()
        self._send_lock = threading.Lock()
        self._reader = threading.Thread(target=self._receive, name="serial-console", daemon=True)
        self._reader.start()

    def _receive(self) -> None:
        try:
            while not self._closed.is_set():
                data = self._stream.recv(_CHUNK)
                if not isinstance(data, bytes) or not data:  # b"": the guest's side ended (-2 is not blocking)
                    break
                self._received.put(data)
        except Exception:  # noqa: BLE001 - libvirtError: the guest stopped, another console took over, close()
            pass
        finally:
            self._received.put(None)

    def greeting(self) -> str:
        return self._greeting

    def feed(self, data: str) -> str:
        """Hand the keys to the guest; its echo comes back through `read`, as on a real serial line."""
        if data and not self._closed.is_set():
            with self._send_lock, contextlib.suppress(Exception):
                self._stream.send(data.encode())
        return ""

    def read(self, timeout: float) -> str | None:
        if self._ended:
            return None
        chunks: list[bytes] = []
        try:
            item = self._received.get(timeout=timeout)
            while True:  # take everything already there, so a burst goes out as one message
                if item is None:
                    self._ended = True
                    break
                chunks.append(item)
                item = self._received.get_nowait()
        except queue.Empty:
            pass
        text = self._decoder.decode(b"".join(chunks), final=self._ended)
        return None if self._ended and not text else text

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        with contextlib.suppress(Exception):
            self._stream.abort()
        self._reader.join(timeout=2.0)
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
