"""Repairs of dictated words towards the grammar's: the bundled dictionary and templates."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from confide.language import HouseholdLists, Recognizer
from confide.voice.grammar import grammar_for
from confide.voice.sound_alike import MAX_CANDIDATES, SoundAlike, parse_dictionary, phone_distance

LISTS = HouseholdLists(members=("Alex", "Bob", "Sam"), contacts=("Grandma",))
NOW = datetime(2026, 11, 23, 9, 0)


@pytest.fixture(scope="module")
def alike() -> SoundAlike:
    pocketsphinx = pytest.importorskip("pocketsphinx")
    source = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    grammar = grammar_for(LISTS, wildcards="exclude")
    return SoundAlike(parse_dictionary(source.read_text(encoding="utf-8")), grammar.words)


def test_phone_distance_counts_edits() -> None:
    assert phone_distance(("R", "IY", "M"), ("R", "IY", "M")) == 0
    assert phone_distance(("AE", "N", "D"), ("AE", "D")) == 1
    assert phone_distance(("AY", "M"), ("AE", "M")) == 1
    assert phone_distance((), ("AE",)) == 1
    assert phone_distance(("HH", "AA", "T"), ("HH", "AE", "F")) == 2


def test_parse_dictionary_joins_second_pronunciations() -> None:
    found = parse_dictionary("read R IY D\nread(2) R EH D\nthe DH AH\n\nbroken\n")
    assert found == {
        "read": [("R", "IY", "D"), ("R", "EH", "D")],
        "the": [
            (
                "DH",
                "AH",
            )
        ],
    }


def test_alternatives_are_grammar_words_one_phone_away(alike: SoundAlike) -> None:
    assert (1, "remind") in alike.alternatives("reminds")
    assert (1, "am") in alike.alternatives("i'm")
    assert (1, "add") in alike.alternatives("and")
    assert all(distance <= 1 for distance, _ in alike.alternatives("reminds"))
    assert all(target != "reminds" for _, target in alike.alternatives("reminds"))
    assert alike.alternatives("necessary") == []  # nothing in the grammar sounds like it
    assert alike.alternatives("qqzx") == []  # a word with no pronunciation


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("reminds me to call the dentist at three pm", "remind me to call the dentist at three pm"),
        ("set an alarm for seven i'm", "set an alarm for seven am"),
        ("and tomatoes to the shopping list", "add tomatoes to the shopping list"),
    ],
)
def test_the_first_repair_that_means_a_command(alike: SoundAlike, heard: str, meant: str) -> None:
    text = Recognizer()
    assert text.recognize(heard, LISTS, NOW).intent is None
    found = next(
        " ".join(c)
        for c in alike.repairs(heard.split())
        if text.recognize(" ".join(c), LISTS, NOW).intent is not None
    )
    assert found == meant


def test_repairs_change_one_word_before_two_and_are_bounded(alike: SoundAlike) -> None:
    words = ["reminds", "me", "and", "i'm", "the"]
    offered = list(alike.repairs(words))
    changed = [sum(a != b for a, b in zip(words, c, strict=True)) for c in offered]
    assert changed == sorted(changed) and set(changed) <= {1, 2}
    assert len(offered) <= MAX_CANDIDATES
    assert tuple(words) not in offered
