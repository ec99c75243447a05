"""Live decoding takes any chunk size: seconds of audio in one call decode like small chunks."""

from __future__ import annotations

from pathlib import Path

from tests.speechgen import needs_speech, synthesise

from confide.language.models import HouseholdLists
from confide.voice import live
from confide.voice.recognizers import PocketsphinxRecognizer


@needs_speech
def test_a_large_chunk_decodes_like_small_ones(tmp_path: Path) -> None:
    recognizer = PocketsphinxRecognizer(HouseholdLists(members=("alex",)), min_confidence=None)
    audio = synthesise("set a timer for five minutes", tmp_path)
    recognizer.transcribe(audio)  # the recogniser knows the microphone: streams decode live
    assert len(audio) > 10 * live._LIVE_BLOCK_BYTES
    results = []
    for size in (len(audio), 1000, 3):  # all at once, a few blocks, odd pieces
        with recognizer.stream() as stream:
            for start in range(0, len(audio), size):
                stream.feed(audio[start : start + size])
            results.append(stream.finish().text)
    assert results == ["set a timer for five minutes"] * 3
