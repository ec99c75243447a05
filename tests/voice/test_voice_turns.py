"""Voice turns through the assistant: transcribe -> the text path -> the vault, on both backends.

Speech is synthesised at run time (espeak-ng + sox).  The recording is stored only when the
speaker's ``audio_retention`` allows, and then only encrypted: a byte scan of the home finds
no excerpt of the PCM in either case.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("pocketsphinx")

from confide.assistant import NOT_UNDERSTOOD, Assistant, heard_text
from confide.vault import Vault, history, lineage, read_artifact
from confide.vault.schema import members
from confide.vault.settings import add_months
from confide.voice import Audio, decode_wav
from confide.voice.recognizers import PocketsphinxRecognizer, Transcript
from speechgen import needs_speech, synthesise

pytestmark = needs_speech

#: Slow speech: pocketsphinx on espeak-ng is most reliable at this rate.
WPM = 120


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Audio]:
    folder = tmp_path_factory.mktemp("speech")
    texts = ("what time is it", "remove milk from the shopping list", "play some jazz music")
    return {text: Audio(synthesise(text, folder, wpm=WPM)) for text in texts}


@pytest.fixture(scope="module")
def speech() -> PocketsphinxRecognizer:
    """One recogniser for the module (building the grammar decoder takes seconds)."""
    return PocketsphinxRecognizer()


@pytest.fixture
def assistant(vault: Vault, household, speech: PocketsphinxRecognizer) -> Assistant:
    return Assistant(vault, household.id, speech=speech)


def excerpts(audio: Audio, count: int = 8) -> list[bytes]:
    """64-byte windows of the PCM spread over the middle of the recording (the speech)."""
    pcm = audio.samples
    step = len(pcm) // (count + 2) // 2 * 2
    return [pcm[step * (i + 1) : step * (i + 1) + 64] for i in range(count)]


def test_voice_turn_runs_the_text_path_and_keeps_no_audio(
    assistant: Assistant, clips: dict[str, Audio], scan_home, tmp_path: Path
) -> None:
    out = assistant.ask_audio(clips["what time is it"], member="Ben")
    assert out.intent == "time.get"
    assert out.transcript == "what time is it"
    assert out.member == "Ben"
    assert out.reply and out.reply != NOT_UNDERSTOOD
    assert list(out.timings_ms) == ["transcribe", "understand", "act", "store"]
    body = out.to_dict()
    assert body["speech"]["engine"] == "pocketsphinx"
    assert body["speech"]["rejected"] is False
    assert isinstance(body["speech"]["confidence"], float)
    json.dumps(body)
    kinds = {item.kind for item in out.stored}
    assert kinds == {"transcript", "interpretation", "reply"}
    turns = history(assistant.vault, assistant.household_id)
    assert [(t.id, t.source) for t in turns] == [(out.turn_id, "voice")]
    found = lineage(assistant.vault, assistant.household_id, out.turn_id)
    assert "audio" not in {a.kind for a in found.artifacts}
    needles = excerpts(clips["what time is it"])
    assert all(not paths for paths in scan_home(tmp_path / "home", needles).values())
    # the scanner does find PCM where it is in plaintext (a control of the scan itself)
    control = tmp_path / "control"
    control.mkdir()
    (control / "clip.wav").write_bytes(clips["what time is it"].to_wav())
    assert all(scan_home(control, needles).values())


def test_audio_is_kept_encrypted_when_the_member_allows(
    assistant: Assistant, clips: dict[str, Audio], scan_home, tmp_path: Path, household
) -> None:
    vault = assistant.vault
    # changed after the assistant was made: the setting is read inside the turn's transaction
    vault.set_member_setting(household.id, "Ben", "audio_retention", "3_months", actor="t")
    clip = clips["remove milk from the shopping list"]
    assert assistant.ask("add milk to the list", member="Ben").intent == "shopping.add"
    out = assistant.ask_audio(clip, member="Ben")
    assert out.intent == "shopping.remove"
    assert out.slots == {"item": "milk"}
    audio = next(item for item in out.stored if item.kind == "audio")
    assert audio.location.startswith("blob:")
    assert audio.size == len(clip.to_wav())
    assert audio.created_at is not None
    stored_at = datetime.fromtimestamp(audio.created_at, UTC)
    assert audio.expires_at == add_months(stored_at, 3).timestamp()
    found = lineage(vault, household.id, out.turn_id)
    assert audio.id in {a.id for a in found.artifacts}
    wav = read_artifact(vault, household.id, audio.id)
    assert decode_wav(wav).samples == clip.samples
    needles = excerpts(clip)
    assert all(not paths for paths in scan_home(tmp_path / "home", needles).values())
    # a member who keeps nothing, in the same household: no audio for their turn
    other = assistant.ask_audio(clip, member="Ada")
    assert "audio" not in {item.kind for item in other.stored}


def test_until_deleted_has_no_expiry(
    assistant: Assistant, clips: dict[str, Audio], household
) -> None:
    assistant.vault.set_member_setting(
        household.id, "Ada", "audio_retention", "until_deleted", actor="t"
    )
    # a recording never outlives its turn: with the default transcript_retention it goes at 3 months
    out = assistant.ask_audio(clips["what time is it"])
    audio = next(item for item in out.stored if item.kind == "audio")
    transcript = next(item for item in out.stored if item.kind == "transcript")
    assert audio.expires_at is not None and audio.expires_at == transcript.expires_at
    assistant.vault.set_member_setting(
        household.id, "Ada", "transcript_retention", "until_deleted", actor="t"
    )
    out = assistant.ask_audio(clips["what time is it"])
    audio = next(item for item in out.stored if item.kind == "audio")
    assert audio.expires_at is None
    assert out.to_dict()["stored"][0]["expires_at"] is None


def test_a_rejected_transcript_is_stored_but_not_acted_on(
    assistant: Assistant, clips: dict[str, Audio], household
) -> None:
    out = assistant.ask_audio(clips["play some jazz music"], member="Cleo")
    assert out.speech is not None and out.speech.rejected
    assert out.intent is None
    assert out.slots == {}
    assert out.actions == ()
    assert out.reply == NOT_UNDERSTOOD
    assert out.to_dict()["speech"]["rejected"] is True
    found = lineage(assistant.vault, household.id, out.turn_id)
    assert found.turn.source == "voice"
    assert found.records == ()
    transcript = next(a for a in found.artifacts if a.kind == "transcript")
    assert read_artifact(assistant.vault, household.id, transcript.id).decode() == out.transcript
    interpretation = next(a for a in found.artifacts if a.kind == "interpretation")
    assert json.loads(read_artifact(assistant.vault, household.id, interpretation.id)) == {
        "intent": None,
        "slots": {},
    }


def test_a_childs_audio_is_never_kept(
    assistant: Assistant, clips: dict[str, Audio], household
) -> None:
    # even if the setting were forced past the vault's validation
    with assistant.vault.engine.begin() as conn:
        conn.execute(
            members.update()
            .where(members.c.id == household.child.id)
            .values(audio_retention="until_deleted")
        )
    out = assistant.ask_audio(clips["what time is it"], member="Cleo")
    assert out.intent == "time.get"
    assert "audio" not in {item.kind for item in out.stored}


def test_heard_text_is_cleaned_and_nothing_heard_is_a_rejection() -> None:
    heard = heard_text(Transcript(" what\u200b  time\x00 is it ", -1.0, False, engine="x"))
    assert (heard.text, heard.rejected) == ("what time is it", False)
    assert heard_text(Transcript(" \u200b ", -1.0, False)).rejected
    assert heard_text(Transcript("x" * 5000, -1.0, False)).text == "x" * 1000
    assert heard_text(Transcript("what time", -9.0, True)).rejected
