"""Endpointer: end of speech after trailing silence, with the last word kept."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from voice_wavgen import silence, speechlike

from confide.voice import Endpointer, decode_wav
from confide.voice.endpoint import MIN_TRAILING_MS

BYTES_PER_S = 32000


def _feed_all(endpointer: Endpointer, data: bytes, chunk: int) -> int | None:
    """Feed in chunks; the byte offset at which the end was reported, or None."""
    for offset in range(0, len(data), chunk):
        if endpointer.feed(data[offset : offset + chunk]):
            return offset + chunk
    return None


@pytest.mark.parametrize("chunk", [1, 333, 960, 4096])
def test_end_of_speech_is_detected_and_trailing_audio_kept(chunk: int) -> None:
    speech = speechlike(1.5)
    stream = silence(0.6) + speech + silence(2.0)
    endpointer = Endpointer(end_silence_ms=700, keep_trailing_ms=400, pre_roll_ms=300)
    ended_at = _feed_all(endpointer, stream, chunk)
    assert ended_at is not None
    assert endpointer.speech_detected and endpointer.ended
    speech_end = (0.6 + 1.5) * BYTES_PER_S
    # The end comes after the configured silence, well before the stream runs out.
    assert speech_end + 0.6 * BYTES_PER_S <= ended_at <= speech_end + 1.2 * BYTES_PER_S
    audio = endpointer.audio()
    assert audio.rate == 16000
    # Speech (1.5 s) + at least 300 ms of trailing audio, plus at most the pre-roll.
    assert 1.5 + MIN_TRAILING_MS / 1000 <= audio.duration_s <= 1.5 + 0.3 + 0.4 + 0.1
    # The whole speech burst is inside the returned audio.
    assert speech[: 2 * 16000] in audio.samples
    assert speech[-2 * 16000 :] in audio.samples


def test_short_pause_inside_an_utterance_does_not_end_it() -> None:
    stream = silence(0.3) + speechlike(0.8) + silence(0.3) + speechlike(0.8, seed=5)
    endpointer = Endpointer(end_silence_ms=700)
    assert _feed_all(endpointer, stream, 960) is None
    assert endpointer.speech_detected and not endpointer.ended
    assert endpointer.feed(silence(1.0)) is True
    assert endpointer.audio().duration_s >= 0.8 + 0.3 + 0.8 + MIN_TRAILING_MS / 1000


def test_silence_only_never_starts_and_audio_is_empty() -> None:
    endpointer = Endpointer()
    assert _feed_all(endpointer, silence(3.0), 960) is None
    assert not endpointer.speech_detected
    assert endpointer.audio().duration_s == 0


def test_no_speech_timeout_ends_the_stream() -> None:
    endpointer = Endpointer(no_speech_timeout_ms=1500)
    ended_at = _feed_all(endpointer, silence(3.0), 960)
    assert ended_at is not None and ended_at <= 1.6 * BYTES_PER_S
    assert endpointer.ended and not endpointer.speech_detected


def test_max_length_ends_an_endless_utterance_and_memory_is_bounded() -> None:
    endpointer = Endpointer(max_ms=2000)
    assert _feed_all(endpointer, speechlike(4.0), 4096) is not None
    assert endpointer.audio().duration_s <= 2.0


def test_feed_after_end_is_ignored_and_reset_starts_over() -> None:
    endpointer = Endpointer()
    stream = speechlike(0.6) + silence(1.0)
    assert _feed_all(endpointer, stream, 960) is not None
    before = endpointer.audio()
    assert endpointer.feed(speechlike(0.5)) is True
    assert endpointer.audio() == before
    endpointer.reset()
    assert not endpointer.ended and not endpointer.speech_detected
    assert _feed_all(endpointer, stream, 960) is not None


def test_audio_before_the_end_is_the_utterance_so_far() -> None:
    endpointer = Endpointer(pre_roll_ms=0)
    endpointer.feed(speechlike(1.0))
    assert 0.9 <= endpointer.audio().duration_s <= 1.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"aggressiveness": 4},
        {"frame_ms": 25},
        {"keep_trailing_ms": 200},
        {"end_silence_ms": 350, "keep_trailing_ms": 400},
        {"start_ms": 0},
        {"pre_roll_ms": -1},
        {"max_ms": 500},
    ],
)
def test_invalid_settings_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=r"must|range"):
        Endpointer(**kwargs)


@pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="the espeak-ng binary is not installed (Debian)"
)
def test_real_synthesised_speech(tmp_path: Path) -> None:
    path = tmp_path / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en", "-w", str(path), "set a timer for five minutes"],
        check=True,
        capture_output=True,
    )
    speech = decode_wav(path.read_bytes())
    path.unlink()
    stream = silence(0.5) + speech.samples + silence(1.5)
    endpointer = Endpointer()
    assert _feed_all(endpointer, stream, 1024) is not None
    audio = endpointer.audio()
    # Nothing of the phrase is lost: the audio spans the speech plus trailing silence.
    assert audio.duration_s >= speech.duration_s * 0.8 + MIN_TRAILING_MS / 1000
    assert audio.duration_s <= speech.duration_s + 0.3 + 0.4 + 0.1


def test_quiet_speech_and_noise_bursts_still_count_as_speech() -> None:
    import random

    from voice_wavgen import pcm

    rng = random.Random(3)
    noise = pcm([rng.gauss(0, 0.1) for _ in range(16000)], 16, 1)
    for burst in (speechlike(1.0, level=0.15), noise):
        endpointer = Endpointer()
        assert _feed_all(endpointer, silence(0.5) + burst + silence(1.0), 960) is not None
        assert endpointer.speech_detected
        assert endpointer.audio().duration_s >= 1.0 + MIN_TRAILING_MS / 1000
