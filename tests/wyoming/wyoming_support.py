"""Helpers of the Wyoming tests: audio streams, a server in the test's loop, and a client
that sends events and reads the answers (the real wyoming client classes).  Speech comes
from the shared ``tests/speechgen.py``."""

from __future__ import annotations

import random
import sys
from array import array
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.info import Describe, Info

from confide.assistant import Assistant
from confide.wyoming import WyomingServer

#: Events that end the answer to a request.
FINAL = frozenset({"info", "transcript", "handled", "not-handled", "audio-stop", "error", "pong"})


def noise(seconds: float, rate: int = 16000) -> bytes:
    """Faint white noise, 16-bit mono."""
    rng = random.Random(seconds)
    samples = array("h", (rng.randint(-100, 100) for _ in range(int(seconds * rate))))
    if sys.byteorder != "little":
        samples.byteswap()
    return samples.tobytes()


def to_48k_stereo(samples_16k: bytes) -> bytes:
    """The same audio at 48 kHz stereo: each sample held for 3 frames, on both channels."""
    mono = array("h", samples_16k)
    out = array("h", (s for s in mono for _ in range(6)))
    return out.tobytes()


def stream(
    samples: bytes, rate: int = 16000, width: int = 2, channels: int = 1, chunk: int = 2048
) -> Iterator[Event]:
    """audio-start, audio-chunks of ``chunk`` bytes, audio-stop."""
    yield AudioStart(rate=rate, width=width, channels=channels).event()
    for start in range(0, len(samples), chunk):
        piece = samples[start : start + chunk]
        yield AudioChunk(rate=rate, width=width, channels=channels, audio=piece).event()
    yield AudioStop().event()


class Client:
    """A Wyoming client: send events, read the answer up to its final event."""

    def __init__(self, tcp: AsyncTcpClient) -> None:
        self.tcp = tcp

    async def send(self, events: Iterable[Event]) -> None:
        for event in events:
            await self.tcp.write_event(event)

    async def answer(self) -> list[Event]:
        """Events up to (and with) the next final one."""
        got: list[Event] = []
        while True:
            event = await self.tcp.read_event()
            assert event is not None, "the server closed the connection"
            got.append(event)
            if event.type in FINAL:
                return got

    async def ask(self, *events: Event) -> list[Event]:
        await self.send(events)
        return await self.answer()

    async def describe(self) -> Info:
        (event,) = await self.ask(Describe().event())
        assert event.type == "info", event
        return Info.from_event(event)


@asynccontextmanager
async def connect(port: int, host: str = "127.0.0.1") -> AsyncIterator[Client]:
    async with AsyncTcpClient(host, port, connect_timeout=5, read_timeout=120) as tcp:
        yield Client(tcp)


@asynccontextmanager
async def serving(assistant: Assistant, member: str | None = None) -> AsyncIterator[Client]:
    """A Wyoming server on an ephemeral port of 127.0.0.1 and one client connected to it."""
    server = WyomingServer(assistant, "127.0.0.1", 0, member=member)
    await server.start(warm_up=False)
    try:
        async with connect(server.port) as client:
            yield client
    finally:
        await server.stop()
