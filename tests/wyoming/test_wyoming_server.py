"""The Wyoming server with the real wyoming client over TCP, a real Assistant and vault."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from array import array
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.ping import Ping
from wyoming.tts import Synthesize, SynthesizeVoice
from wyoming_support import connect, noise, serving, stream, to_48k_stereo

from confide import __version__
from confide.assistant import NOT_UNDERSTOOD, Assistant, AssistantError
from confide.language.models import HouseholdLists
from confide.vault import Vault, history
from confide.voice import decode_raw
from confide.voice.recognizers import Transcript as Heard
from confide.voice.tts import SpeechSynthesizer
from confide.wyoming import VOICES, WyomingError, WyomingServer
from speechgen import needs_speech, synthesise


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coro)


def expected_transcript(assistant: Assistant, samples: bytes, rate: int, channels: int) -> str:
    """What the Wyoming answer must say: the assistant's own transcript of the same bytes."""
    heard = assistant.transcribe(decode_raw(samples, rate, 2, channels))
    return "" if heard.rejected else heard.text


# -- describe --------------------------------------------------------------------------------
def test_describe_announces_asr_handle_and_tts(assistant: Assistant) -> None:
    async def body() -> None:
        async with serving(assistant) as client:
            info = await client.describe()
            (asr,) = info.asr
            assert asr.name == "confide" and asr.installed and asr.version == __version__
            (model,) = asr.models
            assert model.name == "confide-grammar"
            assert model.languages == ["en"] and model.installed
            assert model.attribution.name and model.version == __version__
            (handle,) = info.handle
            assert handle.installed and [m.languages for m in handle.models] == [["en"]]
            (tts,) = info.tts
            assert tts.installed
            assert [v.name for v in tts.voices] == ["en-us", "en-us+f3", "en-gb"]
            assert all(v.installed and "en" in v.languages for v in tts.voices)
            assert info.wake == [] and info.intent == []

    run(body())


def test_every_announced_voice_speaks() -> None:
    for voice in VOICES:
        speech = SpeechSynthesizer(voice.name).synthesize("hello")
        assert len(speech.samples) > speech.rate * 2 * 0.2, voice.name


# -- speech-to-text --------------------------------------------------------------------------
@needs_speech
def test_spoken_commands_are_transcribed_and_nothing_is_stored(
    assistant: Assistant, vault: Vault, tmp_path: Path
) -> None:
    commands = {
        c: synthesise(c, tmp_path) for c in ("what time is it", "set a timer for ten minutes")
    }
    wide = to_48k_stereo(commands["what time is it"])

    expected: dict[str, str] = {}

    async def body() -> None:
        async with serving(assistant) as client:
            # The expected text is computed just before each stream: the recogniser carries
            # the microphone's cepstral mean from one utterance to the next.
            for command, raw in commands.items():
                expected[command] = expected_transcript(assistant, raw, 16000, 1)
                answer = await client.ask(Transcribe(language="en").event(), *stream(raw))
                assert [e.type for e in answer] == ["transcript"], answer
                assert Transcript.from_event(answer[0]).text == expected[command]
            # another format, and without the optional transcribe event
            expected["wide"] = expected_transcript(assistant, wide, 48000, 2)
            answer = await client.ask(*stream(wide, rate=48000, channels=2, chunk=6000))
            assert Transcript.from_event(answer[0]).text == expected["wide"]

    run(body())
    # the recogniser is the voice part's business; this one it gets right
    assert expected["what time is it"] == "what time is it"
    assert expected["wide"] == "what time is it"
    assert history(vault, assistant.household_id) == []  # transcription stores nothing


