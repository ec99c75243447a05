"""One incoming Wyoming audio stream (``audio-start``, ``audio-chunk``..., ``audio-stop``).

The stream declares its format in ``audio-start``; every chunk must repeat it.  The policy is
the one of :func:`confide.voice.decode_raw` (16/24/32-bit integer PCM, mono or stereo,
8000–48000 Hz), checked at the start so that a stream in a format Confide cannot use is
refused before any of it is kept.  At most :data:`~confide.voice.audio.MAX_DURATION_S` of
audio is collected: the chunk that goes past it raises ``audio_too_long`` and the caller
drops the stream.  The samples live in memory only, for as long as the stream lasts.
"""

from __future__ import annotations

import math

from wyoming.audio import AudioChunk

from confide.voice import MAX_DURATION_S, Audio, VoiceError, decode_raw
from confide.voice.audio import MAX_RATE
from confide.voice.errors import AUDIO_EMPTY, AUDIO_TOO_LONG, AUDIO_UNSUPPORTED

__all__ = ["AUDIO_FORMAT_CHANGED", "AudioStream", "check_format"]

AUDIO_FORMAT_CHANGED = "audio_format_changed"
#: Whatever a format declares, no stream holds more than 30 s of 48 kHz stereo 32-bit audio.
_MAX_BYTES = math.ceil(MAX_DURATION_S * MAX_RATE) * 4 * 2


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_format(rate: object, width: object, channels: object) -> tuple[int, int, int]:
    """``(rate, width, channels)`` if Confide accepts that PCM format, else :class:`VoiceError`."""
    r, w, c = _whole(rate), _whole(width), _whole(channels)
    if r is None or w is None or c is None:
        raise VoiceError(
            "audio-start needs whole numbers for rate, width and channels",
            code=AUDIO_UNSUPPORTED,
        )
    try:
        # decode_raw checks the format before the length: an empty buffer in an accepted
        # format fails only for being empty.  One policy, the decoder's, for every path.
        decode_raw(b"", r, w, c)
    except VoiceError as err:
        if err.code != AUDIO_EMPTY:
            raise
    return r, w, c


class AudioStream:
    """The chunks of one stream, in the format ``audio-start`` declared."""

    def __init__(self, rate: object, width: object, channels: object) -> None:
        self.rate, self.width, self.channels = check_format(rate, width, channels)
        frame = self.width * self.channels
        self._max_bytes = min(math.floor(MAX_DURATION_S * self.rate) * frame, _MAX_BYTES)
        self._data = bytearray()

    @property
    def seconds(self) -> float:
        """How much audio has been collected."""
        return len(self._data) / (self.rate * self.width * self.channels)

    def add(self, chunk: AudioChunk) -> None:
        """Append a chunk; ``audio_format_changed`` or ``audio_too_long`` refuse it."""
        if (chunk.rate, chunk.width, chunk.channels) != (self.rate, self.width, self.channels):
            raise VoiceError(
                "every audio-chunk of a stream must have the format of its audio-start "
                f"({self.rate} Hz, {self.width} bytes, {self.channels} channel(s)); "
                f"a chunk came with {chunk.rate} Hz, {chunk.width} bytes, "
                f"{chunk.channels} channel(s)",
                code=AUDIO_FORMAT_CHANGED,
            )
        if len(self._data) + len(chunk.audio) > self._max_bytes:
            self.clear()
            raise VoiceError(
                f"The audio stream lasts more than {MAX_DURATION_S:g} s; it was dropped.",
                code=AUDIO_TOO_LONG,
            )
        self._data += chunk.audio

    def audio(self) -> Audio:
        """The stream as 16 kHz mono :class:`Audio` (:class:`VoiceError` for bad audio)."""
        return decode_raw(self._data, self.rate, self.width, self.channels)

    def clear(self) -> None:
        """Forget the samples."""
        self._data = bytearray()
