"""decode_wav / decode_raw: valid audio round-trips, hostile audio raises VoiceError only."""

from __future__ import annotations

import json
import struct

import pytest
from voice_wavgen import (
    chunk,
    extensible_body,
    fmt_body,
    pcm,
    riff,
    sine,
    to_ints,
    wav,
    zero_crossing_freq,
)

from confide.errors import ConfideError
from confide.voice import Audio, VoiceError, decode_raw, decode_wav
from confide.voice.audio import MAX_DURATION_S

RATES = [8000, 16000, 22050, 44100, 48000]

# -- valid audio ---------------------------------------------------------------------------


@pytest.mark.parametrize("bits", [16, 24, 32])
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("rate", RATES)
def test_valid_wav_round_trips_to_16k_mono(rate: int, channels: int, bits: int) -> None:
    audio = decode_wav(wav(rate, channels, bits, seconds=0.5, freq=440.0))
    assert audio.rate == 16000
    assert abs(audio.duration_s - 0.5) <= 1 / 16000
    assert abs(zero_crossing_freq(audio.samples) - 440.0) <= 440 * 0.01
    # Level kept: the generator writes half of full scale.
    assert 15500 <= max(to_ints(audio.samples)) <= 16500


@pytest.mark.parametrize("rate", RATES)
def test_higher_frequency_survives_resampling(rate: int) -> None:
    audio = decode_wav(wav(rate, 1, 16, seconds=0.4, freq=3000.0))
    assert abs(zero_crossing_freq(audio.samples) - 3000.0) <= 3000 * 0.01


@pytest.mark.parametrize("bits", [16, 24, 32])
def test_extensible_pcm_is_accepted(bits: int) -> None:
    audio = decode_wav(wav(44100, 2, bits, seconds=0.3, extensible=True))
    assert abs(audio.duration_s - 0.3) <= 1 / 16000
    assert abs(zero_crossing_freq(audio.samples) - 440.0) <= 440 * 0.01


def test_extensible_24_valid_bits_in_32_bit_container() -> None:
    data = pcm(sine(16000, 0.2), 32, 1)
    body = extensible_body(16000, 1, 32, valid=24)
    audio = decode_wav(riff(chunk(b"fmt ", body), chunk(b"data", data)))
    assert abs(audio.duration_s - 0.2) <= 1 / 16000


