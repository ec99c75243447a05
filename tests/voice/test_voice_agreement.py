"""How far the grammar pass and the dictation pass agree: evidence for the dictation's judge."""

from __future__ import annotations

import pytest

from confide.language import Recognizer
from confide.language.models import HouseholdLists
from confide.voice.dictation import AGREEMENT, agreement, passes_agree

LISTS = HouseholdLists(members=("alex", "bob"), contacts=("grandma",))


@pytest.fixture(scope="module")
def text() -> Recognizer:
    return Recognizer()


def test_the_same_command_heard_twice_agrees_on_everything(text: Recognizer) -> None:
    said = "remind me to water the plants tomorrow at six pm"
    assert agreement(text, said, said, LISTS) == (1.0, 1.0, 1.0)
    assert passes_agree(text, said, said, LISTS)
    assert len(AGREEMENT) == 3


def test_free_text_heard_differently_is_the_same_intent_not_the_same_command(
    text: Recognizer,
) -> None:
    first = "remind me to water the plans tomorrow at six pm"
    second = "remind me to water the plants tomorrow at six pm"
    agree, same_intent, same_words = agreement(text, first, second, LISTS)
    assert (agree, same_intent) == (0.0, 1.0)
    assert same_words == pytest.approx(1 - 1 / 10)
    assert not passes_agree(text, first, second, LISTS)


def test_different_commands_or_nothing_share_only_words(text: Recognizer) -> None:
    assert agreement(text, "set a timer for five minutes", "set an alarm for five", LISTS)[:2] == (
        0.0,
        0.0,
    )
    # Meaning nothing is never agreement, even word for word.
    assert agreement(text, "purple monkey dishwasher", "purple monkey dishwasher", LISTS) == (
        0.0,
        0.0,
        1.0,
    )
    assert agreement(text, "", "set a timer for five minutes", LISTS) == (0.0, 0.0, 0.0)
    assert agreement(text, "set a timer", "   ", LISTS) == (0.0, 0.0, 0.0)
