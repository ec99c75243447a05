"""Times of day: parsing, and the alarm and reminder rules that pick the moment."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from confide.language.times import (
    ClockTime,
    daytime_hour,
    format_hhmm,
    parse_time,
    resolve_daytime,
    resolve_next,
)

SUNDAY_3PM = datetime(2026, 11, 22, 15, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seven", ClockTime(7, 0, ambiguous=True)),
        ("7", ClockTime(7, 0, ambiguous=True)),
        ("7 pm", ClockTime(19, 0)),
        ("7pm", ClockTime(19, 0)),
        ("7 p.m.", ClockTime(19, 0)),
        ("seven thirty a m", ClockTime(7, 30)),
        ("7:30am", ClockTime(7, 30)),
        ("7.30 p.m.", ClockTime(19, 30)),
        ("19:30", ClockTime(19, 30)),
        ("19 30", ClockTime(19, 30)),
        ("07:15", ClockTime(7, 15)),
        ("0:05", ClockTime(0, 5)),
        ("six forty five", ClockTime(6, 45, ambiguous=True)),
        ("six forty-five", ClockTime(6, 45, ambiguous=True)),
        ("six oh five", ClockTime(6, 5, ambiguous=True)),
        ("6 05", ClockTime(6, 5, ambiguous=True)),
        ("twelve fifteen", ClockTime(12, 15, ambiguous=True)),
        ("twenty one thirty", ClockTime(21, 30)),
        ("nineteen hundred", ClockTime(19, 0)),
        ("seventeen hundred", ClockTime(17, 0)),
        ("seventeen hundred hours", ClockTime(17, 0)),
        ("oh seven hundred", ClockTime(7, 0)),
        ("noon", ClockTime(12, 0)),
        ("twelve noon", ClockTime(12, 0)),
        ("midday", ClockTime(12, 0)),
        ("midnight", ClockTime(0, 0)),
        ("half past seven", ClockTime(7, 30, ambiguous=True)),
        ("quarter to eight", ClockTime(7, 45, ambiguous=True)),
        ("a quarter past nine", ClockTime(9, 15, ambiguous=True)),
        ("ten to six", ClockTime(5, 50, ambiguous=True)),
        ("twenty past four", ClockTime(4, 20, ambiguous=True)),
        ("twenty five minutes past 3", ClockTime(3, 25, ambiguous=True)),
        ("quarter to one", ClockTime(12, 45, ambiguous=True)),
        ("quarter past twelve", ClockTime(12, 15, ambiguous=True)),
        ("quarter to twelve pm", ClockTime(11, 45)),
        ("half past eleven pm", ClockTime(23, 30)),
        ("quarter past midnight", ClockTime(0, 15)),
        ("quarter to noon", ClockTime(11, 45)),
        ("half six", ClockTime(6, 30, ambiguous=True)),
        ("half seven pm", ClockTime(19, 30)),
        ("ten past 13", ClockTime(13, 10)),
        ("five o'clock", ClockTime(5, 0, ambiguous=True)),
        ("5 oclock in the afternoon", ClockTime(17, 0)),
        ("seven in the morning", ClockTime(7, 0)),
        ("seven in the evening", ClockTime(19, 0)),
        ("eleven at night", ClockTime(23, 0)),
        ("two at night", ClockTime(2, 0)),
        ("twelve at night", ClockTime(0, 0)),
        ("twelve am", ClockTime(0, 0)),
        ("12 pm", ClockTime(12, 0)),
        ("twelve fifteen a.m.", ClockTime(0, 15)),
        ("at 8", ClockTime(8, 0, ambiguous=True)),
        ("ZERO", ClockTime(0, 0)),
    ],
)
def test_parse_time(text: str, expected: ClockTime) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "pm",
        "25:99",
        "24",
        "24:00",
        "7:60",
        "7 60",
        "13 pm",
        "0 am",
        "19:30 pm",
        "seven five",
        "half to six",
        "forty past six",
        "quarter past",
        "midnight pm",
        "seven hundred pm",
        "twenty five",
        "o'clock",
        "breakfast",
    ],
)
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a time of day"):
        parse_time(text)


def test_clock_time_validates_and_formats() -> None:
    with pytest.raises(ValueError):
        ClockTime(13, 0, ambiguous=True)
    with pytest.raises(ValueError):
        ClockTime(24, 0)
    assert ClockTime(7, 5, ambiguous=True).readings() == (7, 19)
    assert ClockTime(12, 0, ambiguous=True).readings() == (0, 12)
    assert ClockTime(7, 5, ambiguous=True).hhmm() == "07:05"
    assert format_hhmm(9, 3) == "09:03"


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        ("seven", datetime(2026, 11, 22, 22, 0), datetime(2026, 11, 23, 7, 0)),
        ("seven", SUNDAY_3PM, datetime(2026, 11, 22, 19, 0)),
        ("seven", datetime(2026, 11, 22, 5, 0), datetime(2026, 11, 22, 7, 0)),
        ("seven", datetime(2026, 11, 22, 7, 0), datetime(2026, 11, 22, 19, 0)),
        ("7 am", SUNDAY_3PM, datetime(2026, 11, 23, 7, 0)),
        ("15:00", SUNDAY_3PM, datetime(2026, 11, 23, 15, 0)),
        ("twelve", SUNDAY_3PM, datetime(2026, 11, 23, 0, 0)),
        ("midnight", datetime(2026, 12, 31, 23, 30), datetime(2027, 1, 1, 0, 0)),
    ],
)
def test_resolve_next_is_the_alarm_rule(text: str, now: datetime, expected: datetime) -> None:
    assert resolve_next(parse_time(text), now) == expected


def test_resolve_next_on_a_date_or_weekdays() -> None:
    six = parse_time("six thirty")
    monday = date(2026, 11, 23)
    assert resolve_next(six, SUNDAY_3PM, on_date=monday) == datetime(2026, 11, 23, 6, 30)
    assert resolve_next(six, SUNDAY_3PM, on_date=date(2026, 11, 22)) == datetime(
        2026, 11, 22, 18, 30
    )
    weekdays = frozenset(range(5))
    assert resolve_next(six, SUNDAY_3PM, weekdays=weekdays) == datetime(2026, 11, 23, 6, 30)
    with pytest.raises(ValueError, match="passed"):
        resolve_next(parse_time("7 am"), SUNDAY_3PM, on_date=date(2026, 11, 22))


@pytest.mark.parametrize(
    ("text", "now", "on_date", "expected"),
    [
        ("seven", SUNDAY_3PM, None, datetime(2026, 11, 22, 19, 0)),
        ("seven", datetime(2026, 11, 22, 22, 0), None, datetime(2026, 11, 23, 7, 0)),
        ("one", SUNDAY_3PM, None, datetime(2026, 11, 23, 13, 0)),
        ("eleven", SUNDAY_3PM, None, datetime(2026, 11, 22, 23, 0)),
        ("ten", SUNDAY_3PM, None, datetime(2026, 11, 22, 22, 0)),
        ("twelve", SUNDAY_3PM, None, datetime(2026, 11, 23, 12, 0)),
        ("six", datetime(2026, 11, 22, 5, 0), None, datetime(2026, 11, 22, 6, 0)),
        ("half past three", SUNDAY_3PM, None, datetime(2026, 11, 22, 15, 30)),
        ("8 am", SUNDAY_3PM, None, datetime(2026, 11, 23, 8, 0)),
        ("eight", SUNDAY_3PM, date(2026, 11, 23), datetime(2026, 11, 23, 8, 0)),
        ("three", SUNDAY_3PM, date(2026, 11, 27), datetime(2026, 11, 27, 15, 0)),
        ("twelve", SUNDAY_3PM, date(2026, 11, 27), datetime(2026, 11, 27, 12, 0)),
        ("six", SUNDAY_3PM, date(2026, 11, 27), datetime(2026, 11, 27, 18, 0)),
        ("8 pm", SUNDAY_3PM, date(2026, 11, 27), datetime(2026, 11, 27, 20, 0)),
        ("seven", SUNDAY_3PM, date(2026, 11, 22), datetime(2026, 11, 22, 19, 0)),
        ("two", datetime(2026, 11, 22, 23, 0), date(2026, 11, 22), datetime(2026, 11, 22, 14, 0)),
    ],
)
def test_resolve_daytime_is_the_reminder_rule(
    text: str, now: datetime, on_date: date | None, expected: datetime
) -> None:
    assert resolve_daytime(parse_time(text), now, on_date=on_date) == expected


@pytest.mark.parametrize(("hour", "expected"), [(7, 7), (11, 11), (12, 12), (1, 13), (6, 18)])
def test_daytime_hour(hour: int, expected: int) -> None:
    assert daytime_hour(hour) == expected


def test_daytime_hour_rejects() -> None:
    with pytest.raises(ValueError):
        daytime_hour(13)
