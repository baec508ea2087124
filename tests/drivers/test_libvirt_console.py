"""The libvirt serial console session (StreamSerial) against a stand-in for libvirt's virStream, the one edge it
touches: what the guest writes comes out of `read` as it arrives, typed keys go to the stream, the end of the
stream ends the session, and close aborts the stream and closes the session's own connection."""

from __future__ import annotations

import queue
import threading

import pytest

from lab.cloud.drivers.libvirt_console import StreamSerial


class StreamError(Exception):
    """Stands in for libvirt.libvirtError."""


class FakeStream:
    """A blocking virStream: recv waits for what the 'guest' writes; abort makes a waiting recv fail."""

    def __init__(self) -> None:
        self.incoming: queue.Queue[bytes | None] = queue.Queue()
        self.sent: list[bytes] = []
        self.aborted = threading.Event()

    def guest_writes(self, data: bytes) -> None:
        self.incoming.put(data)

    def recv(self, nbytes: int) -> bytes:
        item = self.incoming.get()
        if item is None:
            raise StreamError("stream aborted")
        return item[:nbytes]

    def send(self, data: bytes) -> int:
        if self.aborted.is_set():
            raise StreamError("stream aborted")
        self.sent.append(data)
        return len(data)

    def abort(self) -> None:
        self.aborted.set()
        self.incoming.put(None)


class FakeConn:
    closed = 0

    def close(self) -> int:
        self.closed += 1
        return 0


def read_until(session: StreamSerial, wanted: str) -> str:
    got = ""
    for _ in range(50):  # bounded: 50 reads of up to 0.1 s
        text = session.read(0.1)
        assert text is not None, got
        got += text
        if wanted in got:
            return got
    raise AssertionError(f"{wanted!r} never came: {got!r}")


@pytest.fixture
def stream() -> FakeStream:
    return FakeStream()


def test_output_streams_and_keys_go_to_the_guest(stream: FakeStream) -> None:
    session = StreamSerial(stream, greeting="boot log\r\n/ # ")
    try:
        assert session.streaming is True
        assert session.greeting() == "boot log\r\n/ # "
        assert session.read(0.01) == ""  # nothing written yet: an empty answer, not the end
        assert session.feed("ls\r") == ""  # the echo is the guest's, through read
        assert stream.sent == [b"ls\r"]
        stream.guest_writes(b"ls\r\n")
        stream.guest_writes(b"bin  etc\r\n/ # ")
        assert read_until(session, "/ # ") == "ls\r\nbin  etc\r\n/ # "
    finally:
        session.close()


def test_utf8_cut_between_chunks_is_decoded_whole(stream: FakeStream) -> None:
    session = StreamSerial(stream)
    try:
        word = "Grüße ✓".encode()
        stream.guest_writes(word[:3])  # ends inside the two bytes of ü
        stream.guest_writes(word[3:10])  # ends inside the three bytes of ✓
        stream.guest_writes(word[10:])
        assert read_until(session, "✓") == "Grüße ✓"
    finally:
        session.close()


def test_the_end_of_the_stream_ends_the_session(stream: FakeStream) -> None:
    session = StreamSerial(stream)
    stream.guest_writes(b"Power down\r\n")
    stream.guest_writes(b"")  # libvirt's recv answers b"" when the guest's side has closed
    got = ""
    for _ in range(50):
        text = session.read(0.1)
        if text is None:
            break
        got += text
    assert got == "Power down\r\n"
    assert session.read(0.01) is None  # and stays ended
    session.close()


def test_close_aborts_the_stream_and_closes_the_own_connection(stream: FakeStream) -> None:
    conn = FakeConn()
    session = StreamSerial(stream, conn)
    session.close()
    assert stream.aborted.is_set() and conn.closed == 1
    assert session.read(1.0) is None  # the waiting receive ended with the abort
    session.close()  # idempotent
    assert conn.closed == 1
    assert session.feed("x") == "" and stream.sent == []  # nothing is sent on a closed session
