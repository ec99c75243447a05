"""Whether the grammar pass and a second pass agree: evidence for the second pass's judge."""

from __future__ import annotations

import pytest

from confide.language import Recognizer
from confide.language.models import HouseholdLists
from confide.voice.dictation import passes_agree

LISTS = HouseholdLists(members=("alex", "bob"), contacts=("grandma",))


@pytest.fixture(scope="module")
def text() -> Recognizer:
    return Recognizer()


def test_the_same_command_heard_twice_agrees(text: Recognizer) -> None:
    said = "remind me to water the plants tomorrow at six pm"
    assert passes_agree(text, said, said, LISTS)
    # Other words for the same intent and slots agree too.
    assert passes_agree(text, "set a timer for five minutes", "start a five minute timer", LISTS)


def test_free_text_heard_differently_or_another_command_does_not_agree(text: Recognizer) -> None:
    first = "remind me to water the plans tomorrow at six pm"
    assert not passes_agree(text, first, "remind me to water the plants tomorrow at six pm", LISTS)
    assert not passes_agree(text, "set a timer for five minutes", "set an alarm for five", LISTS)


def test_nothing_meant_is_never_agreement(text: Recognizer) -> None:
    assert not passes_agree(text, "purple monkey dishwasher", "purple monkey dishwasher", LISTS)
    assert not passes_agree(text, "", "set a timer for five minutes", LISTS)
    assert not passes_agree(text, "set a timer for five minutes", "   ", LISTS)
