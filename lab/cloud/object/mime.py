"""A streaming reader of a multipart/form-data body (what a browser's upload form sends, for formpost.py): the
parts one at a time, each part's data as chunks, so a file field is never held in memory. Read as Swift's
iter_multipart_mime_documents reads it: the body must open with the boundary (else MimeInvalid, Swift's 400
"invalid starting boundary"), and a body cut short ends its last part."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

MAX_HEADERS = 8192  # bytes of one part's header block
_PARAM = re.compile(r';\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))')


class MimeInvalid(Exception):
    """The body does not start with the boundary, or a part's headers never end."""


def parse_disposition(value: str) -> tuple[str, dict[str, str]]:
    """`form-data; name="file1"; filename="a.txt"` -> ("form-data", {"name": "file1", "filename": "a.txt"})."""
    kind, _, rest = value.partition(";")
    params = {m[1].lower(): (m[2].replace('\\"', '"') if m[2] is not None else m[3].strip())
              for m in _PARAM.finditer(";" + rest)}
    return kind.strip().lower(), params


class _Buffer:
    def __init__(self, stream: AsyncIterator[bytes]):
        self.stream = stream.__aiter__()
        self.data = b""
        self.eof = False

    async def fill(self) -> bool:
        """Append the next chunk; False at the end of the body."""
        if self.eof:
            return False
        try:
            chunk = await self.stream.__anext__()
        except StopAsyncIteration:
            self.eof = True
            return False
        self.data += chunk
        return True


@dataclass
class Part:
    """One part: its headers (lower-case names) and its data, to be read once."""

    headers: dict[str, str]
    _buffer: _Buffer
    _separator: bytes
    done: bool = field(default=False)

    async def chunks(self) -> AsyncIterator[bytes]:
        buf, sep = self._buffer, self._separator
        while not self.done:
            cut = buf.data.find(sep)
            if cut >= 0:
                data, buf.data = buf.data[:cut], buf.data[cut + len(sep):]
                self.done = True
                if data:
                    yield data
                return
            keep = len(sep) - 1  # a separator may be split across two chunks
            if len(buf.data) > keep:
                data, buf.data = buf.data[:-keep], buf.data[-keep:]
                yield data
            if not await buf.fill():
                data, buf.data = buf.data, b""
                self.done = True
                if data:
                    yield data

    async def read(self, limit: int) -> bytes:
        """Up to `limit` bytes of the part's data (the rest is read and dropped, as Swift does)."""
        out = b""
        async for chunk in self.chunks():
            if len(out) < limit:
                out += chunk[:limit - len(out)]
        return out

    async def drain(self) -> None:
        async for _ in self.chunks():
            pass


async def parts(stream: AsyncIterator[bytes], boundary: str) -> AsyncIterator[Part]:
    """The parts of a multipart body, in order; a part must be read (or is drained) before the next comes."""
    buf = _Buffer(stream)
    opening = b"--" + boundary.encode("latin-1")
    while len(buf.data) < len(opening) and await buf.fill():
        pass
    if not buf.data.startswith(opening):
        raise MimeInvalid("invalid starting boundary")
    buf.data = buf.data[len(opening):]
    separator = b"\r\n" + opening
    while True:
        while len(buf.data) < 2 and await buf.fill():
            pass
        if buf.data.startswith(b"--") or (buf.eof and not buf.data.strip()):
            return  # the closing boundary
        line_end = buf.data.find(b"\r\n")
        head_end = buf.data.find(b"\r\n\r\n", max(line_end, 0))
        while (line_end < 0 or head_end < 0) and await buf.fill():
            if len(buf.data) > MAX_HEADERS:
                raise MimeInvalid("headers too long")
            line_end = buf.data.find(b"\r\n")
            head_end = buf.data.find(b"\r\n\r\n", max(line_end, 0))
        if line_end < 0 or head_end < 0:
            return  # cut short before a part's data
        block = buf.data[line_end + 2:head_end].decode("utf-8", "replace")
        buf.data = buf.data[head_end + 4:]
        headers = {}
        for line in block.split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        part = Part(headers, buf, separator)
        yield part
        await part.drain()
        if buf.eof and not buf.data:
            return
