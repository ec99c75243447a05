"""Times of day: "seven", "7 pm", "19:30", "half past seven", "quarter to eight", "noon".

:func:`parse_time` turns the words into a :class:`ClockTime`, which knows whether the hour
was ambiguous (a twelve-hour clock hour said without "am"/"pm").  Two rules then pick the
actual moment, because an alarm and a reminder mean different things by "seven":

* :func:`resolve_next` (alarms): the earliest reading strictly after ``now`` (on the given
  date, or on one of the given weekdays).  "seven" at 22:00 is 07:00; at 15:00 it is 19:00.
* :func:`resolve_daytime` (reminders, calendar): with no date (or "today"), the reading in
  the next 12 hours unless it falls in the night (00:00-05:59), then the next reading that
  does not: "seven" at 15:00 is 19:00, at 22:00 it is 07:00 tomorrow; "eleven" at 15:00 is
  23:00; "one" at 15:00 is 13:00 tomorrow, not 01:00; "twelve" at 15:00 is noon tomorrow.
  For a later date, the daytime reading: 7-11 are morning, 12 is noon, 1-6 are
  afternoon/evening ("tomorrow at eight" is 08:00, "friday at three" 15:00).

An hour counts as unambiguous when it is said with am/pm or a part of the day ("in the
evening"), said as a 24-hour hour (0, 13-23, a leading zero such as "07", "oh seven"), or in
the military form "seventeen hundred".  "half six" is the British 6:30.  Invalid values
raise :class:`ValueError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from confide.language.numbers import TEENS, TENS, UNITS, parse_number, words

_NOT_A_TIME = "not a time of day"
#: Hours counted as "day" by the reminder/calendar rule: 06:00 to 23:59.
DAY_START_HOUR = 6
DAY_END_HOUR = 24

_MERIDIEM_SUFFIXES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("in", "the", "morning"), "am"),
    (("this", "morning"), "am"),
    (("in", "the", "afternoon"), "afternoon"),
    (("this", "afternoon"), "afternoon"),
    (("in", "the", "evening"), "pm"),
    (("this", "evening"), "pm"),
    (("at", "night"), "night"),
    (("tonight",), "night"),
    (("am",), "am"),
    (("pm",), "pm"),
)
_RELATIONS = {"past": 1, "after": 1, "to": -1, "till": -1, "til": -1, "before": -1, "of": -1}
_PREFIX = re.compile(r"^(?:at|for|by|around|about)\s+")
_AM_PM = re.compile(r"\b([ap])\s*\.?\s*m\b\.?")
_DIGIT_TIME = re.compile(r"\b(\d{1,2})[:.h](\d{2})\b")
_GLUED_SUFFIX = re.compile(r"(\d)(am|pm|h)\b")
_HOUR_WORDS = frozenset(UNITS) | frozenset(TEENS) | frozenset(TENS)
_OCLOCK = re.compile(r"\bo\s*'?\s*clock\b")


@dataclass(frozen=True)
class ClockTime:
    """A time of day as said: ``hour`` is 0-23, or 1-12 when ``ambiguous``."""

    hour: int
    minute: int
    ambiguous: bool = False

    def __post_init__(self) -> None:
        low, high = (1, 12) if self.ambiguous else (0, 23)
        if not (low <= self.hour <= high and 0 <= self.minute <= 59):
            raise ValueError(_NOT_A_TIME)

    def readings(self) -> tuple[int, ...]:
        """The possible 24-hour hours: (7, 19) for an ambiguous seven, (0, 12) for twelve."""
        if not self.ambiguous:
            return (self.hour,)
        return (self.hour % 12, self.hour % 12 + 12)

    def with_meridiem(self, meridiem: str | None) -> ClockTime:
        """Apply "am"/"pm" (or "afternoon"/"night") to an ambiguous time; others unchanged."""
        if meridiem is None or not self.ambiguous:
            return self
        return ClockTime(_apply_meridiem(self.hour, meridiem), self.minute)

    def hhmm(self) -> str:
        """The time as "HH:MM" (the morning reading when ambiguous)."""
        return format_hhmm(self.readings()[0], self.minute)


def format_hhmm(hour: int, minute: int) -> str:
    """Format a 24-hour time as "HH:MM"."""
    return f"{hour:02d}:{minute:02d}"


def _apply_meridiem(hour: int, meridiem: str) -> int:
    """Turn a 1-12 hour and a part of the day into a 24-hour hour."""
    if not 1 <= hour <= 12:
        raise ValueError(_NOT_A_TIME)
    if meridiem == "am":
        return hour % 12
    if meridiem == "afternoon":
        return 12 if hour == 12 else hour + 12
    if meridiem == "night":
        # "eleven at night" is 23:00, "two at night" 02:00, "twelve at night" midnight.
        return hour % 12 if hour <= 5 or hour == 12 else hour + 12
    return 12 if hour == 12 else hour + 12


def _normalise(text: str) -> list[str]:
    text = text.strip().lower().replace("’", "'")
    text = _AM_PM.sub(r"\1m", text)
    text = _GLUED_SUFFIX.sub(r"\1 \2", text)
    text = _DIGIT_TIME.sub(r"\1 \2", text)
    text = _OCLOCK.sub(" oclock ", text)
    text = _PREFIX.sub("", text.strip())
    return words(text.replace(",", " "))


def _split_meridiem(tokens: list[str]) -> tuple[list[str], str | None]:
    for suffix, meridiem in _MERIDIEM_SUFFIXES:
        if len(tokens) > len(suffix) and tuple(tokens[-len(suffix) :]) == suffix:
            return tokens[: -len(suffix)], meridiem
    return tokens, None


def _parse_hour(tokens: list[str]) -> ClockTime:
    """An hour on its own: returns ClockTime(hour, 0, ambiguous)."""
    if len(tokens) == 1 and tokens[0].isdigit() and len(tokens[0]) <= 2:
        value = int(tokens[0])
        explicit = value == 0 or value > 12 or (len(tokens[0]) == 2 and tokens[0][0] == "0")
        return ClockTime(value, 0, ambiguous=not explicit)
    if len(tokens) == 2 and tokens[0] in ("oh", "zero") and tokens[1] in UNITS:
        return ClockTime(UNITS[tokens[1]], 0)
    if not tokens or any(t not in _HOUR_WORDS for t in tokens):
        raise ValueError(_NOT_A_TIME)
    value = parse_number(" ".join(tokens))
    return ClockTime(value, 0, ambiguous=1 <= value <= 12)


def _parse_minute(tokens: list[str]) -> int:
    if len(tokens) == 1 and tokens[0].isdigit() and len(tokens[0]) <= 2:
        value = int(tokens[0])
    elif len(tokens) == 2 and tokens[0] in ("oh", "o", "zero") and tokens[1] in UNITS:
        value = UNITS[tokens[1]]
        if value == 0:
            raise ValueError(_NOT_A_TIME)
    else:
        if any(t.isdigit() for t in tokens):
            raise ValueError(_NOT_A_TIME)
        value = parse_number(" ".join(tokens))
        if value < 10:  # "seven five" is not a time; "seven oh five" is
            raise ValueError(_NOT_A_TIME)
    if not 0 <= value <= 59:
        raise ValueError(_NOT_A_TIME)
    return value


def _parse_relative(tokens: list[str], at: int, meridiem: str | None) -> ClockTime:
    """ "<minutes> past/to <hour> [am|pm]" with the relation word at index ``at``."""
    amount, hour_tokens = tokens[:at], tokens[at + 1 :]
    direction = _RELATIONS[tokens[at]]
    if amount[:1] == ["a"]:
        amount = amount[1:]
    if amount[-1:] in (["minutes"], ["minute"], ["mins"], ["min"]):
        amount = amount[:-1]
    if amount == ["half"]:
        if direction < 0:
            raise ValueError(_NOT_A_TIME)
        minutes = 30
    elif amount == ["quarter"]:
        minutes = 15
    else:
        minutes = parse_number(" ".join(amount)) if amount else 0
    if not 1 <= minutes <= 30:
        raise ValueError(_NOT_A_TIME)
    base = _parse_time_of_hour(hour_tokens)
    if meridiem is not None:
        if not base.ambiguous:
            raise ValueError(_NOT_A_TIME)
        base = base.with_meridiem(meridiem)
    if base.ambiguous:
        total = (base.hour % 12) * 60 + direction * minutes
        hour, minute = divmod(total % 720, 60)
        return ClockTime(hour or 12, minute, ambiguous=True)
    hour, minute = divmod((base.hour * 60 + direction * minutes) % 1440, 60)
    return ClockTime(hour, minute)


def _parse_time_of_hour(tokens: list[str]) -> ClockTime:
    if tokens in (["noon"], ["midday"]):
        return ClockTime(12, 0)
    if tokens == ["midnight"]:
        return ClockTime(0, 0)
    return _parse_hour(tokens)


def parse_time(text: str) -> ClockTime:
    """Parse a time of day said in English, twelve- or twenty-four-hour.

    >>> parse_time("quarter to eight")
    ClockTime(hour=7, minute=45, ambiguous=True)
    >>> parse_time("19:30")
    ClockTime(hour=19, minute=30, ambiguous=False)
    """
    tokens, meridiem = _split_meridiem(_normalise(text))
    if not tokens:
        raise ValueError(_NOT_A_TIME)
    special = _parse_special(tokens, meridiem)
    if special is not None:
        return special
    if tokens[0] == "half" and len(tokens) > 1 and tokens[1] not in _RELATIONS:  # "half six"
        tokens = ["half", "past", *tokens[1:]]
    relation = next((i for i, t in enumerate(tokens) if t in _RELATIONS), None)
    if relation is not None and 0 < relation < len(tokens) - 1:
        return _parse_relative(tokens, relation, meridiem)
    if tokens[-1] == "oclock":
        if len(tokens) < 2:
            raise ValueError(_NOT_A_TIME)
        result = _parse_hour(tokens[:-1])
    else:
        result = _split_hour_minute(tokens)
    if meridiem is not None:
        if not result.ambiguous:
            raise ValueError(_NOT_A_TIME)
        result = result.with_meridiem(meridiem)
    return result


_NOON = (["noon"], ["midday"], ["twelve", "noon"], ["12", "noon"])
_MIDNIGHT = (["midnight"], ["twelve", "midnight"], ["12", "midnight"])


def _parse_special(tokens: list[str], meridiem: str | None) -> ClockTime | None:
    """Noon, midnight and "seventeen hundred [hours]"; None for other forms."""
    if tokens in _NOON:
        if meridiem not in (None, "pm", "afternoon"):
            raise ValueError(_NOT_A_TIME)
        return ClockTime(12, 0)
    if tokens in _MIDNIGHT:
        if meridiem not in (None, "am", "night"):
            raise ValueError(_NOT_A_TIME)
        return ClockTime(0, 0)
    if tokens[-1] == "hours":
        tokens = tokens[:-1]
        if not tokens or tokens[-1] != "hundred":
            raise ValueError(_NOT_A_TIME)
    if tokens[-1] != "hundred":
        return None
    if meridiem or len(tokens) < 2:
        raise ValueError(_NOT_A_TIME)
    return ClockTime(_parse_hour(tokens[:-1]).hour, 0)


def _split_hour_minute(tokens: list[str]) -> ClockTime:
    """ "seven", "six forty five", "twenty one thirty", "7 05", "six oh five"."""
    for split in range(len(tokens), 0, -1):
        hour_tokens, minute_tokens = tokens[:split], tokens[split:]
        try:
            hour = _parse_hour(hour_tokens)
            minute = _parse_minute(minute_tokens) if minute_tokens else 0
        except ValueError:
            continue
        return ClockTime(hour.hour, minute, ambiguous=hour.ambiguous)
    raise ValueError(_NOT_A_TIME)


def _after(now: datetime, day: date, hour: int, minute: int) -> datetime | None:
    moment = datetime.combine(day, time(hour, minute))
    return moment if moment > now else None


def resolve_next(
    clock: ClockTime,
    now: datetime,
    *,
    on_date: date | None = None,
    weekdays: frozenset[int] | None = None,
) -> datetime:
    """The earliest reading of ``clock`` strictly after ``now`` (the alarm rule).

    ``on_date`` restricts it to that day; ``weekdays`` (0 = Monday) to those days of the week.
    Raises :class:`ValueError` when no reading on ``on_date`` is still ahead.
    """
    days = [on_date] if on_date is not None else [now.date() + timedelta(n) for n in range(8)]
    for day in days:
        if weekdays is not None and day.weekday() not in weekdays:
            continue
        found = [
            m for h in clock.readings() if (m := _after(now, day, h, clock.minute)) is not None
        ]
        if found:
            return min(found)
    raise ValueError("that time has already passed")


def _is_daytime(moment: datetime) -> bool:
    return DAY_START_HOUR <= moment.hour < DAY_END_HOUR


def resolve_daytime(clock: ClockTime, now: datetime, *, on_date: date | None = None) -> datetime:
    """The reminder/calendar rule (see the module docstring)."""
    today = now.date()
    if not clock.ambiguous:
        if on_date is not None:
            return datetime.combine(on_date, time(clock.hour, clock.minute))
        return resolve_next(clock, now)
    if on_date is not None and on_date != today:
        return datetime.combine(on_date, time(daytime_hour(clock.hour), clock.minute))
    days = [today] if on_date == today else [today, today + timedelta(days=1)]
    ahead = sorted(
        moment
        for day in days
        for hour in clock.readings()
        if (moment := _after(now, day, hour, clock.minute)) is not None
    )
    for moment in ahead:
        if _is_daytime(moment):
            return moment
    if ahead:
        return ahead[0]
    return datetime.combine(today, time(daytime_hour(clock.hour), clock.minute))


def daytime_hour(hour: int) -> int:
    """The daytime reading of an ambiguous 1-12 hour: 7-11 morning, 12 noon, 1-6 afternoon."""
    if not 1 <= hour <= 12:
        raise ValueError(_NOT_A_TIME)
    return hour if hour >= 7 else hour + 12
