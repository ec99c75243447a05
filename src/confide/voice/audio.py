"""Audio in: validate WAV files and raw PCM, and convert them to 16 kHz mono 16-bit PCM.

Everything the recognisers and the endpointer consume is an :class:`Audio`: 16 kHz, mono,
signed 16-bit little-endian samples.  :func:`decode_wav` and :func:`decode_raw` are the only
ways in, and both either return an :class:`Audio` or raise
:class:`~confide.voice.errors.VoiceError` — never another exception, whatever the bytes.

The WAV parser is written by hand (the stdlib :mod:`wave` module knows neither
``WAVE_FORMAT_EXTENSIBLE`` nor every size check below).  Declared sizes are checked against
the bytes actually present before anything is sliced or allocated, so a header that claims
4 GiB of audio costs nothing.  Policy:

* accepted: integer PCM (plain or ``WAVE_FORMAT_EXTENSIBLE`` with the PCM sub-format),
  8000–48000 Hz, mono or stereo, 16, 24 or 32 bits per sample, up to 30 s;
* other chunks (``LIST``, ``fact``, ``cue `` ...) are skipped, honouring the pad byte after
  odd-sized chunks; the RIFF size field is advisory (streaming writers leave it wrong);
* rejected: a ``data`` chunk or any chunk running past the end of the file, a ``data`` size
  that is not a whole number of frames, a block align or byte rate that does not match the
  format, a missing ``fmt``/``data`` chunk, two ``fmt`` chunks.

Conversion mixes stereo down to mono and resamples in pure Python (numpy is not a
dependency): downsampling averages each output sample's interval of the input exactly
(a box filter evaluated with prefix sums, which also serves as the anti-alias filter),
upsampling interpolates linearly.  Thirty seconds of 48 kHz stereo convert in well under a
second.
"""

from __future__ import annotations

import io
import operator
import struct
import sys
import wave
from array import array
from dataclasses import dataclass, field
from itertools import accumulate
from typing import NamedTuple

from confide.voice.errors import (
    AUDIO_CORRUPT,
    AUDIO_EMPTY,
    AUDIO_NOT_WAV,
    AUDIO_TOO_LONG,
    AUDIO_UNSUPPORTED,
    VoiceError,
)

__all__ = [
    "ACCEPTED",
    "MAX_DURATION_S",
    "MAX_RATE",
    "MIN_RATE",
    "TARGET_RATE",
    "Audio",
    "decode_raw",
    "decode_wav",
]

TARGET_RATE = 16000
MIN_RATE = 8000
MAX_RATE = 48000
MAX_DURATION_S = 30.0
#: What the error messages say is accepted.
ACCEPTED = (
    "a WAV file with integer PCM audio, 8000–48000 Hz, mono or stereo, "
    "16, 24 or 32 bits per sample, at most 30 seconds"
)

_PCM = 0x0001
_EXTENSIBLE = 0xFFFE
#: The bytes after the 2-byte format code in a KSDATAFORMAT_SUBTYPE_* GUID.
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
_FORMAT_NAMES = {
    0x0002: "Microsoft ADPCM",
    0x0003: "floating-point (IEEE float)",
    0x0006: "A-law",
    0x0007: "µ-law",
    0x0011: "IMA ADPCM",
    0x0031: "GSM 6.10",
    0x0050: "MPEG",
    0x0055: "MP3",
}
_OTHER_AUDIO = (
    (b"RIFX", "big-endian WAV (RIFX)"),
    (b"RF64", "RF64 (64-bit WAV)"),
    (b"BW64", "BW64 (64-bit WAV)"),
    (b"OggS", "Ogg"),
    (b"fLaC", "FLAC"),
    (b"ID3", "MP3"),
    (b"FORM", "AIFF"),
    (b".snd", "Sun/NeXT AU"),
    (b"caff", "Core Audio (CAF)"),
    (b"\x1aE\xdf\xa3", "WebM/Matroska"),
)
#: An array typecode of exactly four bytes (``i`` on every platform Python supports).
_INT32 = "i" if array("i").itemsize == 4 else "l"


