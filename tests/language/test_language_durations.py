"""Durations in words and digits → seconds."""

from __future__ import annotations

import pytest

from confide.language.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("five minutes", 300),
        ("a minute", 60),
        ("an hour", 3600),
        ("an hour and a half", 5400),
        ("one hour and twenty minutes", 4800),
        ("ninety seconds", 90),
        ("2 minutes 30 seconds", 150),
        ("half an hour", 1800),
        ("half a minute", 30),
        ("half hour", 1800),
        ("a quarter of an hour", 900),
        ("quarter hour", 900),
        ("three quarters of an hour", 2700),
        ("two and a half hours", 9000),
        ("a minute and a half", 90),
        ("1.5 hours", 5400),
        ("10min", 600),
        ("12 mins", 720),
        ("1 hr 20 mins", 4800),
        ("an hour, ten minutes and five seconds", 4205),
        ("one hundred and twenty seconds", 120),
        ("five minute", 300),
        ("forty-five minutes", 2700),
        ("Twenty Five Minutes", 1500),
        ("3 hours 2 seconds", 10802),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        "",
        "minutes",
        "five",
        "five minutes five minutes",
        "zero minutes",
        "0 seconds",
        "half a second",
        "1.5 seconds",
        "an hour and a half and",
        "a bit",
        "and",
        "some minutes",
        "five parsecs",
    ],
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not"):
        parse_duration(text)
