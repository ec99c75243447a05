"""Endpointing: find where an utterance in a stream of 16 kHz audio starts and ends.

:class:`Endpointer` runs the WebRTC voice activity detector (``webrtcvad-wheels``) over
fixed frames of 16 kHz mono 16-bit PCM.  Speech starts after ``start_ms`` of consecutive
voiced frames; the utterance ends after ``end_silence_ms`` of consecutive unvoiced frames.
Frames quieter than ``min_level_dbfs`` never count as speech: the VAD calls faint room
noise speech while it adapts during the first frames of a stream.  The audio it hands back
starts ``pre_roll_ms`` before the detected start (a soft first syllable is not lost)
and keeps ``keep_trailing_ms`` (at least 300 ms) of the trailing silence, so the decay
of the last word is never cut.  Memory stays bounded whatever the stream: before speech
only the pre-roll is kept, after it at most ``max_ms``.

Feed it chunks of any size as they arrive::

    endpointer = Endpointer()
    for chunk in stream:
        if endpointer.feed(chunk):
            break
    utterance = endpointer.audio()
"""

from __future__ import annotations

import math
import operator
import sys
from array import array
from collections import deque

import webrtcvad  # type: ignore[import-untyped]

from confide.voice.audio import TARGET_RATE, Audio

__all__ = ["MIN_TRAILING_MS", "Endpointer"]

#: The least trailing silence an utterance keeps, so that the last word is not cut.
MIN_TRAILING_MS = 300
_BYTES_PER_MS = TARGET_RATE * 2 // 1000


class Endpointer:
    """Detects the end of one utterance in a stream of 16 kHz mono s16le audio.

    ``aggressiveness`` is the WebRTC VAD mode (0 = lenient … 3 = strict about what is
    speech).  ``no_speech_timeout_ms``, if given, ends the stream when no speech has
    started by then (:attr:`speech_detected` stays false).  ``max_ms`` ends an utterance
    that goes on too long; ``min_level_dbfs`` is the level (RMS, dB below full scale) under
    which a frame is silence whatever the VAD says.  Invalid settings raise :class:`ValueError`.
    """

    def __init__(
        self,
        *,
        aggressiveness: int = 2,
        frame_ms: int = 30,
        start_ms: int = 90,
        end_silence_ms: int = 700,
        keep_trailing_ms: int = 400,
        pre_roll_ms: int = 300,
        max_ms: int = 30_000,
        no_speech_timeout_ms: int | None = None,
        min_level_dbfs: float = -55.0,
    ) -> None:
        if aggressiveness not in (0, 1, 2, 3):
            raise ValueError("aggressiveness must be 0, 1, 2 or 3")
        if frame_ms not in (10, 20, 30):
            raise ValueError("frame_ms must be 10, 20 or 30")
        if keep_trailing_ms < MIN_TRAILING_MS:
            raise ValueError(f"keep_trailing_ms must be at least {MIN_TRAILING_MS}")
        if end_silence_ms < keep_trailing_ms:
            raise ValueError("end_silence_ms must be at least keep_trailing_ms")
        if start_ms < frame_ms or pre_roll_ms < 0 or max_ms <= end_silence_ms:
            raise ValueError("start_ms, pre_roll_ms or max_ms out of range")
        self._vad = webrtcvad.Vad(aggressiveness)
        # The least mean square a speech frame has, in 16-bit units.
        self._min_power = (32768 * 10 ** (min_level_dbfs / 20)) ** 2
        self._frame_ms = frame_ms
        self._frame_bytes = frame_ms * _BYTES_PER_MS
        self._start_frames = -(-start_ms // frame_ms)
        self._end_frames = -(-end_silence_ms // frame_ms)
        self._keep_frames = -(-keep_trailing_ms // frame_ms)
        self._pre_frames = -(-pre_roll_ms // frame_ms)
        self._max_frames = max_ms // frame_ms
        self._timeout_frames = (
            None if no_speech_timeout_ms is None else -(-no_speech_timeout_ms // frame_ms)
        )
        self.reset()

    def reset(self) -> None:
        """Forget everything and wait for the next utterance."""
        self._pending = bytearray()
        self._before: deque[bytes] = deque(maxlen=self._pre_frames + self._start_frames)
        self._frames: list[bytes] = []
        self._voiced_run = 0
        self._silent_run = 0
        self._seen = 0
        self._started = False
        self._ended = False

    @property
    def speech_detected(self) -> bool:
        """Whether speech has started."""
        return self._started

    @property
    def ended(self) -> bool:
        """Whether the stream is over: end of speech, ``max_ms`` or the no-speech timeout."""
        return self._ended

    def feed(self, chunk: bytes | bytearray | memoryview) -> bool:
        """Add audio (16 kHz mono s16le, any length); true once the utterance has ended.

        Audio fed after the end is ignored.
        """
        if self._ended:
            return True
        self._pending += chunk
        size = self._frame_bytes
        offset = 0
        while not self._ended and len(self._pending) - offset >= size:
            self._step(bytes(self._pending[offset : offset + size]))
            offset += size
        del self._pending[:offset]
        if self._ended:
            self._pending.clear()
        return self._ended

    def audio(self) -> Audio:
        """The utterance: pre-roll, speech and up to ``keep_trailing_ms`` of silence.

        Before the end it is the utterance so far; empty if no speech was detected.
        """
        if not self._started:
            return Audio(b"")
        frames = self._frames
        if self._ended and self._silent_run > self._keep_frames:
            frames = frames[: len(frames) - (self._silent_run - self._keep_frames)]
        return Audio(b"".join(frames))

    def _step(self, frame: bytes) -> None:
        voiced = _power(frame) >= self._min_power and bool(self._vad.is_speech(frame, TARGET_RATE))
        self._seen += 1
        if not self._started:
            self._before.append(frame)
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            if self._voiced_run >= self._start_frames:
                self._started = True
                self._frames = list(self._before)
                self._before.clear()
            elif self._timeout_frames is not None and self._seen >= self._timeout_frames:
                self._ended = True
            return
        self._frames.append(frame)
        self._silent_run = 0 if voiced else self._silent_run + 1
        if self._silent_run >= self._end_frames or len(self._frames) >= self._max_frames:
            self._ended = True


def _power(frame: bytes) -> float:
    """The mean square of a frame of 16-bit little-endian samples."""
    samples = array("h")
    samples.frombytes(frame)
    if sys.byteorder == "big":
        samples.byteswap()
    return math.fsum(map(operator.mul, samples, samples)) / len(samples)