@dataclass(frozen=True)
class Audio:
    """Mono signed 16-bit little-endian PCM at ``rate`` Hz (16 kHz from the decoders)."""

    samples: bytes = field(repr=False)
    rate: int = TARGET_RATE

    def __post_init__(self) -> None:
        if len(self.samples) % 2:
            raise ValueError("16-bit samples need an even number of bytes")
        if self.rate <= 0:
            raise ValueError("the sample rate must be positive")

    @property
    def duration_s(self) -> float:
        """The length in seconds."""
        return len(self.samples) / (2 * self.rate)

    def to_wav(self) -> bytes:
        """The audio as a canonical 16-bit mono WAV file."""
        out = io.BytesIO()
        with wave.open(out, "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(self.rate)
            writer.writeframes(self.samples)
        return out.getvalue()


class _Format(NamedTuple):
    rate: int
    channels: int
    width: int  # bytes per sample


def _error(code: str, problem: str) -> VoiceError:
    return VoiceError(f"{problem} Accepted: {ACCEPTED}.", code=code)


def _corrupt(problem: str) -> VoiceError:
    return _error(AUDIO_CORRUPT, f"The WAV file is corrupt: {problem}.")


def _fourcc(raw: bytes) -> str:
    if all(0x20 <= b < 0x7F for b in raw):
        return repr(raw.decode("ascii"))
    return "0x" + raw.hex()


def decode_wav(data: bytes | bytearray | memoryview) -> Audio:
    """Validate a WAV file and convert it to 16 kHz mono 16-bit :class:`Audio`.

    Raises :class:`VoiceError` (``audio_empty``, ``audio_not_wav``, ``audio_corrupt``,
    ``audio_too_long`` or ``audio_unsupported``) for anything else.
    """
    view = memoryview(data).cast("B")
    fmt, start, size = _parse_wav(view)
    return _convert(view[start : start + size], fmt)


def decode_raw(data: bytes | bytearray | memoryview, rate: int, width: int, channels: int) -> Audio:
    """Convert raw little-endian signed PCM of a declared format to 16 kHz mono :class:`Audio`.

    ``width`` is bytes per sample (2, 3 or 4), ``channels`` 1 or 2, ``rate`` 8000–48000 Hz.
    """
    view = memoryview(data).cast("B")
    if width == 1:
        raise _error(AUDIO_UNSUPPORTED, "8-bit raw PCM is not supported.")
    if width not in (2, 3, 4):
        raise _error(AUDIO_UNSUPPORTED, f"A sample width of {width} bytes is not supported.")
    if channels not in (1, 2):
        raise _error(AUDIO_UNSUPPORTED, f"Raw PCM with {channels} channels is not supported.")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise _error(AUDIO_UNSUPPORTED, f"A sample rate of {rate} Hz is not supported.")
    if len(view) == 0:
        raise _error(AUDIO_EMPTY, "The audio is empty (0 bytes).")
    frame = width * channels
    if len(view) % frame:
        raise _error(
            AUDIO_CORRUPT,
            f"The raw PCM is {len(view)} bytes, not a whole number of {frame}-byte frames.",
        )
    fmt = _Format(rate, channels, width)
    _check_duration(len(view), fmt)
    return _convert(view, fmt)


# -- parsing ------------------------------------------------------------------------------


def _parse_wav(view: memoryview) -> tuple[_Format, int, int]:
    """The format and the (offset, size) of the samples, after every check."""
    n = len(view)
    if n == 0:
        raise _error(AUDIO_EMPTY, "The audio is empty (0 bytes).")
    head = bytes(view[:12])
    if head[:4] != b"RIFF"[: len(head)] or head[8:] != b"WAVE"[: max(0, len(head) - 8)]:
        _reject_not_wav(head)
    if n < 12:
        raise _corrupt(f"it ends after {n} bytes, inside the 12-byte RIFF header")
    fmt, span = _walk_chunks(view)
    if fmt is None:
        raise _corrupt("it has no fmt chunk describing the audio")
    if span is None:
        raise _corrupt("it has no data chunk")
    start, size = span
    if size == 0:
        raise _error(AUDIO_EMPTY, "The WAV file holds no audio (its data chunk is empty).")
    frame = fmt.width * fmt.channels
    if size % frame:
        raise _corrupt(
            f"the data chunk of {size} bytes is not a whole number of {frame}-byte frames"
        )
    _check_duration(size, fmt)
    return fmt, start, size


def _walk_chunks(view: memoryview) -> tuple[_Format | None, tuple[int, int] | None]:
    """The parsed ``fmt`` chunk and the (offset, size) of the ``data`` chunk, if present."""
    n = len(view)
    fmt: _Format | None = None
    span: tuple[int, int] | None = None
    pos = 12
    while pos + 8 <= n and (fmt is None or span is None):
        cid = bytes(view[pos : pos + 4])
        (size,) = struct.unpack_from("<I", view, pos + 4)
        body, end = pos + 8, pos + 8 + size
        if not all(0x20 <= b < 0x7F for b in cid):
            raise _corrupt(f"unreadable chunk header at byte {pos}")
        if end > n:
            what = "audio data" if cid == b"data" else f"chunk {_fourcc(cid)}"
            raise _corrupt(
                f"{what} at byte {pos} declares {size} bytes but only {n - body} follow "
                "(the file is truncated or the size is wrong)"
            )
        if cid == b"fmt ":
            if fmt is not None:
                raise _corrupt("it has two fmt chunks")
            fmt = _parse_fmt(view[body:end])
        elif cid == b"data":
            span = (body, size)
        pos = end + (size & 1)
    return fmt, span


def _reject_not_wav(head: bytes) -> None:
    for magic, name in _OTHER_AUDIO:
        if head.startswith(magic):
            raise _error(AUDIO_UNSUPPORTED, f"{name} audio is not supported; send WAV.")
    if head[4:8] == b"ftyp":
        raise _error(AUDIO_UNSUPPORTED, "MP4/M4A audio is not supported; send WAV.")
    if head[:4] == b"RIFF":
        raise _error(
            AUDIO_NOT_WAV, f"This is a RIFF file of type {_fourcc(head[8:12])}, not a WAV file."
        )
    raise _error(AUDIO_NOT_WAV, "This is not a WAV file (it has no RIFF/WAVE header).")


def _parse_fmt(body: memoryview) -> _Format:
    if len(body) < 16:
        raise _corrupt(f"the fmt chunk is {len(body)} bytes, at least 16 are needed")
    tag, channels, rate, byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", body)
    if tag == _EXTENSIBLE:
        tag = _extensible_tag(body, bits)
    if tag != _PCM:
        name = _FORMAT_NAMES.get(tag, f"format 0x{tag:04x}")
        raise _error(AUDIO_UNSUPPORTED, f"The WAV file holds {name} audio, not integer PCM.")
    _check_layout(channels, rate, bits)
    width = bits // 8
    if block_align != width * channels:
        raise _corrupt(
            f"the block align is {block_align} bytes, {width * channels} expected "
            f"for {channels} channel(s) of {bits}-bit samples"
        )
    if byte_rate != rate * block_align:
        raise _corrupt(f"the byte rate is {byte_rate}, {rate * block_align} expected")
    return _Format(rate, channels, width)


def _extensible_tag(body: memoryview, bits: int) -> int:
    """The format code inside a ``WAVE_FORMAT_EXTENSIBLE`` fmt chunk."""
    if len(body) < 40:
        raise _corrupt(f"the extensible fmt chunk is {len(body)} bytes, 40 are needed")
    extra, valid_bits = struct.unpack_from("<HH", body, 16)
    subformat = bytes(body[24:40])
    if extra < 22:
        raise _corrupt(f"the extensible fmt chunk declares {extra} extra bytes, 22 are needed")
    if valid_bits > bits:
        raise _corrupt(f"{valid_bits} valid bits do not fit in {bits}-bit samples")
    if subformat[2:] != _GUID_TAIL:
        raise _error(AUDIO_UNSUPPORTED, "The WAV file uses an unknown extensible sub-format.")
    return int.from_bytes(subformat[:2], "little")


def _check_layout(channels: int, rate: int, bits: int) -> None:
    """Reject impossible (corrupt) or unsupported channel counts, rates and sample sizes."""
    if channels == 0:
        raise _corrupt("it declares 0 channels")
    if rate == 0:
        raise _corrupt("it declares a sample rate of 0 Hz")
    if bits == 0:
        raise _corrupt("it declares 0 bits per sample")
    if bits not in (16, 24, 32):
        raise _error(AUDIO_UNSUPPORTED, f"{bits}-bit samples are not supported.")
    if channels > 2:
        raise _error(AUDIO_UNSUPPORTED, f"Audio with {channels} channels is not supported.")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise _error(AUDIO_UNSUPPORTED, f"A sample rate of {rate} Hz is not supported.")


def _check_duration(size: int, fmt: _Format) -> None:
    seconds = size / (fmt.rate * fmt.width * fmt.channels)
    if seconds > MAX_DURATION_S:
        raise _error(
            AUDIO_TOO_LONG, f"The audio lasts {seconds:.1f} s, more than {MAX_DURATION_S:g} s."
        )


# -- conversion ---------------------------------------------------------------------------


def _convert(raw: memoryview, fmt: _Format) -> Audio:
    """Decode, mix down, resample and requantise to 16 kHz mono 16-bit."""
    ints = _to_ints(raw, fmt.width)
    if fmt.channels == 2:
        mono: list[int] = list(map(operator.add, ints[0::2], ints[1::2]))
    else:
        mono = ints.tolist()
    # 24-bit samples are decoded shifted into 32 bits, so both have the 32-bit scale.
    scale = fmt.channels * (1 if fmt.width == 2 else 65536)
    values = _resample(mono, fmt.rate, TARGET_RATE)
    if not values:
        raise _error(AUDIO_EMPTY, "The audio is too short to hold a single 16 kHz sample.")
    out = array("h", [_clamp16(round(v / scale)) for v in values])
    if sys.byteorder == "big":
        out.byteswap()
    return Audio(out.tobytes(), TARGET_RATE)


def _to_ints(raw: memoryview, width: int) -> array[int]:
    if width == 2:
        ints = array("h")
        ints.frombytes(raw)
    else:
        ints = array(_INT32)
        if width == 3:
            packed = bytes(raw)
            wide = bytearray(len(packed) // 3 * 4)  # each sample gets a zero low byte
            wide[1::4] = packed[0::3]
            wide[2::4] = packed[1::3]
            wide[3::4] = packed[2::3]
            ints.frombytes(wide)
        else:
            ints.frombytes(raw)
    if sys.byteorder == "big":
        ints.byteswap()
    return ints


def _clamp16(value: int) -> int:
    return -32768 if value < -32768 else min(value, 32767)


def _resample(x: list[int], rate_in: int, rate_out: int) -> list[float] | list[int]:
    """Resample ``x`` from ``rate_in`` to ``rate_out`` Hz; the duration is kept (floored)."""
    n = len(x)
    if rate_in == rate_out:
        return x
    n_out = n * rate_out // rate_in
    ratio = rate_in / rate_out  # input samples per output sample
    if ratio < 1:
        # Upsampling: linear interpolation between neighbouring input samples.
        last = n - 1
        up: list[float] = []
        for k in range(n_out):
            t = k * rate_in / rate_out
            i = int(t)
            j = i + 1 if i < last else last
            up.append(x[i] + (t - i) * (x[j] - x[i]))
        return up
    # Downsampling: the mean of the input over each output sample's interval.  Input
    # sample i covers [i, i + 1); prefix[i] is the integral up to i, exact in integers.
    prefix = list(accumulate(x, initial=0))
    half = ratio / 2

    def integral(t: float) -> float:
        if t <= 0:
            return 0.0
        if t >= n:
            return float(prefix[n])
        i = int(t)
        return prefix[i] + (t - i) * x[i]

    down: list[float] = []
    for k in range(n_out):
        centre = k * ratio + 0.5
        lo = max(centre - half, 0.0)
        hi = min(centre + half, float(n))
        down.append((integral(hi) - integral(lo)) / (hi - lo))
    return down
