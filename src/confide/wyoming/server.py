"""The Wyoming server: Confide's speech-to-text, intent handling and text-to-speech over TCP.

Home Assistant (and its voice satellites) connect to it with the Wyoming integration.
:class:`WyomingServer` listens with :class:`wyoming.server.AsyncTcpServer` in the running
asyncio loop; each connection gets a :class:`~confide.wyoming.handler.ConfideEventHandler`.

Security: the Wyoming protocol has no authentication and no encryption.  Whoever can reach
the port can run turns as the configured member (the owner by default), hear the replies and
have text spoken.  The server listens on 127.0.0.1 by default; listening on another address
exposes the assistant to that network — do it only on a network you trust, or put a
firewall in front of the port.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import random
import socket
import sys
from array import array

from wyoming.server import AsyncTcpServer

from confide.assistant import Assistant
from confide.errors import ConfideError
from confide.voice import Audio
from confide.wyoming.describe import info
from confide.wyoming.handler import ConfideEventHandler
from confide.wyoming.speak import Speaker

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "WyomingError", "WyomingServer", "run_wyoming"]

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 10300


class WyomingError(ConfideError):
    """The Wyoming server cannot start (the port is taken, the address is not local...)."""

    code = "wyoming_unavailable"
    bad_input = False


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _warm_up_audio() -> Audio:
    """One second of faint noise (pure digital silence is not what a microphone gives)."""
    rng = random.Random(0)  # noqa: S311 - test noise, not a secret
    samples = array("h", (rng.randint(-60, 60) for _ in range(16000)))
    if sys.byteorder != "little":
        samples.byteswap()
    return Audio(samples.tobytes())


class WyomingServer:
    """Confide over Wyoming on ``tcp://host:port`` (port 0 picks a free port).

    ``member`` is who speaks over Wyoming (default: the household owner).  Use it as an
    async context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        assistant: Assistant,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        member: str | None = None,
        speaker: Speaker | None = None,
    ) -> None:
        self.assistant = assistant
        self.host = host
        self.port = port
        self.member = member
        self.speaker = speaker or Speaker()
        # (the engine is named by the recogniser, "pocketsphinx" unless another was chosen)
        self._info = info(str(getattr(assistant.speech, "engine_name", "pocketsphinx")))
        self._tcp: AsyncTcpServer | None = None
        self._warming: asyncio.Task[None] | None = None
        self._intent_clients: set[str] = set()  # hosts that let Confide handle intents

    @property
    def uri(self) -> str:
        """The address clients connect to, e.g. ``tcp://127.0.0.1:10300``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"

    def _handler(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> ConfideEventHandler:
        return ConfideEventHandler(
            reader,
            writer,
            assistant=self.assistant,
            info=self._info,
            speaker=self.speaker,
            member=self.member,
            intent_clients=self._intent_clients,
        )

    async def start(self, *, warm_up: bool = True) -> None:
        """Listen (without blocking); ``warm_up`` builds the recogniser in a thread meanwhile.

        Raises :class:`WyomingError` if the address cannot be listened on, and
        ``AssistantError`` (``unknown_member``) if ``member`` is not in the household.
        """
        if self.member is not None:
            self.member = self.assistant.member(self.member).name
        if not is_loopback(self.host):
            log.warning(
                "the Wyoming server listens on %s: Wyoming has no authentication, anyone who "
                "can reach this address can use the assistant",
                self.host,
            )
        tcp = AsyncTcpServer(self.host, self.port)
        try:
            await tcp.start(self._handler)
        except OSError as err:
            raise WyomingError(
                f"cannot listen for Wyoming on {self.host}:{self.port}: "
                f"{err.strerror or type(err).__name__}"
            ) from None
        self._tcp = tcp
        # AsyncTcpServer keeps the asyncio server private; it knows the port picked for 0.
        sockets = getattr(getattr(tcp, "_server", None), "sockets", None) or ()
        ports = [
            s.getsockname()[1] for s in sockets if s.family in (socket.AF_INET, socket.AF_INET6)
        ]
        if ports:
            self.port = int(ports[0])
        log.info("Wyoming server listening on %s", self.uri)
        if warm_up:
            self._warming = asyncio.create_task(self._warm_up(), name="confide wyoming warm-up")

    async def _warm_up(self) -> None:
        """Build the speech recogniser (its grammar takes a few seconds) before the first call."""
        try:
            await asyncio.to_thread(self.assistant.transcribe, _warm_up_audio())
        except Exception as err:  # noqa: BLE001 - a failed warm-up only delays the first call
            log.warning("warming up the speech recogniser failed (%s)", type(err).__name__)
        else:
            log.info("speech recogniser ready")

    async def wait_warm(self) -> None:
        """Wait until the warm-up started by :meth:`start` is over (at once if there is none)."""
        if self._warming is not None:
            await asyncio.shield(self._warming)

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        tcp, self._tcp = self._tcp, None
        if tcp is not None:
            await tcp.stop()
            server = getattr(tcp, "_server", None)
            if isinstance(server, asyncio.AbstractServer):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(server.wait_closed(), timeout=5)
        warming, self._warming = self._warming, None
        if warming is not None and not warming.done():
            warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warming

    async def __aenter__(self) -> WyomingServer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()


async def run_wyoming(
    assistant: Assistant,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    member: str | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Serve Wyoming until cancelled; ``ready`` is set once the server listens."""
    server = WyomingServer(assistant, host, port, member=member)
    await server.start()
    try:
        if ready is not None:
            ready.set()
        await asyncio.Event().wait()
    finally:
        await server.stop()
