"""Text normalisation and the map back to the original text."""

from __future__ import annotations

import pytest

from confide.language.normalize import Normaliser, match_form

NORMALISER = Normaliser(["please", "hey confide", "can you", "confide"], ["please"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What time is it?", "what time is it"),
        ("Hey Confide, can you set an alarm for 7:30pm please?", "set an alarm for 7 30 pm"),
        ("set an alarm for 6.45 a.m.", "set an alarm for 6 45 am"),
        ("set a 5-minute timer", "set a 5 minute timer"),
        ("set a timer for 10min", "set a timer for 10 min"),
        ("what’s the time", "what's the time"),
        ("tell Bob 'hello'", "tell bob hello"),
        ("  lots   of\tspace  ", "lots of space"),
        ("take 1.5 hours", "take 1.5 hours"),
        ("please", ""),
        ("confide", ""),
        ("", ""),
        ("?!…", ""),
        ("tell Bob thanks, please", "tell bob thanks"),
        ("please tell Bob please", "tell bob"),
        ("İstanbul", "istanbul"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert NORMALISER.normalise(text).text == expected


@pytest.mark.parametrize(
    "text",
    ['Hey Confide, tell Bob: "I\'ll be late"!', "remind me at 7:30pm to x", "İİ ab.c", "a—b", ""],
)
def test_offsets_line_up(text: str) -> None:
    norm = NORMALISER.normalise(text)
    assert len(norm.offsets) == len(norm.text)
    assert all(0 <= offset < len(text) for offset in norm.offsets)
    assert list(norm.offsets) == sorted(norm.offsets)


def test_original_slice_keeps_the_persons_words() -> None:
    norm = NORMALISER.normalise('Tell Bob: "Dinner\'s ready, come down!" please')
    start = norm.text.index("dinner's")
    assert norm.original_slice(start, len(norm.text)) == "Dinner's ready, come down"
    assert norm.original_slice(3, 3) == ""
    assert norm.original_slice(0, 10_000) == ""


def test_fillers_only_at_the_edges() -> None:
    assert NORMALISER.normalise("tell Bob can you call me").text == "tell bob can you call me"


def test_match_form() -> None:
    assert match_form("Mary-Jane") == "mary jane"
    assert match_form("Dr. Smith") == "dr smith"
    assert match_form("O'Brien") == "o'brien"
