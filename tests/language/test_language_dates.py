"""Dates relative to today (Sunday 2026-11-22 unless said otherwise)."""

from __future__ import annotations

from datetime import date

import pytest

from confide.language.dates import parse_date, part_of_day

SUNDAY = date(2026, 11, 22)
WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("today", SUNDAY, date(2026, 11, 22)),
        ("tonight", SUNDAY, date(2026, 11, 22)),
        ("this evening", SUNDAY, date(2026, 11, 22)),
        ("tomorrow", SUNDAY, date(2026, 11, 23)),
        ("tomorrow morning", SUNDAY, date(2026, 11, 23)),
        ("the day after tomorrow", SUNDAY, date(2026, 11, 24)),
        ("day after tomorrow", SUNDAY, date(2026, 11, 24)),
        ("friday", SUNDAY, date(2026, 11, 27)),
        ("on friday", SUNDAY, date(2026, 11, 27)),
        ("On Friday", SUNDAY, date(2026, 11, 27)),
        ("this friday", SUNDAY, date(2026, 11, 27)),
        ("this coming friday", SUNDAY, date(2026, 11, 27)),
        ("friday evening", SUNDAY, date(2026, 11, 27)),
        # a weekday is never today
        ("sunday", SUNDAY, date(2026, 11, 29)),
        ("wednesday", WEDNESDAY, date(2026, 12, 2)),
        # "next" is next week's
        ("next monday", SUNDAY, date(2026, 11, 23)),
        ("next sunday", SUNDAY, date(2026, 11, 29)),
        ("next friday", WEDNESDAY, date(2026, 12, 4)),
        ("friday next week", WEDNESDAY, date(2026, 12, 4)),
        ("next monday", WEDNESDAY, date(2026, 11, 30)),
        ("friday", WEDNESDAY, date(2026, 11, 27)),
        # day of the month
        ("the twenty first", SUNDAY, date(2026, 12, 21)),
        ("the 21st", SUNDAY, date(2026, 12, 21)),
        ("on the 22nd", SUNDAY, date(2026, 11, 22)),
        ("the 30th", SUNDAY, date(2026, 11, 30)),
        ("the 31st", SUNDAY, date(2026, 12, 31)),
        ("the first", SUNDAY, date(2026, 12, 1)),
        ("the 21", SUNDAY, date(2026, 12, 21)),
        ("the 30th", date(2027, 1, 31), date(2027, 3, 30)),
        # day and month
        ("december third", SUNDAY, date(2026, 12, 3)),
        ("december the third", SUNDAY, date(2026, 12, 3)),
        ("the 3rd of december", SUNDAY, date(2026, 12, 3)),
        ("3rd december", SUNDAY, date(2026, 12, 3)),
        ("3 december", SUNDAY, date(2026, 12, 3)),
        ("december 3", SUNDAY, date(2026, 12, 3)),
        ("dec 3", SUNDAY, date(2026, 12, 3)),
        ("november 22nd", SUNDAY, date(2026, 11, 22)),
        ("november 21st", SUNDAY, date(2027, 11, 21)),
        ("january the first", SUNDAY, date(2027, 1, 1)),
        ("february 29th", SUNDAY, date(2028, 2, 29)),
        ("on the twenty fourth of december", SUNDAY, date(2026, 12, 24)),
    ],
)
def test_parse_date(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "on",
        "yesterday",
        "next",
        "the",
        "december",
        "april 31st",
        "february 30th",
        "the 32nd",
        "the 0th",
        "3th december",
        "monday friday",
        "december january 3",
        "the 3rd of",
        "of december",
        "next friday next week",
        "last friday",
        "tomorrow tomorrow",
        "someday",
    ],
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        parse_date(text, SUNDAY)


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("tonight", "pm"),
        ("this morning", "am"),
        ("tomorrow morning", "am"),
        ("tomorrow afternoon", "pm"),
        ("friday evening", "pm"),
        ("tomorrow night", "pm"),
        ("tomorrow", None),
        ("friday", None),
    ],
)
def test_part_of_day(text: str, part: str | None) -> None:
    assert part_of_day(text) == part
