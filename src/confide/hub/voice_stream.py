"""A voice turn over HTTP, recognised while its body arrives.

``POST /v1/turns`` with an ``audio/L16`` or ``audio/wav`` body (:mod:`confide.hub.audio_upload`):
16 kHz mono 16-bit samples are fed to the speech recogniser chunk by chunk as the body comes
in (chunked transfer encoding or not), as Wyoming does, so when the last chunk is in only
the end of the decoding and the confidence are left.  The turn is then stored by
:meth:`~confide.assistant.Assistant.ask_heard`.  Other formats, and a WAV file whose header
is not 16 kHz mono 16-bit (or is broken), are collected and decoded whole at the end, exactly
as before (:meth:`~confide.assistant.Assistant.ask_audio`).

Only a body sent with chunked transfer encoding (no ``Content-Length``) is decoded live: a
declared length means a file, read and recognised whole as before (opening a live decoding
for a body that is complete before the decoder is ready, then giving it back, was seen to
leave the next whole decoding with an empty transcript now and then).

The decoder is asked for as soon as the format is known, while the body keeps being read;
it is given back whatever happens: at the end, on any error (bad audio, too long, a busy
recogniser), when the client goes away, when the client stops sending for :data:`STALL_S`
or takes longer than :data:`LIVE_MAX_S` (then the body is decoded whole at its end, as
Wyoming does), or when the request is cancelled.  Bad audio is refused before any turn
exists.

Timings (``timings_ms``) of a live upload: ``decode`` is the checks and copy of the samples
after the last chunk; ``transcribe`` is the rest of the time from the arrival of the last
chunk (its own decoding included) to the transcript: what the speaker waits for.  The
decoding done while the earlier chunks arrived is in neither.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Literal

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from confide.assistant import Assistant, AssistantError
from confide.hub.audio_upload import PcmFormat, UploadBody
from confide.hub.errors import HubError
from confide.turn_outcome import Stage, TurnOutcome
from confide.voice import MAX_DURATION_S
from confide.voice.live import StallTimer
from confide.voice.recognizers import (
    LiveRecognition,
    PocketsphinxRecognizer,
    RecognitionError,
    Transcript,
)
from confide.voice_turns import DecodedWav, run_voice_turn

__all__ = ["CLIENT_GONE", "LIVE_MAX_S", "STALL_S", "LiveUpload", "streamed_voice_turn"]

log = logging.getLogger(__name__)

#: A live decoding gives its decoder back when no bytes came for this long (seconds) or
#: when the upload has lasted this long; the body is then decoded whole at its end.
STALL_S = 2.0
LIVE_MAX_S = MAX_DURATION_S + 5.0
CLIENT_GONE = "client_disconnected"


async def _to_the_end(
    start: Callable[[], LiveRecognition | None],
) -> LiveRecognition | None:
    """``start()`` in a worker thread; if the awaiting task is cancelled, a stream it opens
    later is cancelled at once (its decoder would be lost otherwise)."""
    job = asyncio.ensure_future(asyncio.to_thread(start))

    def unclaimed(done: asyncio.Future[LiveRecognition | None]) -> None:
        if not done.cancelled() and done.exception() is None:
            live = done.result()
            if live is not None:
                live.cancel()

    try:
        return await asyncio.shield(job)
    except asyncio.CancelledError:
        job.add_done_callback(unclaimed)
        raise


class LiveUpload:
    """One upload being read, its 16 kHz mono samples decoded as they come (if possible)."""

    def __init__(
        self, runner: Assistant, body: UploadBody, *, live: bool = True, member: str | None = None
    ) -> None:
        self.runner, self.body = runner, body
        self.member = member  # who speaks (an answer is expected if a read-back waits)
        self._allowed = live  # False: collect only, decode whole at the end
        self._opening: asyncio.Task[LiveRecognition | None] | None = None
        self._live: LiveRecognition | None = None
        self._fed = 0  # sample bytes given to the live decoding
        self._stall = StallTimer(self._stalled, STALL_S, LIVE_MAX_S)
        self._last_at: float | None = None  # (perf_counter) when the last bytes came

    async def add(self, chunk: bytes) -> None:
        """The next bytes of the body (``b""`` at the start: open the decoder early)."""
        if chunk:
            self._last_at = time.perf_counter()
            self.body.add(chunk)
            if self._live is not None:
                self._stall.touch()
        if self._allowed and self._opening is None and self._live is None and self.body.live:
            self._opening = asyncio.create_task(self._open())
        await self._feed()

    async def _open(self) -> LiveRecognition | None:
        speech = self.runner.speech
        if isinstance(speech, PocketsphinxRecognizer):  # waiting for the decoder holds no thread
            lists = await asyncio.to_thread(self.runner.speech_lists)  # voice model current
            expect = await asyncio.to_thread(self.runner.awaits_answer, self.member)
            return await speech.open_stream(lists, expect_answer=expect)
        return await _to_the_end(lambda: self.runner.speech_stream(self.member))

    def _claim(self) -> None:
        """Take the live decoding once the decoder is granted (a busy recogniser raises)."""
        opening = self._opening
        if opening is None or not opening.done():
            return
        self._opening = None
        live = opening.result()
        if live is None:  # the engine cannot stream: decoded whole at the end
            self._allowed = False
            return
        self._live = live
        self._stall.start()

    async def _feed(self) -> None:
        self._claim()
        live = self._live
        if live is None:
            return
        pending = self.body.samples_from(self._fed)
        if not pending:
            return
        self._fed += len(pending)
        try:
            await asyncio.to_thread(live.feed, pending)
        except RecognitionError:
            if self._live is live:
                raise
            # it stalled meanwhile and gave its decoder back: decoded whole at the end

    def _stalled(self) -> None:
        if self._live is not None:
            log.info("api: an audio upload stalled; it will be decoded whole at its end")
            self._release()

    def _stop(self) -> None:
        """Give the decoder back (the live decoding is cancelled), if one is held."""
        self._stall.stop()
        live, self._live = self._live, None
        if live is not None:
            live.cancel()  # (waits for a chunk being fed in a worker thread, if one is)

    def _release(self) -> None:
        """No live decoding any more: the decoder (granted or not yet) goes back."""
        self._allowed = False
        opening, self._opening = self._opening, None
        if opening is not None:
            if not opening.done():
                opening.cancel()  # open_stream gives back whatever it is granted later
            elif not opening.cancelled() and opening.exception() is None:
                granted = opening.result()
                if granted is not None:
                    granted.cancel()
        self._stop()

    def close(self) -> None:
        """Stop everything under way: the decoder goes back, the bytes are forgotten."""
        self._release()
        self.body.clear()

    async def finish(self, *, member: str | None, device_id: str | None) -> TurnOutcome:
        """The body is complete: check it, finish the recognition and store the turn."""
        last = time.perf_counter() if self._last_at is None else self._last_at
        await self._feed()  # (nothing is left unless the decoder came with the last bytes)
        if self._fed == 0:
            # The whole body came before the decoder could take any of it (a file sent at
            # once): it is decoded whole, as a file always was.
            self._release()
        self._stall.stop()
        live, self._live = self._live, None
        try:
            mark = time.perf_counter()
            audio = await asyncio.to_thread(self.body.audio)  # VoiceError: nothing is stored
            decode_ms = (time.perf_counter() - mark) * 1000
            self.body.clear()
            if live is None:
                decoded = DecodedWav(audio, decode_ms)
                return await run_in_threadpool(
                    run_voice_turn, self.runner, decoded, member=member, device_id=device_id
                )
            heard: Transcript = await asyncio.to_thread(live.finish)
        finally:
            if live is not None:  # a no-op once finished; else its decoder goes back
                live.cancel()
        # from the arrival of the last bytes (their decoding included) to the transcript
        transcribe_ms = (time.perf_counter() - last) * 1000 - decode_ms
        outcome = await run_in_threadpool(
            self.runner.ask_heard,
            audio,
            heard,
            member=member,
            device_id=device_id,
            transcribe_ms=transcribe_ms,
        )
        return outcome.with_timing(Stage.DECODE, decode_ms)


async def _known(runner: Assistant, member: str | None) -> bool:
    try:
        await run_in_threadpool(runner.member, member)
    except AssistantError:
        return False  # refused after the audio is checked, as for a whole file
    return True


async def streamed_voice_turn(
    runner: Assistant,
    chunks: AsyncIterator[bytes],
    kind: Literal["wav", "l16"],
    fmt: PcmFormat | None,
    *,
    member: str | None,
    device_id: str | None,
    whole: bool = False,
) -> TurnOutcome:
    """Read an audio body from ``chunks`` and run its voice turn (see the module doc).

    ``whole``: the client sent a file (it declared its length), so nothing is decoded live:
    the body is read and recognised whole, as a file always was.

    Raises :class:`~confide.voice.VoiceError` for bad audio, :class:`HubError` for a body
    past the cap or a client that went away (``client_disconnected``).
    """
    live = not whole and await _known(runner, member)
    upload = LiveUpload(runner, UploadBody(kind, fmt), live=live, member=member)
    try:
        await upload.add(b"")
        try:
            async for chunk in chunks:
                await upload.add(chunk)
        except ClientDisconnect:
            log.info("api: the client went away during an audio upload")
            raise HubError(
                "the client went away before the end of the audio", code=CLIENT_GONE
            ) from None
        return await upload.finish(member=member, device_id=device_id)
    finally:
        upload.close()