class _HeldRecognizer:
    """A speech engine that waits until the test lets it answer."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def transcribe(self, samples: bytes, lists: HouseholdLists | None = None) -> Heard:
        self.entered.set()
        assert self.release.wait(30)
        return Heard(text="what time is it", confidence=0.0, rejected=False)


def test_a_transcription_does_not_block_other_connections(vault: Vault, household: Any) -> None:
    held = _HeldRecognizer()
    assistant = Assistant(vault, household.id, speech=held)

    async def body() -> None:
        server = WyomingServer(assistant, "127.0.0.1", 0)
        await server.start(warm_up=False)
        try:
            async with connect(server.port) as first, connect(server.port) as second:
                await first.send(stream(noise(1.0)))
                assert await asyncio.to_thread(held.entered.wait, 30)
                # the first connection's transcription is still running in its thread
                info = await second.describe()
                assert info.asr
                held.release.set()
                (answer,) = await first.answer()
                assert Transcript.from_event(answer).text == "what time is it"
        finally:
            held.release.set()
            await server.stop()

    run(body())


# -- intent handling -------------------------------------------------------------------------
def test_transcripts_are_handled_and_stored_as_turns(
    assistant: Assistant, vault: Vault, household: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async def body() -> None:
        async with serving(assistant) as client:
            context = {"conversation_id": "c1"}
            (done,) = await client.ask(Transcript(text="what time is it", context=context).event())
            assert done.type == "handled"
            handled = Handled.from_event(done)
            assert handled.text and handled.text != NOT_UNDERSTOOD
            assert handled.context == context
            (missed,) = await client.ask(Transcript(text="play some jazz").event())
            assert missed.type == "not-handled"
            assert NotHandled.from_event(missed).text == NOT_UNDERSTOOD
            for bad in ("", "   ", "x" * 2000):
                (refused,) = await client.ask(Transcript(text=bad).event())
                assert refused.type == "not-handled"
                assert NotHandled.from_event(refused).text == NOT_UNDERSTOOD

    run(body())
    turns = history(vault, household.id)
    assert len(turns) == 2  # the two real requests; the empty and oversized ones store nothing
    assert {t.member_id for t in turns} == {household.owner.id}
    logged = caplog.text
    assert "what time is it" not in logged and "jazz" not in logged
    assert "turn_" in logged  # ids are logged


def test_the_configured_member_speaks(assistant: Assistant, vault: Vault, household: Any) -> None:
    async def body() -> None:
        async with serving(assistant, member="ben") as client:
            (done,) = await client.ask(Transcript(text="what time is it").event())
            assert done.type == "handled"

    run(body())
    (turn,) = history(vault, household.id)
    assert turn.member_id == household.adult.id


def test_an_unknown_member_stops_the_server_from_starting(assistant: Assistant) -> None:
    async def body() -> None:
        with pytest.raises(AssistantError) as caught:
            await WyomingServer(assistant, "127.0.0.1", 0, member="Nobody").start()
        assert caught.value.code == "unknown_member"

    run(body())


def test_a_taken_port_is_a_clear_error(assistant: Assistant) -> None:
    async def body() -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            with pytest.raises(
                WyomingError, match=f"cannot listen for Wyoming on 127.0.0.1:{port}"
            ):
                await WyomingServer(assistant, "127.0.0.1", port).start(warm_up=False)

    run(body())


# -- text-to-speech --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "voice",
    [
        None,
        SynthesizeVoice(name="en-gb"),
        SynthesizeVoice(name="en-us+f3"),
        SynthesizeVoice(language="en-GB"),
    ],
)
def test_synthesize_streams_audio(
    assistant: Assistant, voice: SynthesizeVoice | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    text = "Your timer for ten minutes is set."

    async def body() -> list[Event]:
        async with serving(assistant) as client:
            return await client.ask(Synthesize(text=text, voice=voice).event())

    events = asyncio.run(body())
    start, *chunks, stop = events
    assert (start.type, stop.type) == ("audio-start", "audio-stop")
    begin = AudioStart.from_event(start)
    assert (begin.width, begin.channels) == (2, 1) and 8000 <= begin.rate <= 48000
    pieces = [AudioChunk.from_event(c) for c in chunks]
    assert pieces and all(c.type == "audio-chunk" for c in chunks)
    assert all((p.rate, p.width, p.channels) == (begin.rate, 2, 1) for p in pieces)
    assert all(len(p.audio) <= 2048 for p in pieces)
    assert all(len(p.audio) == 2048 for p in pieces[:-1])
    samples = b"".join(p.audio for p in pieces)
    audio = decode_raw(samples, begin.rate, 2, 1)  # valid PCM
    assert 1.0 < audio.duration_s < 6.0  # about 2 s at 165 words per minute
    assert max(abs(s) for s in array("h", audio.samples)) > 1000  # not silence
    assert text not in caplog.text and "timer" not in caplog.text


# -- errors ----------------------------------------------------------------------------------
def _error(events: list[Event]) -> Error:
    assert [e.type for e in events] == ["error"], events
    return Error.from_event(events[0])


def test_bad_requests_answer_an_error_and_the_connection_goes_on(assistant: Assistant) -> None:
    async def body() -> None:
        async with serving(assistant) as client:
            # 8-bit audio: refused at audio-start; its chunks and stop get no second answer
            err = _error(await client.ask(Transcribe().event(), *stream(noise(0.5), width=1)))
            assert err.code == "audio_unsupported"
            assert (await client.describe()).asr

            # more than 30 s: refused at the chunk that goes past, the rest is ignored
            events = list(stream(noise(31.0), chunk=16000 * 2))
            assert _error(await client.ask(*events[:-1])).code == "audio_too_long"
            await client.send(events[-1:])
            assert (await client.describe()).asr

            # a chunk before any audio-start
            lonely = AudioChunk(rate=16000, width=2, channels=1, audio=noise(0.1))
            assert _error(await client.ask(lonely.event())).code == "audio_not_started"
            await client.send([lonely.event(), AudioStop().event()])
            assert (await client.describe()).asr

            # an audio-stop alone, a stream without audio, a chunk in another format
            assert _error(await client.ask(AudioStop().event())).code == "audio_not_started"
            empty = [AudioStart(16000, 2, 1).event(), AudioStop().event()]
            assert _error(await client.ask(*empty)).code == "audio_empty"
            other = AudioChunk(rate=22050, width=2, channels=1, audio=noise(0.1))
            changed = [AudioStart(16000, 2, 1).event(), other.event()]
            assert _error(await client.ask(*changed)).code == "audio_format_changed"
            await client.send([AudioStop().event()])

            # an unknown voice
            unknown = Synthesize(text="hello", voice=SynthesizeVoice(name="xx-nope")).event()
            err = _error(await client.ask(unknown))
            assert err.code == "tts_unknown_voice" and "en-us" in err.text
            silent = Synthesize(text="", voice=SynthesizeVoice(name="en-us")).event()
            assert (_error(await client.ask(silent)).code or "").startswith("tts_")

            # malformed events, and one of a type nobody knows (ignored)
            bad_start = Event(type="audio-start", data={"width": 2, "channels": 1})
            assert _error(await client.ask(bad_start)).code == "bad_event"
            assert _error(await client.ask(Event(type="transcript", data={"text": 7}))).code == (
                "bad_event"
            )
            await client.send([Event(type="no-such-event", data={"x": 1})])
            (pong,) = await client.ask(Ping(text="p").event())
            assert pong.type == "pong" and pong.data.get("text") == "p"
            assert (await client.describe()).asr

    run(body())
