"""Calendar dates said relative to today: "tomorrow", "on friday", "the 21st", "december third".

Rules (``today`` is the date of the recogniser's ``now``):

* "today", "tonight", "this morning/afternoon/evening" are today; "tomorrow [morning|...]"
  is today + 1; "the day after tomorrow" today + 2.
* A weekday ("friday", "on friday", "this friday", "this coming friday") is the first such
  day *after* today, never today itself: said on a Sunday, "sunday" is a week later.
* "next friday" / "friday next week" is the Friday of next week (weeks start on Monday).
  On a Sunday, both rules name the same day.
* A day of the month alone ("the 21st", "on the twenty first", "the 21") is in this month when it is
  today or later, otherwise in the first later month that has that day.
* A day and a month ("december third", "the 3rd of december", "3 december", "december 3")
  is this year when it is today or later, otherwise the first later year that has it
  (so "february 29th" waits for a leap year).  An impossible date ("april 31st") is invalid.

:func:`parse_date` raises :class:`ValueError` for anything else.  :func:`part_of_day` returns
the "am"/"pm" hint a date phrase carries ("tonight", "tomorrow morning").
"""

from __future__ import annotations

from datetime import date, timedelta

from confide.language.numbers import parse_number, parse_ordinal, words

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_PARTS: dict[str, str] = {
    "morning": "am",
    "afternoon": "pm",
    "evening": "pm",
    "night": "pm",
    "tonight": "pm",
}
_NOT_A_DATE = "not a date"


def _tokens(text: str) -> list[str]:
    tokens = words(text.replace(",", " ").replace(".", " "))
    if tokens[:1] == ["on"]:
        tokens = tokens[1:]
    return tokens


def part_of_day(text: str) -> str | None:
    """ "am" for "this morning"/"tomorrow morning", "pm" for "tonight"/"... evening", else None."""
    tokens = _tokens(text)
    if tokens and tokens[-1] in _PARTS:
        return _PARTS[tokens[-1]]
    return None


def parse_date(text: str, today: date) -> date:
    """Parse a date phrase relative to ``today`` (see the module docstring for the rules)."""
    tokens = _tokens(text)
    if not tokens:
        raise ValueError(_NOT_A_DATE)
    if tokens in (["today"], ["tonight"]):
        return today
    if len(tokens) == 2 and tokens[0] == "this" and tokens[1] in _PARTS:
        return today
    if tokens[:1] == ["tomorrow"] and (len(tokens) == 1 or tokens[1:] in _PART_TAILS):
        return today + timedelta(days=1)
    if tokens[:1] == ["the"] and tokens[1:4] == ["day", "after", "tomorrow"]:
        tokens = tokens[1:]
    if tokens == ["day", "after", "tomorrow"]:
        return today + timedelta(days=2)
    if tokens and tokens[-1] in _PARTS and len(tokens) > 1:
        tokens = tokens[:-1]  # "friday morning", "next monday evening"
    weekday = _parse_weekday(tokens, today)
    if weekday is not None:
        return weekday
    return _parse_day_of_month(tokens, today)


_PART_TAILS = [[part] for part in ("morning", "afternoon", "evening", "night")]


_THIS = (["this"], ["coming"], ["this", "coming"])


def _parse_weekday(tokens: list[str], today: date) -> date | None:
    names = [t for t in tokens if t in WEEKDAYS]
    if len(names) != 1:
        return None
    target = WEEKDAYS.index(names[0])
    rest = [t for t in tokens if t != names[0]]
    first, last = tokens[0] == names[0], tokens[-1] == names[0]
    if (first and rest == ["next", "week"]) or (last and rest == ["next"]):
        return _next_week(today, target)
    if (first and not rest) or (last and rest in _THIS):
        return _first_after(today, target)
    return None


def _first_after(today: date, weekday: int) -> date:
    days = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=days)


def _next_week(today: date, weekday: int) -> date:
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    return monday + timedelta(days=weekday)


def _parse_day(tokens: list[str]) -> int:
    text = " ".join(tokens)
    try:
        return parse_ordinal(text)
    except ValueError:
        if len(tokens) == 1 and tokens[0].isdigit():
            return parse_number(text)
        raise


def _parse_day_of_month(tokens: list[str], today: date) -> date:
    months = [t for t in tokens if t in MONTHS]
    if len(months) > 1:
        raise ValueError(_NOT_A_DATE)
    if not months:
        if tokens[:1] != ["the"] or len(tokens) < 2:
            raise ValueError(_NOT_A_DATE)
        day = _parse_day(tokens[1:])
        return _next_day_of_month(today, day)
    month = MONTHS[months[0]]
    at = tokens.index(months[0])
    before, after = tokens[:at], tokens[at + 1 :]
    if (before and after) or not (before or after):
        raise ValueError(_NOT_A_DATE)
    if after:  # "december third", "december the third", "december 3"
        day_tokens = after[1:] if after[0] == "the" else after
    else:  # "the third of december", "3rd december", "3 december"
        day_tokens = before[1:] if before[0] == "the" else before
        if day_tokens[-1:] == ["of"]:
            day_tokens = day_tokens[:-1]
    if not day_tokens:
        raise ValueError(_NOT_A_DATE)
    return _next_day_of_year(today, month, _parse_day(day_tokens))


def _next_day_of_month(today: date, day: int) -> date:
    if not 1 <= day <= 31:
        raise ValueError(_NOT_A_DATE)
    year, month = today.year, today.month
    for _ in range(12):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise ValueError(_NOT_A_DATE)


def _next_day_of_year(today: date, month: int, day: int) -> date:
    try:
        date(2000, month, day)  # a leap year: fails only for a day no year has ("april 31st")
    except ValueError:
        raise ValueError(_NOT_A_DATE) from None
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueError(_NOT_A_DATE)
