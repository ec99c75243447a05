"""The synthesised speech of the tests and benchmarks is the same clip on every run."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.speechgen import needs_speech, synthesise

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from speech_corpus import VOICES
from speech_corpus import synthesise as synthesise_corpus


@needs_speech
def test_a_test_clip_is_the_same_every_time(tmp_path: Path) -> None:
    one = synthesise("set a timer for five minutes", tmp_path)
    other = synthesise("set a timer for five minutes", tmp_path)
    assert one == other and len(one) > 32000  # sox's resampling dither is seeded (-R)
    assert synthesise("set a timer for six minutes", tmp_path) != one  # positive control


@needs_speech
def test_a_benchmark_clip_is_the_same_every_time(tmp_path: Path) -> None:
    voice = VOICES[1]
    one = synthesise_corpus("remind me to water the plants", voice, tmp_path)
    assert synthesise_corpus("remind me to water the plants", voice, tmp_path) == one
    assert synthesise_corpus("remind me to water the plants", VOICES[0], tmp_path) != one
    assert not list(tmp_path.iterdir())  # nothing left on disk
