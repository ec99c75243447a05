"""One Wyoming connection: describe, speech-to-text, intent handling and text-to-speech.

Events are handled one at a time, in the order they arrive; slow work (decoding,
recognition, a turn, synthesis) runs in a worker thread so other connections are served
meanwhile.  Every request gets exactly one answer:

============================================  ============================================
request                                       answer
============================================  ============================================
``describe``                                  ``info``
``ping``                                      ``pong``
[``transcribe``] ``audio-start``,             ``transcript`` (``text`` is ``""`` when the
``audio-chunk``..., ``audio-stop``            recogniser rejected what it heard; see
                                              *read-backs* below)
``transcript`` (text to act on)               ``handled`` or ``not-handled`` with the reply
``synthesize``                                ``audio-start``, ``audio-chunk``...,
                                              ``audio-stop``
============================================  ============================================

Anything wrong (bad audio, an unknown voice, a malformed event, an internal failure) is
answered with an ``error`` event (``text`` and a stable ``code``); the connection stays open.
An audio stream that fails (a format Confide does not accept, a chunk in another format, more
than 30 s) is answered at once and the rest of it, up to its ``audio-stop``, is ignored.
Unknown event types are ignored, as the protocol asks.

The speech recogniser has one decoder (by default) for every connection and the HTTP API: a
16 kHz mono stream holds it from ``audio-start`` to ``audio-stop``, and a stream or request
that comes meanwhile waits its turn (without holding a thread).  One that waits longer than
the recogniser allows is answered ``error`` with code ``recognizer_busy`` (try again) and
the rest of its stream is ignored.  A client that disconnects mid-stream gives the decoder
back at once; one that stops sending (no chunk for :data:`STALL_S`, or a stream longer than
:data:`LIVE_MAX_S`) gives it back too, and its audio is decoded whole at its ``audio-stop``.

Read-backs: a transcript the recogniser rejected but marked *tentative* (sure enough to ask
about, :mod:`confide.confirmation`) is sent back with its text only to a client that lets
Confide handle intents — one whose host has sent a ``transcript`` to be handled to this
server — and is then read back ("I heard: ... Shall I do that?") instead of acted on when it
comes to be handled; the speaker's next "yes" acts.  Any other client gets ``""`` for it, so
that no other conversation agent acts on what Confide was not sure of.

Privacy: audio received for speech-to-text is held in memory until it is transcribed and
never stored — nothing is written when a ``transcript`` is sent back.  A turn is stored (in
the vault, encrypted, with its lineage) when a ``transcript`` is sent to be handled, exactly
as for ``confide ask``.  The text of requests, transcripts, replies and synthesised speech
never appears in logs or error messages.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, Eventable
from wyoming.handle import Handled, NotHandled
from wyoming.info import Info
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler
from wyoming.tts import Synthesize, SynthesizeTextFormat

from confide.assistant import NOT_UNDERSTOOD, Assistant, AssistantError
from confide.errors import ConfideError
from confide.voice import MAX_DURATION_S, VoiceError
from confide.voice.live import StallTimer
from confide.voice.recognizers import (
    LiveRecognition,
    PocketsphinxRecognizer,
    RecognitionError,
    RecognizerBusyError,
)
from confide.voice.recognizers import Transcript as Heard
from confide.wyoming.describe import VOICES, voice_for
from confide.wyoming.speak import Speaker, chunks
from confide.wyoming.stream import AudioStream

#: The stream format decoded while it arrives (rate, width, channels).
LIVE_FORMAT = (16000, 2, 1)
#: A stream decoded while it arrives gives its decoder back when no chunk came for this long
#: (seconds), or when it has lasted this long; it is then decoded whole at its audio-stop.
STALL_S = 2.0
LIVE_MAX_S = MAX_DURATION_S + 5.0

__all__ = ["AUDIO_NOT_STARTED", "BAD_EVENT", "INTERNAL_ERROR", "ConfideEventHandler"]

log = logging.getLogger(__name__)

BAD_EVENT = "bad_event"
AUDIO_NOT_STARTED = "audio_not_started"
INTERNAL_ERROR = "internal_error"
TTS_UNKNOWN_VOICE = "tts_unknown_voice"
TTS_UNSUPPORTED_FORMAT = "tts_unsupported_format"
#: Refusals of the text itself: answered "not handled" with the usual apology.
_BAD_TEXT = frozenset({"empty_text", "text_too_long", "bad_text"})


class _ClientGoneError(Exception):
    """The client closed the connection while we were answering."""


def _kind(event: Event) -> str:
    """The event type, safe to log (it comes from the client)."""
    kind = str(event.type)[:40]
    return kind if kind.replace("-", "").replace("_", "").isalnum() else "(unprintable)"


class ConfideEventHandler(AsyncEventHandler):
    """Serves one connection for an :class:`~confide.assistant.Assistant`.

    ``member`` is who speaks over Wyoming (``None``: the household owner); ``info`` is the
    ``info`` event sent for ``describe``; ``speaker`` synthesises speech (shared by every
    connection of a server).
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        assistant: Assistant,
        info: Info,
        speaker: Speaker,
        member: str | None = None,
        intent_clients: set[str] | None = None,
    ) -> None:
        super().__init__(reader, writer)
        self.assistant = assistant
        self.member = member
        # hosts that let Confide handle intents (shared by the server's connections)
        self._intent_clients = intent_clients if intent_clients is not None else set()
        peer = writer.get_extra_info("peername")
        self._peer = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        self._info = info.event()
        self._speaker = speaker
        self._stream: AudioStream | None = None
        self._live: LiveRecognition | None = None  # decoding as the audio arrives
        self._stall = StallTimer(self._stalled, STALL_S, LIVE_MAX_S)
        self._discarding = False  # the rest of a failed stream is ignored up to audio-stop
        self._routes: dict[str, Callable[[Event], Awaitable[None]]] = {
            "describe": self._describe,
            "ping": self._ping,
            "transcribe": self._transcribe,
            "audio-start": self._audio_start,
            "audio-chunk": self._audio_chunk,
            "audio-stop": self._audio_stop,
            "transcript": self._handle,
            "synthesize": self._synthesize,
        }

    # -- the loop ------------------------------------------------------------------------
    async def disconnect(self) -> None:
        """The connection is over: a stream under way gives its decoder back."""
        self._reset()

    async def handle_event(self, event: Event) -> bool:
        """Answer one event; ``False`` (disconnect) only when the client has gone."""
        route = self._routes.get(event.type)
        if route is None:
            log.debug("wyoming: ignored an event of type %s", _kind(event))
            return True
        try:
            await route(event)
        except _ClientGoneError:
            return False
        except ConfideError as err:
            log.info("wyoming: %s refused (%s)", _kind(event), err.code)
            return await self._answer_error(err.message, err.code)
        except Exception as err:  # noqa: BLE001 - one bad request must not end the connection
            log.error("wyoming: %s failed (%s)", _kind(event), type(err).__name__)
            return await self._answer_error(
                "Confide failed to answer; see its log.", INTERNAL_ERROR
            )
        return True

    async def _answer_error(self, text: str, code: str) -> bool:
        try:
            await self._send(Error(text=text, code=code))
        except _ClientGoneError:
            return False
        return True

    async def _send(self, message: Eventable) -> None:
        await self._send_event(message.event())

    async def _send_event(self, event: Event) -> None:
        try:
            await self.write_event(event)
        except ConnectionError as err:
            raise _ClientGoneError from err

    @staticmethod
    def _parse(kind: type[Any], event: Event) -> Any:
        """``kind.from_event(event)``, or ``bad_event`` if its data are malformed."""
        try:
            return kind.from_event(event)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ConfideError(
                f"the {_kind(event)} event is malformed ({type(err).__name__})", code=BAD_EVENT
            ) from None

    # -- describe, ping -------------------------------------------------------------------
    async def _describe(self, _event: Event) -> None:
        await self._send_event(self._info)

    async def _ping(self, event: Event) -> None:
        ping: Ping = self._parse(Ping, event)
        await self._send(Pong(text=ping.text))

    # -- speech-to-text -------------------------------------------------------------------
    async def _transcribe(self, event: Event) -> None:
        # The model and language are not used: Confide has one model, in English (see info).
        self._parse(Transcribe, event)
        self._reset()

    def _reset(self, discarding: bool = False) -> None:
        """Forget the stream under way (its samples and its decoding)."""
        if self._stream is not None:
            self._stream.clear()
        self._stop_live()
        self._stream, self._discarding = None, discarding

    def _stop_live(self) -> None:
        """Cancel the live decoding, if any: its decoder goes back to the recogniser."""
        self._stall.stop()
        live, self._live = self._live, None
        if live is not None:
            live.cancel()  # (waits for a chunk being fed in a worker thread, if one is)

    def _stalled(self) -> None:
        if self._live is not None:
            log.info("wyoming: an audio stream stalled; it will be decoded whole at its end")
            self._stop_live()

    async def _open_live(self) -> LiveRecognition | None:
        """A live decoding for the stream that starts (waits while the decoders are busy)."""
        speech = self.assistant.speech
        if not isinstance(speech, PocketsphinxRecognizer):
            return await asyncio.to_thread(self.assistant.speech_stream, self.member)
        lists = await asyncio.to_thread(self.assistant.speech_lists)
        expect = await asyncio.to_thread(self.assistant.awaits_answer, self.member)
        return await speech.open_stream(lists, expect_answer=expect)

    async def _transcribe_whole(self, stream: AudioStream) -> Heard:
        """The whole stream, converted to 16 kHz mono and recognised."""
        try:
            audio = await asyncio.to_thread(stream.audio)  # refuses empty audio
        finally:
            stream.clear()
        speech = self.assistant.speech
        if not isinstance(speech, PocketsphinxRecognizer):
            return await asyncio.to_thread(self.assistant.transcribe, audio, self.member)
        lists = await asyncio.to_thread(self.assistant.speech_lists)
        expect = await asyncio.to_thread(self.assistant.awaits_answer, self.member)
        return await speech.transcribe_async(audio.samples, lists, expect_answer=expect)

    async def _audio_start(self, event: Event) -> None:
        start: AudioStart = self._parse(AudioStart, event)
        self._reset()
        try:
            self._stream = AudioStream(start.rate, start.width, start.channels)
        except VoiceError:
            self._discarding = True
            raise
        if (self._stream.rate, self._stream.width, self._stream.channels) == LIVE_FORMAT:
            # 16 kHz mono 16-bit (what satellites send) is decoded chunk by chunk; other
            # formats are converted and decoded whole at audio-stop.
            try:
                self._live = await self._open_live()
            except RecognizerBusyError:
                self._reset(discarding=True)
                raise
            if self._live is not None:
                self._stall.start()

    async def _audio_chunk(self, event: Event) -> None:
        if self._discarding:
            return
        if self._stream is None:
            self._discarding = True
            raise ConfideError(
                "an audio-chunk came without an audio-start; the stream is ignored "
                "up to its audio-stop",
                code=AUDIO_NOT_STARTED,
            )
        chunk: AudioChunk = self._parse(AudioChunk, event)
        try:
            self._stream.add(chunk)
        except ConfideError:
            self._reset(discarding=True)
            raise
        live = self._live
        if live is not None:
            self._stall.touch()
            try:
                await asyncio.to_thread(live.feed, chunk.audio)
            except RecognitionError:
                if self._live is live:
                    raise
                # it stalled meanwhile and gave its decoder back: decoded whole at the end

    async def _audio_stop(self, event: Event) -> None:
        self._parse(AudioStop, event)
        self._stall.stop()
        stream, live = self._stream, self._live
        self._stream = None
        if self._discarding:
            self._discarding = False
            self._stop_live()
            return
        if stream is None:
            raise ConfideError("an audio-stop came without an audio-start", code=AUDIO_NOT_STARTED)
        started, seconds = time.perf_counter(), stream.seconds
        if live is not None and seconds > 0:
            stream.clear()
            try:
                heard = await asyncio.to_thread(live.finish)
            finally:
                # (cancelled before its thread ran, the decoding still holds its decoder)
                self._stop_live()
        else:
            self._stop_live()
            heard = await self._transcribe_whole(stream)
        log.info(
            "wyoming: %.1f s of audio transcribed in %.0f ms (%s)",
            seconds,
            (time.perf_counter() - started) * 1000,
            "rejected" if heard.rejected else "accepted",
        )
        await self._send(Transcript(text=await self._answerable(heard), language="en"))

    async def _answerable(self, heard: Heard) -> str:
        """The transcript's text for the client: "" when rejected, unless read back later."""
        if not heard.rejected:
            return heard.text
        if not heard.tentative or self._peer not in self._intent_clients:
            return ""
        speaker = await asyncio.to_thread(self.assistant.member, self.member)
        self.assistant.tentative_texts.add(speaker.id, heard.text)
        return heard.text

    # -- intent handling ------------------------------------------------------------------
    async def _handle(self, event: Event) -> None:
        request: Transcript = self._parse(Transcript, event)
        if not isinstance(request.text, str):
            raise ConfideError("the transcript event needs a text", code=BAD_EVENT)
        self._intent_clients.add(self._peer)
        try:
            outcome = await asyncio.to_thread(self.assistant.ask, request.text, member=self.member)
        except AssistantError as err:
            if err.code not in _BAD_TEXT:
                raise
            log.info("wyoming: text not handled (%s)", err.code)
            await self._send(NotHandled(text=NOT_UNDERSTOOD, context=request.context))
            return
        log.info(
            "wyoming: turn %s %s",
            outcome.turn_id,
            "handled" if outcome.intent else "not understood",
        )
        dealt_with = outcome.intent or outcome.read_back or outcome.confirms
        if not dealt_with:  # (a read-back question and an answered "no" are handled)
            await self._send(NotHandled(text=outcome.reply, context=request.context))
        else:
            await self._send(Handled(text=outcome.reply, context=request.context))

    # -- text-to-speech -------------------------------------------------------------------
    async def _synthesize(self, event: Event) -> None:
        request: Synthesize = self._parse(Synthesize, event)
        if not isinstance(request.text, str):
            raise ConfideError("the synthesize event needs a text", code=BAD_EVENT)
        if request.text_format not in (None, SynthesizeTextFormat.TEXT):
            raise VoiceError(
                "only plain text can be synthesised (no SSML)", code=TTS_UNSUPPORTED_FORMAT
            )
        wanted = request.voice
        voice = voice_for(wanted.name if wanted else None, wanted.language if wanted else None)
        if voice is None:
            asked = (wanted.name or wanted.language or "") if wanted else ""
            names = ", ".join(v.name for v in VOICES)
            raise VoiceError(
                f"there is no voice {asked[:40]!r}; the voices are {names}", code=TTS_UNKNOWN_VOICE
            )
        started = time.perf_counter()
        speech = await asyncio.to_thread(self._speaker.synthesize, request.text, voice)
        log.info("wyoming: speech synthesised in %.0f ms", (time.perf_counter() - started) * 1000)
        rate, width, channels = speech.rate, 2, 1
        await self._send(AudioStart(rate=rate, width=width, channels=channels))
        for piece in chunks(speech.samples, width):
            await self._send(AudioChunk(rate=rate, width=width, channels=channels, audio=piece))
        await self._send(AudioStop())
