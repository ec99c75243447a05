"""Read-backs: a tentative transcript is asked about, and only the speaker's next "yes" acts.

Real vaults (SQLite files and PostgreSQL on loopback); what the speech engine heard is given
as a :class:`Transcript` (``Assistant.ask_heard``, the path of a decoded live stream), so the
test decides what was heard and how sure the engine was.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import VaultFactory

from confide import runtime
from confide.assistant import NOT_UNDERSTOOD, Assistant
from confide.clock import ManualClock
from confide.confirmation import NOTHING_TO_CONFIRM, READ_BACK, READ_BACK_SECONDS, WONT_DO
from confide.turn_outcome import TurnOutcome
from confide.vault import NotFoundError, lineage, read_artifact
from confide.voice import Audio
from confide.voice.transcript import Transcript

DENTIST = "remind me to call the dentist at three pm"
SILENCE = Audio(b"\x00\x00" * 16000)


class Talking(Assistant):
    """The assistant, with a second passing before every turn (as when someone speaks)."""

    clock: ManualClock

    def ask(self, text: str, **kwargs: Any) -> TurnOutcome:
        self.clock.advance(timedelta(seconds=1))
        return super().ask(text, **kwargs)

    def ask_heard(self, audio: Audio, heard: Transcript, **kwargs: Any) -> TurnOutcome:
        self.clock.advance(timedelta(seconds=1))
        return super().ask_heard(audio, heard, **kwargs)


@pytest.fixture
def assistant(vault_factory: VaultFactory, clock: ManualClock) -> Iterator[Assistant]:
    vault = vault_factory()
    household, _ = runtime.create_demo(vault)
    talking = Talking(vault, household.id)
    talking.clock = clock
    yield talking


def heard(text: str, *, tentative: bool = True, rejected: bool = True) -> Transcript:
    return Transcript(text, 0.7, rejected=rejected, engine="test", tentative=tentative)


def speak(assistant: Assistant, text: str, member: str | None = None, **how: bool) -> TurnOutcome:
    return assistant.ask_heard(SILENCE, heard(text, **how), member=member, transcribe_ms=1.0)


def reminders(assistant: Assistant) -> list[str]:
    with assistant.vault.read_records(assistant.household_id) as records:
        return [str(r.payload["task"]) for r in records.list("reminder")]


def test_a_tentative_command_is_read_back_not_done(assistant: Assistant) -> None:
    out = speak(assistant, DENTIST)
    assert out.intent is None and not out.actions
    assert out.read_back is not None and out.read_back.intent == "reminder.set"
    assert out.read_back.slots["task"] == "call the dentist"
    assert DENTIST in out.reply and "yes or no" in out.reply
    body = out.to_dict()
    assert body["intent"] is None
    assert body["awaiting_confirmation"]["intent"] == "reminder.set"
    assert reminders(assistant) == []
    # the question is a sealed artifact of the turn, under its own key, expiring soon
    found = lineage(assistant.vault, assistant.household_id, out.turn_id)
    (question,) = [a for a in found.artifacts if a.kind == READ_BACK]
    assert question.expires_at is not None
    assert question.expires_at - question.created_at == pytest.approx(READ_BACK_SECONDS)
    assert f"key_{question.id}" in {k.id for k in found.own_keys}
    stored = read_artifact(assistant.vault, assistant.household_id, question.id)
    assert b"call the dentist" in stored


def test_yes_acts_on_exactly_what_was_read_back(assistant: Assistant) -> None:
    asked = speak(assistant, DENTIST)
    out = assistant.ask("yes please")
    assert out.intent == "reminder.set"
    assert dict(out.slots) == dict(asked.read_back.slots)  # type: ignore[union-attr]
    assert out.confirms == asked.turn_id and out.to_dict()["confirms"] == asked.turn_id
    assert [a.kind for a in out.actions] == ["reminder"]
    assert reminders(assistant) == ["call the dentist"]
    # the answering turn stores what it did and which question it answered
    found = lineage(assistant.vault, assistant.household_id, out.turn_id)
    meaning = next(a for a in found.artifacts if a.kind == "interpretation")
    data = read_artifact(assistant.vault, assistant.household_id, meaning.id)
    assert asked.turn_id.encode() in data and b"reminder.set" in data
    # answered once: a second yes has nothing to confirm
    again = assistant.ask("yes")
    assert again.intent is None and again.reply == NOTHING_TO_CONFIRM and not again.actions
    assert reminders(assistant) == ["call the dentist"]


def test_a_spoken_yes_answers_too(assistant: Assistant) -> None:
    speak(assistant, "add oat milk to the shopping list")
    out = speak(assistant, "yes", tentative=False, rejected=False)
    assert out.intent == "shopping.add" and out.slots["item"] == "oat milk"


def test_no_does_nothing_and_closes_the_question(assistant: Assistant) -> None:
    asked = speak(assistant, DENTIST)
    out = assistant.ask("no that's wrong")
    assert out.intent is None and out.reply == WONT_DO and not out.actions
    assert out.confirms == asked.turn_id
    assert assistant.ask("yes").reply == NOTHING_TO_CONFIRM
    assert reminders(assistant) == []


def test_yes_with_nothing_asked_does_nothing(assistant: Assistant) -> None:
    out = assistant.ask("yes")
    assert out.intent is None and out.reply == NOTHING_TO_CONFIRM and out.confirms is None
    assistant.ask("set a timer for five minutes")  # an ordinary turn asks nothing
    assert assistant.ask("yes").reply == NOTHING_TO_CONFIRM


def test_another_turn_in_between_leaves_the_question_unanswered(assistant: Assistant) -> None:
    speak(assistant, DENTIST)
    assistant.ask("what time is it")
    assert assistant.ask("yes").reply == NOTHING_TO_CONFIRM
    assert reminders(assistant) == []


def test_a_question_expires(assistant: Assistant, clock: ManualClock) -> None:
    speak(assistant, DENTIST)
    clock.advance(timedelta(seconds=READ_BACK_SECONDS + 1))
    assert assistant.ask("yes").reply == NOTHING_TO_CONFIRM
    assert reminders(assistant) == []


def test_only_the_speaker_can_answer(assistant: Assistant) -> None:
    speak(assistant, DENTIST)  # the owner asked
    assert assistant.ask("yes", member="Bob").reply == NOTHING_TO_CONFIRM
    assert assistant.ask("yes").intent == "reminder.set"


def test_an_unsure_answer_answers_a_waiting_question_only(assistant: Assistant) -> None:
    speak(assistant, DENTIST)
    out = speak(assistant, "yes")  # heard tentatively: it still answers the question
    assert out.intent == "reminder.set" and out.read_back is None
    assert reminders(assistant) == ["call the dentist"]
    out = speak(assistant, "yes")  # and with no question waiting, it does nothing
    assert out.intent is None and out.read_back is None and out.reply == NOTHING_TO_CONFIRM
    speak(assistant, DENTIST)
    assert speak(assistant, "no").reply == WONT_DO
    assert reminders(assistant) == ["call the dentist"]


def test_tentative_nonsense_is_not_read_back(assistant: Assistant) -> None:
    out = speak(assistant, "purple monkey dishwasher")
    assert out.intent is None and out.read_back is None and out.reply == NOT_UNDERSTOOD


def test_a_rejected_transcript_that_is_not_tentative_asks_nothing(assistant: Assistant) -> None:
    out = speak(assistant, DENTIST, tentative=False)
    assert out.read_back is None and out.reply == NOT_UNDERSTOOD
    assert assistant.ask("yes").reply == NOTHING_TO_CONFIRM


def test_a_text_heard_tentatively_by_speech_to_text_is_read_back(assistant: Assistant) -> None:
    """Wyoming: speech-to-text marks the text; the handle request with it asks instead."""
    owner = assistant.member(None)
    assistant.tentative_texts.add(owner.id, DENTIST)
    out = assistant.ask("Remind me to call the dentist at three PM")  # same words, any case
    assert out.read_back is not None and out.intent is None
    assert assistant.ask("yes").intent == "reminder.set"
    # once only: the same text typed again is an ordinary command
    assert assistant.ask(DENTIST).intent == "reminder.set"
    # another member's tentative text does not mark the owner's
    assistant.tentative_texts.add(assistant.member("Bob").id, DENTIST)
    assert assistant.ask(DENTIST).intent == "reminder.set"


def test_forgetting_the_question_removes_it(assistant: Assistant) -> None:
    asked = speak(assistant, DENTIST)
    found = lineage(assistant.vault, assistant.household_id, asked.turn_id)
    (question,) = [a for a in found.artifacts if a.kind == READ_BACK]
    assert assistant.ask("forget that").intent == "privacy.forget_last"
    with pytest.raises(NotFoundError):
        read_artifact(assistant.vault, assistant.household_id, question.id)
    assert assistant.ask("yes").reply == NOTHING_TO_CONFIRM
    assert reminders(assistant) == []


def test_two_turns_at_one_instant_answer_nothing(vault_factory: VaultFactory) -> None:
    """Which of two turns stamped alike came last is unknown: no question is answered."""
    vault = vault_factory()
    household, _ = runtime.create_demo(vault)
    still = Assistant(vault, household.id)  # the test's clock does not move
    still.ask_heard(SILENCE, heard(DENTIST), transcribe_ms=1.0)
    assert still.ask("yes").intent == "reminder.set"  # the question was the only turn
    still.ask_heard(SILENCE, heard(DENTIST), transcribe_ms=1.0)
    assert still.ask("yes").reply == NOTHING_TO_CONFIRM


def test_the_recogniser_is_told_when_an_answer_is_awaited(assistant: Assistant) -> None:
    assert not assistant.awaits_answer()
    speak(assistant, DENTIST)
    assert assistant.awaits_answer() and not assistant.awaits_answer("Bob")
    assistant.ask("yes")
    assert not assistant.awaits_answer()


def test_questions_are_sealed_at_rest_and_gone_after_forgetting(
    vault_factory: VaultFactory, clock: ManualClock, tmp_path: Path, scan_home: Any
) -> None:
    """Invariant 1 and 2 for read-backs: no file of the home holds the question's words, while
    it waits or after "forget that" (positive control: the scan finds a planted marker)."""
    home = tmp_path / "home"
    vault = vault_factory(home)
    household, _ = runtime.create_demo(vault)
    talking = Talking(vault, household.id)
    talking.clock = clock
    words = "remind me to call the orthodontist at three pm"
    asked = speak(talking, words)
    assert asked.read_back is not None
    (home / "marker.bin").write_bytes(b"planted-marker-4712")
    needles = [b"orthodontist", b"planted-marker-4712"]
    hits = scan_home(home, needles)
    assert hits[b"planted-marker-4712"], "the scan does not read the files"
    assert hits[b"orthodontist"] == []
    assert talking.ask("forget that").intent == "privacy.forget_last"
    assert scan_home(home, needles)[b"orthodontist"] == []
    assert talking.ask("yes").reply == NOTHING_TO_CONFIRM


def test_forget_that_is_never_read_back(assistant: Assistant) -> None:
    """A confirmed "forget that" would forget the question, not the turn before it."""
    assistant.ask("add eggs to the shopping list")
    out = speak(assistant, "forget that")
    assert out.read_back is None and out.intent is None and out.reply == NOT_UNDERSTOOD
    assert speak(assistant, "forget everything from today").read_back is not None
