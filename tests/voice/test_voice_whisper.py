"""The Whisper engine and the hybrid (grammar first, Whisper on what it rejects), for real.

The model comes from the ``whisper`` extra's packages, joined into a temporary cache
directory (never the Confide home, never the repository).  Speech is synthesised at run time
(espeak-ng + sox); nothing is kept.  No timings are asserted.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

pytest.importorskip("faster_whisper")
pytest.importorskip("pocketsphinx")

from confide.assistant import Assistant
from confide.language import HouseholdLists, Recognizer
from confide.vault import Vault
from confide.voice import Audio
from confide.voice.errors import VoiceError
from confide.voice.hybrid import ENV_VAR, HybridRecognizer, engine_from_env
from confide.voice.recognizers import PocketsphinxRecognizer, Transcript
from confide.voice.whisper import (
    MODEL_NAME,
    WhisperRecognizer,
    normalise_text,
    prepare_model,
)
from speechgen import needs_speech, synthesise

NOW = datetime(2026, 11, 23, 9, 0)
LISTS = HouseholdLists(
    members=("ada", "ben", "cleo"), contacts=("grandma",), shopping_items=("milk",)
)
REMINDER = "remind me to call the dentist at three pm"
OUT_OF_SCOPE = "what's the weather like today"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def whisper(cache: Path) -> WhisperRecognizer:
    engine = WhisperRecognizer(cache_dir=cache)
    engine.load()
    return engine


@pytest.fixture(scope="module")
def hybrid(whisper: WhisperRecognizer) -> HybridRecognizer:
    return HybridRecognizer(PocketsphinxRecognizer(lists=LISTS), whisper)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("speech")
    texts = (REMINDER, OUT_OF_SCOPE, "can you set a timer for ten minutes")
    return {text: synthesise(text, folder) for text in texts}


def understood(heard: Transcript) -> tuple[str | None, dict[str, object]]:
    """What Confide would act on: nothing for a rejected transcript."""
    if heard.rejected or not heard.text:
        return None, {}
    meaning = Recognizer().recognize(heard.text, LISTS, NOW)
    return meaning.intent, dict(meaning.slots)


def test_normalise_text_keeps_numbers_and_times() -> None:
    assert normalise_text(" Remind me to call the dentist at 3 p.m.") == (
        "remind me to call the dentist at 3 pm"
    )
    assert normalise_text("Wake me up at 6.30 tomorrow!") == "wake me up at 6:30 tomorrow"
    assert normalise_text("What's on our list?") == "what's on our list"
    assert normalise_text("   ...   ") == ""


def test_prepare_model_joins_the_parts_once_and_remakes_a_broken_one(
    whisper: WhisperRecognizer, cache: Path
) -> None:
    folder = prepare_model(cache)
    assert folder == cache / MODEL_NAME
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["config.json", "model.bin", "tokenizer.json", "vocabulary.json"]
    size = (folder / "model.bin").stat().st_size
    mark = (folder / "model.bin").stat().st_mtime_ns
    assert prepare_model(cache) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == mark  # reused, not copied again
    with open(folder / "model.bin", "r+b") as broken:
        broken.truncate(1000)
    assert prepare_model(cache) == folder
    assert (folder / "model.bin").stat().st_size == size
    assert [p.name for p in cache.iterdir()] == [MODEL_NAME]  # no staging directory left


@needs_speech
def test_whisper_hears_numbers_as_the_text_recogniser_reads_them(
    whisper: WhisperRecognizer, clips: dict[str, bytes]
) -> None:
    heard = whisper.transcribe(clips["can you set a timer for ten minutes"], LISTS)
    assert heard.engine == "whisper"
    assert "timer" in heard.text
    assert heard.text == heard.text.lower()
    assert understood(heard) == ("timer.set", {"duration_s": 600})


@needs_speech
def test_hybrid_accepts_a_free_text_reminder_through_whisper(
    hybrid: HybridRecognizer, clips: dict[str, bytes]
) -> None:
    heard = hybrid.transcribe(clips[REMINDER], LISTS)
    assert heard.engine == "whisper"  # the grammar has no free text: it rejected the reminder
    assert not heard.rejected
    assert understood(heard) == (
        "reminder.set",
        {"task": "call the dentist", "when": "2026-11-23T15:00"},
    )


@needs_speech
def test_hybrid_stream_gives_what_transcribe_gives(
    hybrid: HybridRecognizer, clips: dict[str, bytes]
) -> None:
    samples = clips[REMINDER]
    whole = hybrid.transcribe(samples, LISTS)
    with hybrid.stream(LISTS) as live:
        for start in range(0, len(samples), 3201):  # odd chunk sizes: split samples
            live.feed(samples[start : start + 3201])
        heard = live.finish()
    assert live.done
    assert (heard.text, heard.engine, heard.rejected) == (whole.text, "whisper", False)


@needs_speech
def test_hybrid_acts_on_no_out_of_scope_speech_nor_noise(
    hybrid: HybridRecognizer, clips: dict[str, bytes]
) -> None:
    assert understood(hybrid.transcribe(clips[OUT_OF_SCOPE], LISTS)) == (None, {})
    silence = b"\x00\x00" * 16000
    heard = hybrid.transcribe(silence, LISTS)
    assert understood(heard) == (None, {})


@needs_speech
def test_a_voice_turn_with_the_hybrid_stores_the_reminder(
    vault: Vault, household, hybrid: HybridRecognizer, clips: dict[str, bytes]
) -> None:
    assistant = Assistant(vault, household.id, speech=hybrid)
    out = assistant.ask_audio(Audio(clips[REMINDER]), member="Ben")
    assert out.intent == "reminder.set"
    assert out.slots["task"] == "call the dentist"
    assert out.speech is not None and out.speech.engine == "whisper"


def test_the_engine_is_chosen_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert isinstance(engine_from_env(), PocketsphinxRecognizer)
    monkeypatch.setenv(ENV_VAR, "hybrid")
    assert isinstance(engine_from_env(), HybridRecognizer)  # models load at the first use
    monkeypatch.setenv(ENV_VAR, "whisper")
    assert isinstance(engine_from_env(), WhisperRecognizer)
    monkeypatch.setenv(ENV_VAR, "kaldi")
    with pytest.raises(VoiceError) as err:
        engine_from_env()
    assert err.value.code == "bad_speech_engine"


class _Unsure(PocketsphinxRecognizer):
    """A grammar pass that heard a command only tentatively (to be read back)."""

    def transcribe(  # type: ignore[override]
        self, samples: bytes, lists: HouseholdLists | None = None, **_: object
    ) -> Transcript:
        return Transcript(REMINDER, 0.7, rejected=True, engine="pocketsphinx", tentative=True)


def test_hybrid_reads_back_the_grammar_when_whisper_is_not_sure(
    whisper: WhisperRecognizer,
) -> None:
    hybrid = HybridRecognizer(_Unsure(lists=LISTS), whisper)
    heard = hybrid.transcribe(b"\x00\x00" * 16000, LISTS)  # silence: Whisper hears nothing
    assert heard.tentative and heard.text == REMINDER and heard.engine == "pocketsphinx"
