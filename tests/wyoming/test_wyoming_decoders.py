"""Wyoming streams and the recogniser's one decoder pair, with the real wyoming client over TCP.

A stream holds the decoder from audio-start to audio-stop; another stream waits for it (or is
told ``recognizer_busy``); a client that goes away or stalls mid-stream gives it back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart
from wyoming.error import Error
from wyoming.event import Event
from wyoming.ping import Ping
from wyoming_support import Client, connect, noise, stream

from confide.assistant import Assistant
from confide.vault import Vault
from confide.voice.recognizers import PocketsphinxRecognizer
from confide.wyoming import WyomingServer
from confide.wyoming import handler as wyoming_handler
from speechgen import needs_speech, synthesise

pytest.importorskip("pocketsphinx")

FORMAT = {"rate": 16000, "width": 2, "channels": 1}


@pytest.fixture
def speech() -> PocketsphinxRecognizer:
    """A recogniser of its own (its pool counts this test only); a leak fails within 20 s."""
    return PocketsphinxRecognizer(wait_timeout=20)


@pytest.fixture
def assistant(tmp_path: Path, speech: PocketsphinxRecognizer) -> Iterator[Assistant]:
    vault = Vault.open(tmp_path / "home")
    household = vault.create_household("Test Home")
    vault.add_member(household.id, "Ada", role="owner")
    yield Assistant(vault, household.id, speech=speech)
    vault.close()


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return synthesise("what time is it", tmp_path_factory.mktemp("speech"))


@asynccontextmanager
async def server_for(assistant: Assistant, warm_up: bool = False) -> AsyncIterator[WyomingServer]:
    server = WyomingServer(assistant, "127.0.0.1", 0)
    await server.start(warm_up=warm_up)
    try:
        yield server
    finally:
        await server.stop()


def opening(samples: bytes) -> list[Event]:
    """transcribe, audio-start and the chunks of ``samples``: a stream under way."""
    return [Transcribe(language="en").event(), *list(stream(samples))[:-1]]


async def hold(client: Client, samples: bytes) -> None:
    """Start a stream and wait until the server has taken every chunk (it holds the decoder)."""
    await client.send(opening(samples))
    (pong,) = await client.ask(Ping().event())
    assert pong.type == "pong"


async def until(check: object, what: str) -> None:
    """Wait for ``check()`` (a generous bound, not a timing assertion)."""
    for _ in range(3000):
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)
    raise AssertionError(what)


def text_of(answer: list[Event]) -> str:
    assert [e.type for e in answer] == ["transcript"], answer
    return str(Transcript.from_event(answer[0]).text)


def test_a_client_that_disconnects_mid_stream_gives_the_decoder_back(
    assistant: Assistant, speech: PocketsphinxRecognizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wyoming_handler, "STALL_S", 3600.0)  # the disconnect alone frees it

    async def body() -> None:
        async with server_for(assistant) as server:
            async with connect(server.port) as first:
                await hold(first, noise(1.0))
                assert (speech.pool.alive, speech.pool.idle) == (1, 0)
            # gone mid-stream: the next stream gets the decoder
            await until(lambda: speech.pool.idle == 1, "the decoder was not given back")
            async with connect(server.port) as second:
                text_of(await second.ask(Transcribe().event(), *stream(noise(1.0))))

    asyncio.run(body())
    assert speech.pool.peak == 1


@needs_speech
def test_two_streams_take_turns_with_one_decoder(
    assistant: Assistant, speech: PocketsphinxRecognizer, spoken: bytes
) -> None:
    async def body() -> None:
        async with (
            server_for(assistant) as server,
            connect(server.port) as first,
            connect(server.port) as second,
        ):
            half = len(spoken) // 2 // 2048 * 2048
            await hold(first, spoken[:half])
            await second.send([Transcribe().event(), *stream(spoken)])
            await until(lambda: speech.pool.waiting == 1, "the second stream did not wait")
            rest = list(stream(spoken[half:]))[1:]  # the chunks and audio-stop
            assert text_of(await first.ask(*rest)) == "what time is it"
            assert text_of(await second.answer()) == "what time is it"

    asyncio.run(body())
    assert (speech.pool.peak, speech.pool.waiting) == (1, 0)


def test_a_stream_that_waits_too_long_is_answered_busy(
    assistant: Assistant, speech: PocketsphinxRecognizer
) -> None:
    speech.wait_timeout = 0.1

    async def body() -> None:
        async with (
            server_for(assistant) as server,
            connect(server.port) as first,
            connect(server.port) as second,
        ):
            await hold(first, noise(1.0))
            (refused,) = await second.ask(Transcribe().event(), *stream(noise(1.0)))
            assert refused.type == "error"
            error = Error.from_event(refused)
            assert error.code == "recognizer_busy" and "try again" in error.text
            text_of(await first.ask(*list(stream(noise(0.5)))[1:]))
            # the rest of the refused stream was ignored; the connection serves the next one
            text_of(await second.ask(Transcribe().event(), *stream(noise(1.0))))

    asyncio.run(body())
    assert speech.pool.peak == 1


def test_a_stalled_stream_gives_the_decoder_back_and_is_decoded_at_its_end(
    assistant: Assistant, speech: PocketsphinxRecognizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wyoming_handler, "STALL_S", 0.2)

    async def body() -> None:
        async with (
            server_for(assistant) as server,
            connect(server.port) as first,
            connect(server.port) as second,
        ):
            await hold(first, noise(1.0))  # ...and sends nothing more for a while
            text_of(await second.ask(Transcribe().event(), *stream(noise(1.0))))
            more = AudioChunk(audio=noise(0.5), **FORMAT).event()
            text_of(await first.ask(more, *list(stream(b""))[1:]))  # chunk, audio-stop

    asyncio.run(body())
    assert speech.pool.peak == 1


def test_the_warm_up_and_a_first_stream_share_one_decoder(
    assistant: Assistant, speech: PocketsphinxRecognizer
) -> None:
    async def body() -> None:
        async with server_for(assistant, warm_up=True) as server:
            async with connect(server.port) as client:
                text_of(await client.ask(Transcribe().event(), *stream(noise(1.0))))
            await server.wait_warm()

    asyncio.run(body())
    assert speech.pool.peak == 1


def test_a_stream_in_another_format_waits_its_turn_too(
    assistant: Assistant, speech: PocketsphinxRecognizer
) -> None:
    async def body() -> None:
        async with (
            server_for(assistant) as server,
            connect(server.port) as first,
            connect(server.port) as second,
        ):
            await hold(first, noise(1.0))
            wide = AudioStart(rate=48000, width=2, channels=1).event()
            chunks = list(stream(noise(1.0, rate=48000), rate=48000))[1:]
            await second.send([wide, *chunks])  # decoded whole at its audio-stop, after first
            await until(lambda: speech.pool.waiting == 1, "the second stream did not wait")
            text_of(await first.ask(*list(stream(noise(0.5)))[1:]))
            text_of(await second.answer())

    asyncio.run(body())
    assert speech.pool.peak == 1