def test_odd_chunks_and_padding_bytes_are_skipped() -> None:
    # 24-bit mono with an odd sample count: the data chunk is odd-sized and padded.
    data = pcm([*sine(16000, 0.1), 0.0], 24, 1)
    assert len(data) % 2 == 1
    info = chunk(b"LIST", b"INFOISFT\x05\x00\x00\x00test\x00")  # odd body, pad byte
    fact = chunk(b"fact", struct.pack("<I", len(data) // 3))
    tail = chunk(b"LIST", b"INFO")
    audio = decode_wav(
        riff(info, chunk(b"fmt ", fmt_body(16000, 1, 24)), fact, chunk(b"data", data), tail)
    )
    assert len(audio.samples) == 2 * (len(data) // 3)


def test_data_before_fmt_is_accepted() -> None:
    data = pcm(sine(16000, 0.1), 16, 1)
    audio = decode_wav(riff(chunk(b"data", data), chunk(b"fmt ", fmt_body())))
    assert audio.samples == data


def test_16k_mono_16_bit_is_passed_through_exactly() -> None:
    data = pcm(sine(16000, 0.25, 1000.0), 16, 1)
    assert decode_wav(riff(chunk(b"fmt ", fmt_body()), chunk(b"data", data))).samples == data


def test_riff_size_is_advisory() -> None:
    good = wav(seconds=0.1)
    for size in (0, 0xFFFFFFFF, len(good)):
        assert decode_wav(good[:4] + struct.pack("<I", size) + good[8:]).duration_s > 0


def test_trailing_garbage_after_data_is_ignored() -> None:
    assert decode_wav(wav(seconds=0.1) + b"\xff\x00garbage").duration_s == pytest.approx(0.1)


def test_accepts_bytearray_and_memoryview() -> None:
    good = wav(seconds=0.1)
    assert decode_wav(bytearray(good)) == decode_wav(memoryview(good)) == decode_wav(good)


def test_exactly_thirty_seconds_is_accepted() -> None:
    audio = decode_wav(riff(chunk(b"fmt ", fmt_body(8000)), chunk(b"data", bytes(8000 * 2 * 30))))
    assert audio.duration_s == MAX_DURATION_S


def test_audio_repr_and_wav_do_not_leak_or_lose_samples() -> None:
    audio = decode_wav(wav(seconds=0.1))
    assert "samples" not in repr(audio)
    assert decode_wav(audio.to_wav()) == audio


# -- raw PCM -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "width", "channels"), [(16000, 2, 1), (48000, 3, 2), (8000, 4, 1)]
)
def test_decode_raw(rate: int, width: int, channels: int) -> None:
    audio = decode_raw(pcm(sine(rate, 0.5), width * 8, channels), rate, width, channels)
    assert abs(audio.duration_s - 0.5) <= 1 / 16000
    assert abs(zero_crossing_freq(audio.samples) - 440.0) <= 440 * 0.01


@pytest.mark.parametrize(
    ("data", "rate", "width", "channels", "code"),
    [
        (b"", 16000, 2, 1, "audio_empty"),
        (b"\0" * 3, 16000, 2, 1, "audio_corrupt"),
        (b"\0" * 9, 16000, 3, 2, "audio_corrupt"),
        (b"\0" * 4, 16000, 1, 1, "audio_unsupported"),
        (b"\0" * 4, 16000, 5, 1, "audio_unsupported"),
        (b"\0" * 4, 16000, 2, 0, "audio_unsupported"),
        (b"\0" * 4, 16000, 2, 3, "audio_unsupported"),
        (b"\0" * 4, 0, 2, 1, "audio_unsupported"),
        (b"\0" * 4, 96000, 2, 1, "audio_unsupported"),
        (b"\0" * (16000 * 2 * 31), 16000, 2, 1, "audio_too_long"),
    ],
)
def test_decode_raw_rejects(data: bytes, rate: int, width: int, channels: int, code: str) -> None:
    with pytest.raises(VoiceError) as caught:
        decode_raw(data, rate, width, channels)
    assert caught.value.code == code


# -- hostile and malformed WAV files -------------------------------------------------------

_GOOD = wav(seconds=0.05)
_FMT = chunk(b"fmt ", fmt_body())
_DATA = chunk(b"data", pcm(sine(16000, 0.05), 16, 1))


def _with_fmt(body: bytes) -> bytes:
    return riff(chunk(b"fmt ", body), _DATA)


HOSTILE: dict[str, tuple[bytes, str]] = {
    "zero bytes": (b"", "audio_empty"),
    "text": (b"hello, please set an alarm for seven", "audio_not_wav"),
    "json": (json.dumps({"audio": "AAAA", "rate": 16000}).encode(), "audio_not_wav"),
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(64), "audio_not_wav"),
    "html": (b"<!doctype html><html></html>", "audio_not_wav"),
    "one zero byte": (b"\0", "audio_not_wav"),
    "riff avi": (riff(_FMT, _DATA, form=b"AVI "), "audio_not_wav"),
    "ogg": (b"OggS\0\x02" + bytes(60), "audio_unsupported"),
    "flac": (b"fLaC\0\0\0\x22" + bytes(60), "audio_unsupported"),
    "mp3 id3": (b"ID3\x04\0\0\0\0\0\0" + bytes(60), "audio_unsupported"),
    "rifx": (b"RIFX" + _GOOD[4:], "audio_unsupported"),
    "rf64": (b"RF64" + _GOOD[4:], "audio_unsupported"),
    "m4a": (b"\0\0\0\x20ftypM4A " + bytes(60), "audio_unsupported"),
    "no chunks": (riff(), "audio_corrupt"),
    "no fmt": (riff(_DATA), "audio_corrupt"),
    "no data": (riff(_FMT), "audio_corrupt"),
    "no data, list only": (riff(_FMT, chunk(b"LIST", b"INFO")), "audio_corrupt"),
    "two fmt": (riff(_FMT, _FMT, _DATA), "audio_corrupt"),
    "empty data": (riff(_FMT, chunk(b"data", b"")), "audio_empty"),
    "data size 0xFFFFFFFF": (
        riff(_FMT, chunk(b"data", bytes(100), size=0xFFFFFFFF)),
        "audio_corrupt",
    ),
    "data size past end": (riff(_FMT, chunk(b"data", bytes(100), size=102)), "audio_corrupt"),
    "list size 0xFFFFFFF0": (
        riff(chunk(b"LIST", b"", size=0xFFFFFFF0), _FMT, _DATA),
        "audio_corrupt",
    ),
    "fmt size past end": (riff(chunk(b"fmt ", fmt_body(), size=1000)), "audio_corrupt"),
    "fmt too short": (_with_fmt(fmt_body()[:14]), "audio_corrupt"),
    "binary chunk id": (riff(_FMT, b"\x00\xff\x01\x02" + _DATA[4:]), "audio_corrupt"),
    "odd data size 16-bit": (riff(_FMT, chunk(b"data", bytes(101))), "audio_corrupt"),
    "partial stereo frame": (
        riff(chunk(b"fmt ", fmt_body(channels=2)), chunk(b"data", bytes(102))),
        "audio_corrupt",
    ),
    "partial 24-bit frame": (
        riff(chunk(b"fmt ", fmt_body(bits=24)), chunk(b"data", bytes(100))),
        "audio_corrupt",
    ),
    "float": (_with_fmt(fmt_body(bits=32, tag=3)), "audio_unsupported"),
    "a-law": (_with_fmt(fmt_body(bits=8, tag=6)), "audio_unsupported"),
    "mu-law": (_with_fmt(fmt_body(bits=8, tag=7)), "audio_unsupported"),
    "adpcm": (_with_fmt(fmt_body(bits=4, tag=2, block_align=256)), "audio_unsupported"),
    "mp3 in wav": (_with_fmt(fmt_body(tag=0x55)), "audio_unsupported"),
    "unknown tag": (_with_fmt(fmt_body(tag=0x1234)), "audio_unsupported"),
    "8-bit": (
        riff(chunk(b"fmt ", fmt_body(bits=8)), chunk(b"data", bytes(100))),
        "audio_unsupported",
    ),
    "12-bit": (_with_fmt(fmt_body(bits=12, block_align=2)), "audio_unsupported"),
    "64-bit": (_with_fmt(fmt_body(bits=64)), "audio_unsupported"),
    "0 bits": (_with_fmt(fmt_body(bits=0, block_align=2)), "audio_corrupt"),
    "0 channels": (_with_fmt(fmt_body(channels=0, block_align=2)), "audio_corrupt"),
    "7 channels": (_with_fmt(fmt_body(channels=7)), "audio_unsupported"),
    "65535 channels": (_with_fmt(fmt_body(channels=65535, block_align=2)), "audio_unsupported"),
    "rate 0": (_with_fmt(fmt_body(rate=0, byte_rate=32000)), "audio_corrupt"),
    "rate 200 kHz": (_with_fmt(fmt_body(rate=200000)), "audio_unsupported"),
    "rate 4 kHz": (_with_fmt(fmt_body(rate=4000)), "audio_unsupported"),
    "rate 0xFFFFFFFF": (_with_fmt(fmt_body(rate=0xFFFFFFFF, byte_rate=0)), "audio_unsupported"),
    "block align mismatch": (_with_fmt(fmt_body(block_align=4)), "audio_corrupt"),
    "block align 0": (_with_fmt(fmt_body(block_align=0)), "audio_corrupt"),
    "byte rate mismatch": (_with_fmt(fmt_body(byte_rate=44100)), "audio_corrupt"),
    "extensible float": (_with_fmt(extensible_body(16000, 1, 32, sub=3)), "audio_unsupported"),
    "extensible short": (_with_fmt(extensible_body(16000, 1, 16)[:30]), "audio_corrupt"),
    "extensible bad guid": (
        _with_fmt(extensible_body(16000, 1, 16)[:30] + b"\x11" * 10),
        "audio_unsupported",
    ),
    "extensible valid bits > bits": (
        _with_fmt(extensible_body(16000, 1, 16, valid=24)),
        "audio_corrupt",
    ),
    "over 30 s": (
        riff(chunk(b"fmt ", fmt_body(8000)), chunk(b"data", bytes(8000 * 2 * 30 + 2))),
        "audio_too_long",
    ),
    "one frame at 48 kHz": (
        riff(chunk(b"fmt ", fmt_body(48000)), chunk(b"data", b"\x01\x00")),
        "audio_empty",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_wav_raises_voice_error(name: str) -> None:
    data, code = HOSTILE[name]
    with pytest.raises(VoiceError) as caught:
        decode_wav(data)
    error = caught.value
    assert error.code == code, error.message
    assert isinstance(error, ConfideError)
    assert error.bad_input
    assert "Accepted:" in error.message
    assert error.to_dict() == {"code": code, "message": error.message}


def test_hostile_corpus_is_large_enough() -> None:
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("cut", range(1, 44))
def test_every_cut_of_a_valid_header_is_rejected(cut: int) -> None:
    header = _GOOD[:44]  # RIFF header, fmt chunk and the data chunk header
    with pytest.raises(VoiceError) as caught:
        decode_wav(header[:cut])
    assert caught.value.code == "audio_corrupt", caught.value.message


@pytest.mark.parametrize("cut", [45, 100, len(_GOOD) - 1])
def test_truncated_data_is_rejected(cut: int) -> None:
    with pytest.raises(VoiceError) as caught:
        decode_wav(_GOOD[:cut])
    assert caught.value.code == "audio_corrupt"


def test_messages_never_hold_audio_bytes() -> None:
    secret = b"SECRETPAYLOAD"
    samples = secret * 10
    for data in (
        riff(_FMT, chunk(b"data", samples + b"x")),  # odd size
        riff(_FMT, chunk(b"data", samples, size=len(samples) + 2)),  # truncated
        secret + samples,  # not a WAV
    ):
        with pytest.raises(VoiceError) as caught:
            decode_wav(data)
        assert "SECRET" not in str(caught.value)
        assert secret.hex() not in str(caught.value)


def test_every_single_byte_corruption_of_the_header_gives_voice_error_or_audio() -> None:
    """Fuzz: flip each header byte to a few values; only Audio or VoiceError may come out."""
    for index in range(44):
        for value in (0x00, 0x01, 0x7F, 0x80, 0xFF):
            data = bytearray(_GOOD)
            data[index] = value
            try:
                result = decode_wav(bytes(data))
            except VoiceError:
                continue
            assert isinstance(result, Audio)
