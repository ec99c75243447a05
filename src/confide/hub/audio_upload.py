"""The body of a voice turn as it arrives: a WAV file or raw ``audio/L16`` samples.

``POST /v1/turns`` takes audio in two content types:

* ``audio/wav`` (and ``audio/x-wav``, ``audio/wave``): a WAV file, validated by
  :func:`confide.voice.decode_wav` exactly as before;
* ``audio/L16; rate=16000; channels=1``: raw signed 16-bit PCM, *little-endian* (what
  microphones, ALSA and Wyoming give; RFC 2586 says network byte order, so an explicit
  ``endianness=big-endian`` is refused rather than misheard).  ``rate`` is required,
  ``channels`` defaults to 1; the policy of :func:`confide.voice.decode_raw` applies
  (8000–48000 Hz, mono or stereo, at most 30 s).

An :class:`UploadBody` collects the bytes (under the cap of its kind) and says which of them
are 16 kHz mono 16-bit samples that a recogniser can decode while the rest arrives
(:meth:`UploadBody.samples_from`): every byte of a 16 kHz mono ``audio/L16`` body, and the
``data`` chunk of a WAV file whose ``fmt`` chunk (before it) declares 16 kHz mono 16-bit.  A
WAV file's chunks up to its ``data`` chunk are checked by :func:`~confide.voice.decode_wav`
itself, on a copy holding one sample, as soon as they are in; anything else (another
format, a ``data`` chunk before ``fmt``, a broken or oversized header) is simply not decoded
live, and :meth:`UploadBody.audio` decodes the whole body at its end as before, so a broken
file gets the very error (code and message) it always got.  Messages never quote the audio.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Literal

from confide.errors import ConfideError
from confide.hub.errors import HubError
from confide.voice import MAX_DURATION_S, TARGET_RATE, Audio, VoiceError, decode_raw, decode_wav
from confide.voice.errors import AUDIO_CORRUPT, AUDIO_EMPTY, AUDIO_TOO_LONG
from confide.voice_turns import MAX_WAV_BYTES

__all__ = [
    "BAD_AUDIO_PARAMETERS",
    "L16_TYPE",
    "PcmFormat",
    "UploadBody",
    "l16_format",
]

L16_TYPE = "audio/l16"
#: The code of an ``audio/L16`` content type whose parameters cannot be used (HTTP 415).
BAD_AUDIO_PARAMETERS = "bad_audio_parameters"
_LIVE_BYTES = math.floor(MAX_DURATION_S * TARGET_RATE) * 2  # 30 s of 16 kHz mono 16-bit
_MAX_HEAD = 1 << 20  # the chunks before the samples of a WAV decoded live, at most


@dataclass(frozen=True)
class PcmFormat:
    """Raw signed 16-bit little-endian PCM at ``rate`` Hz with ``channels`` channels."""

    rate: int
    channels: int

    @property
    def frame(self) -> int:
        """Bytes per frame (a sample of every channel)."""
        return 2 * self.channels

    @property
    def live(self) -> bool:
        """Whether a recogniser takes these samples as they are (16 kHz mono)."""
        return self.rate == TARGET_RATE and self.channels == 1

    @property
    def max_bytes(self) -> int:
        """The bytes of :data:`~confide.voice.audio.MAX_DURATION_S` of audio."""
        return math.floor(MAX_DURATION_S * self.rate) * self.frame


def _bad_parameters(problem: str) -> HubError:
    return HubError(
        f"{problem}; send audio/L16 with rate=8000…48000 and channels=1 or 2, e.g. "
        "'audio/L16; rate=16000; channels=1' (signed 16-bit little-endian samples)",
        code=BAD_AUDIO_PARAMETERS,
    )


def _parameters(content_type: str) -> dict[str, str]:
    """The ``name=value`` parameters after the media type (names lower-cased)."""
    found: dict[str, str] = {}
    for part in content_type.split(";")[1:]:
        if not part.strip():
            continue
        name, equals, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if not equals or not name or not value:
            raise _bad_parameters(f"the content-type parameter {part.strip()[:40]!r} is malformed")
        if name in found:
            raise _bad_parameters(f"the content-type parameter {name[:40]!r} is given twice")
        found[name] = value
    return found


def _whole(params: dict[str, str], name: str, default: str | None) -> int:
    value = params.get(name, default)
    if value is None:
        raise _bad_parameters(f"audio/L16 needs a {name} parameter")
    if not (value.isascii() and value.isdigit() and len(value) <= 6):
        raise _bad_parameters(f"the {name} parameter must be a whole number, not {value[:20]!r}")
    return int(value)


def l16_format(content_type: str) -> PcmFormat:
    """The format an ``audio/L16`` content type declares, or an error (both HTTP 415).

    Malformed, missing or repeated parameters are :class:`HubError` ``bad_audio_parameters``;
    a format outside the policy is :class:`VoiceError` ``audio_unsupported``.
    """
    params = _parameters(content_type)
    endianness = params.get("endianness", "little-endian").lower()
    if endianness != "little-endian":
        raise _bad_parameters(f"endianness {endianness[:20]!r} is not supported")
    fmt = PcmFormat(_whole(params, "rate", None), _whole(params, "channels", "1"))
    try:
        decode_raw(b"", fmt.rate, 2, fmt.channels)  # the policy checks precede the length
    except VoiceError as err:
        if err.code != AUDIO_EMPTY:
            raise
    return fmt


class _WavHead:
    """Where the samples of a WAV body start, once its chunks before ``data`` are in.

    The chunks are walked once, as the bytes arrive (a header of tiny chunks costs no more
    than its length).  A header longer than :data:`_MAX_HEAD` bytes is not decoded live.
    """

    def __init__(self) -> None:
        self.done = False  # found, or known not to be decodable live
        self.span: tuple[int, int] | None = None  # (offset, size) of live samples
        self._pos = 12  # the next chunk header
        self._fmt: bytes | None = None

    def look(self, data: bytearray) -> None:
        """Look at the bytes that came since the last call (until :attr:`done`)."""
        if len(data) < 12:
            return
        if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
            self.done = True  # not a WAV file: decode_wav says so at the end
            return
        while self._pos + 8 <= len(data):
            pos = self._pos
            cid = bytes(data[pos : pos + 4])
            (size,) = struct.unpack_from("<I", data, pos + 4)
            if cid == b"data":
                self._found(data, self._fmt, pos, size)
                return
            end = pos + 8 + size
            if end > len(data):
                self.done = end > _MAX_HEAD
                return
            if cid == b"fmt ":
                self._fmt = bytes(data[pos + 8 : end])
            self._pos = end + (size & 1)
        self.done = self._pos > _MAX_HEAD

    def _found(self, data: bytearray, fmt: bytes | None, pos: int, size: int) -> None:
        self.done = True
        if fmt is None or len(fmt) < 16:
            return
        _tag, channels, rate, _byte_rate, _align, bits = struct.unpack_from("<HHIIHH", fmt)
        if (rate, channels, bits) != (TARGET_RATE, 1, 16):
            return
        if size == 0 or size % 2 or size > _LIVE_BYTES:
            return  # decode_wav refuses it at the end (empty, corrupt, too long or truncated)
        probe = bytearray(data[: pos + 8])
        struct.pack_into("<I", probe, pos + 4, 2)  # a data chunk of one sample
        try:
            decode_wav(bytes(probe) + b"\0\0")  # every check of the chunks before the samples
        except VoiceError:
            return
        self.span = (pos + 8, size)


class UploadBody:
    """The bytes of one audio upload: ``kind`` ``"wav"`` or ``"l16"`` (with ``fmt``)."""

    def __init__(self, kind: Literal["wav", "l16"], fmt: PcmFormat | None = None) -> None:
        if (kind == "l16") != (fmt is not None):
            raise ValueError("an audio/L16 body needs its format, a WAV body has none")
        self.kind, self.fmt = kind, fmt
        self.data = bytearray()
        self._head = _WavHead() if fmt is None else None

    @property
    def limit(self) -> int:
        """The most bytes this body may hold."""
        return MAX_WAV_BYTES if self.fmt is None else self.fmt.max_bytes

    def too_large(self) -> ConfideError:
        """The error of a body past :attr:`limit` (HTTP 413)."""
        if self.fmt is None:
            return HubError(
                f"the request body is larger than {MAX_WAV_BYTES} bytes", code="request_too_large"
            )
        return VoiceError(
            f"The audio lasts more than {MAX_DURATION_S:g} s; it was refused.",
            code=AUDIO_TOO_LONG,
        )

    def add(self, chunk: bytes) -> None:
        """Append the next bytes; past :attr:`limit` the body is dropped and refused."""
        if len(self.data) + len(chunk) > self.limit:
            self.data = bytearray()
            raise self.too_large()
        self.data += chunk
        if self._head is not None and not self._head.done:
            self._head.look(self.data)

    @property
    def live(self) -> bool | None:
        """Whether the samples can be decoded as they arrive (``None``: not known yet)."""
        if self.fmt is not None:
            return self.fmt.live
        assert self._head is not None
        return (self._head.span is not None) if self._head.done else None

    def _span(self) -> tuple[int, int]:
        if self.fmt is not None:
            return 0, len(self.data)
        assert self._head is not None and self._head.span is not None
        return self._head.span

    def samples_from(self, offset: int) -> bytes:
        """The 16 kHz mono samples received from ``offset`` (into the samples) on, if live."""
        if not self.live:
            return b""
        start, size = self._span()
        return bytes(self.data[start + offset : min(len(self.data), start + size)])

    def audio(self) -> Audio:
        """The whole body as 16 kHz mono :class:`Audio`, or the :class:`VoiceError` it gets.

        A live body is taken as it is once its length is checked (what :func:`decode_wav` or
        :func:`decode_raw` would give, bit for bit, without their conversion loop); any other
        is decoded whole by them.
        """
        if self.fmt is not None and not self.fmt.live:
            return decode_raw(self.data, self.fmt.rate, 2, self.fmt.channels)
        if self.fmt is None and not self.live:
            return decode_wav(self.data)
        start, size = self._span()
        if len(self.data) < start + size or size == 0 or size % 2:
            # truncated, empty or odd: the decoder's own error, with its message
            if self.fmt is None:
                decode_wav(self.data)
            else:
                decode_raw(self.data, TARGET_RATE, 2, 1)
            raise VoiceError("The audio cannot be decoded.", code=AUDIO_CORRUPT)  # not reached
        return Audio(bytes(self.data[start : start + size]), TARGET_RATE)

    def clear(self) -> None:
        """Forget the bytes."""
        self.data = bytearray()
