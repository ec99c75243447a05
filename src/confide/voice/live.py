"""One utterance decoded while it arrives (a Wyoming stream, a streamed HTTP upload)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from confide.language.models import HouseholdLists
from confide.voice.decoders import DecoderPair
from confide.voice.errors import RecognitionError
from confide.voice.transcript import Transcript

if TYPE_CHECKING:
    from confide.voice.recognizers import PocketsphinxRecognizer

__all__ = ["RecognitionStream", "StallTimer"]

#: What a stream keeps for the dictation pass: at most 30 s of 16 kHz mono s16le.
_MAX_AUDIO_BYTES = 30 * 16000 * 2
#: The most one live decoding call is given: 0.128 s of 16 kHz mono s16le.
_LIVE_BLOCK_BYTES = 4096


class RecognitionStream:
    """One utterance decoded while it arrives: :meth:`feed` chunks, then :meth:`finish`.

    Most of the work is done as the audio comes in, so little is left when it ends.  A
    stream holds the recogniser's decoder pair until it is finished or cancelled (use it as
    a context manager to be sure); meanwhile other utterances wait for it.  :meth:`cancel`
    may be called from any thread, even while :meth:`feed` runs in another.  Audio is not
    kept.
    """

    def __init__(
        self,
        owner: PocketsphinxRecognizer,
        decoders: DecoderPair,
        lists: HouseholdLists | None = None,
        *,
        expect_answer: bool = False,
    ) -> None:
        self._owner = owner
        self._lists = lists
        self._expect_answer = expect_answer  # a read-back waits: hear_answer() at the end
        self._cmn = owner._cmn  # what the decoding starts from (the answers' too)
        self._decoders: DecoderPair | None = decoders
        self._lock = threading.Lock()  # one call at a time on the decoders
        self._odd = b""
        self._busy = 0.0
        # Until an utterance has told the recogniser the microphone's cepstral mean, decoding
        # chunk by chunk starts from the model's default and does much worse: the first
        # utterance is collected and decoded whole at finish().
        self._held: bytearray | None = bytearray() if owner._cmn is None else None
        # Kept for the dictation pass (only with an enrolled model) and for hearing an answer,
        # at most 30 s of it.
        keep = owner.dictating or expect_answer
        self._audio: bytearray | None = bytearray() if keep else None
        self._grammar = decoders.source
        try:
            decoders.start(owner._cmn)
        except BaseException:
            self._decoders = None
            owner._give(decoders, heard=False)
            raise

    def feed(self, samples_16k_mono_s16le: bytes) -> None:
        """Decode the next chunk of 16 kHz mono s16le PCM (any length)."""
        if not isinstance(samples_16k_mono_s16le, (bytes, bytearray, memoryview)):
            raise RecognitionError("audio must be bytes of 16-bit PCM")
        with self._lock:
            if self._decoders is None:
                raise RecognitionError("the stream is finished")
            data = self._odd + bytes(samples_16k_mono_s16le)
            cut = len(data) - len(data) % 2
            self._odd = data[cut:]
            if cut and self._audio is not None:
                if len(self._audio) + cut > _MAX_AUDIO_BYTES:
                    raise RecognitionError("an utterance is at most 30 s of audio")
                self._audio += data[:cut]
            if cut and self._held is not None:
                self._held += data[:cut]
            elif cut:
                mark = time.perf_counter()
                # In blocks: pocketsphinx's live feature path (cmn_live) was seen to crash
                # the process on one call with seconds of audio (an upload that arrives
                # faster than it is decoded hands over all that piled up at once).
                for start in range(0, cut, _LIVE_BLOCK_BYTES):
                    block = data[start : min(cut, start + _LIVE_BLOCK_BYTES)]
                    self._decoders.feed(block, whole=False)
                self._busy += time.perf_counter() - mark

    def finish(self) -> Transcript:
        """What was heard in everything fed (the decoders go back to the recogniser)."""
        with self._lock:
            if self._decoders is None:
                raise RecognitionError("the stream is finished")
            if self._odd:
                raise RecognitionError("audio has an odd number of bytes (not 16-bit PCM)")
            decoders, self._decoders = self._decoders, None
            mark = time.perf_counter()
            try:
                if self._held is not None:
                    decoders.feed(bytes(self._held), whole=True)
                    self._held = None
                result = decoders.finish()
                phones = decoders.phone_segments
                samples, self._audio = self._audio, None
                kept = None if samples is None else bytes(samples)
                answer = None
                if self._expect_answer and kept is not None:
                    answer = self._owner.hear_answer(decoders, result, kept, self._cmn, mark)
            except BaseException:
                self._owner._give(decoders, heard=False)
                raise
            self._owner._give(decoders, heard=bool(result[0]))
            self._busy += time.perf_counter() - mark
        heard = self._owner._judge(*result, seconds=self._busy)
        return self._owner._conclude(heard, kept, self._grammar, self._lists, phones, answer)

    def cancel(self) -> None:
        """Stop without a result (at once if finished or cancelled already)."""
        with self._lock:
            decoders, self._decoders, self._held = self._decoders, None, None
            self._audio = None
            if decoders is not None:
                try:
                    decoders.stop()
                finally:
                    self._owner._give(decoders, heard=False)

    @property
    def done(self) -> bool:
        """Whether the stream was finished or cancelled (its decoders given back)."""
        return self._decoders is None

    def __enter__(self) -> RecognitionStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.cancel()


class StallTimer:
    """Gives a live decoding up when its stream stalls (Wyoming streams, HTTP uploads).

    ``on_stall`` runs in the event loop when no chunk came for ``stall_s`` seconds
    (:meth:`touch` at every chunk) or when the stream has lasted ``max_s`` since
    :meth:`start`: the decoder then goes back and the audio is decoded whole at its end.
    """

    def __init__(self, on_stall: Callable[[], None], stall_s: float, max_s: float) -> None:
        self._on_stall = on_stall
        self.stall_s, self.max_s = stall_s, max_s
        self._until = 0.0  # (loop time) when the stream has lasted too long
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """A live decoding begins now."""
        self._until = asyncio.get_running_loop().time() + self.max_s
        self.touch()

    def touch(self) -> None:
        """A chunk came: wait ``stall_s`` again (never past the end of ``max_s``)."""
        self.stop()
        loop = asyncio.get_running_loop()
        delay = max(0.0, min(self.stall_s, self._until - loop.time()))
        self._handle = loop.call_later(delay, self._fire)

    def stop(self) -> None:
        """No more watching (the live decoding ended or was given up)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        self._on_stall()
