"""Generators of WAV files and signals for the voice tests (no binaries are committed)."""

from __future__ import annotations

import itertools
import math
import random
import struct

_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def sine(rate: int, seconds: float, freq: float = 440.0, level: float = 0.5) -> list[float]:
    """A sine in [-level, level]."""
    return [level * math.sin(2 * math.pi * freq * i / rate) for i in range(int(rate * seconds))]


def pcm(signal: list[float], bits: int, channels: int) -> bytes:
    """Little-endian signed integer PCM, the same signal on every channel."""
    width = bits // 8
    top = 2 ** (bits - 1) - 1
    out = bytearray()
    for value in signal:
        out += int(value * top).to_bytes(width, "little", signed=True) * channels
    return bytes(out)


def fmt_body(
    rate: int = 16000,
    channels: int = 1,
    bits: int = 16,
    tag: int = 1,
    block_align: int | None = None,
    byte_rate: int | None = None,
) -> bytes:
    """A 16-byte fmt chunk body; block align and byte rate are derived unless given."""
    align = channels * bits // 8 if block_align is None else block_align
    rate_bytes = rate * align if byte_rate is None else byte_rate
    return struct.pack("<HHIIHH", tag, channels, rate, rate_bytes, align, bits)


def extensible_body(
    rate: int, channels: int, bits: int, sub: int = 1, valid: int | None = None
) -> bytes:
    """A 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk body."""
    base = fmt_body(rate, channels, bits, tag=0xFFFE)
    extra = struct.pack("<HHI", 22, bits if valid is None else valid, 0x3 if channels == 2 else 4)
    return base + extra + sub.to_bytes(2, "little") + _GUID_TAIL


def chunk(cid: bytes, body: bytes, size: int | None = None) -> bytes:
    """A RIFF chunk with its pad byte; ``size`` overrides the declared size."""
    declared = len(body) if size is None else size
    return cid + struct.pack("<I", declared) + body + (b"\0" if len(body) % 2 else b"")


def riff(*chunks: bytes, size: int | None = None, form: bytes = b"WAVE") -> bytes:
    """A RIFF file of the given chunks; ``size`` overrides the declared RIFF size."""
    body = form + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body) if size is None else size) + body


def wav(
    rate: int = 16000,
    channels: int = 1,
    bits: int = 16,
    seconds: float = 0.5,
    freq: float = 440.0,
    extensible: bool = False,
) -> bytes:
    """A valid WAV file holding a sine."""
    data = pcm(sine(rate, seconds, freq), bits, channels)
    body = extensible_body(rate, channels, bits) if extensible else fmt_body(rate, channels, bits)
    return riff(chunk(b"fmt ", body), chunk(b"data", data))


def to_ints(samples: bytes) -> list[int]:
    """16-bit little-endian samples as integers."""
    return list(struct.unpack(f"<{len(samples) // 2}h", samples))


def zero_crossing_freq(samples: bytes, rate: int = 16000) -> float:
    """The frequency of a sine estimated from its zero crossings."""
    values = to_ints(samples)
    crossings = sum(1 for a, b in itertools.pairwise(values) if (a < 0) != (b < 0))
    return crossings / 2 / (len(values) / rate)


def speechlike(seconds: float, rate: int = 16000, level: float = 0.3, seed: int = 1) -> bytes:
    """Voiced, syllable-modulated harmonics with a little noise: 'speech' for the VAD."""
    rng = random.Random(seed)
    out = []
    for i in range(int(rate * seconds)):
        t = i / rate
        envelope = 0.6 + 0.4 * math.sin(2 * math.pi * 4 * t)
        voiced = sum(math.sin(2 * math.pi * h * 140 * t) / h for h in range(1, 12)) / 3
        out.append(level * envelope * voiced + rng.gauss(0, 0.01))
    return pcm(out, 16, 1)


def silence(seconds: float, rate: int = 16000, level: float = 0.0005, seed: int = 2) -> bytes:
    """Very quiet noise (a room with nobody speaking)."""
    rng = random.Random(seed)
    return pcm([rng.gauss(0, level) for _ in range(int(rate * seconds))], 16, 1)
