"""Helpers shared by the built-in skills: reading slots and phrasing replies.

Slot readers raise :class:`SkillError` with code ``bad_slots`` and a message that names the
slot and the expected form, never the value that was heard (it is voice content).
Phrasing helpers turn times, days and durations into short spoken English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from confide.skills.base import SkillError

#: Longest free text a slot may hold (a task, a title, a message body).
MAX_TEXT = 1000

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def bad_slots(message: str) -> SkillError:
    """The error for a missing or malformed slot (``message`` must not quote the value)."""
    return SkillError(message, code="bad_slots")


def _raw(slots: Mapping[str, Any], name: str) -> Any:
    value = slots.get(name)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    return value


def _missing(name: str) -> SkillError:
    return bad_slots(f"The {name!r} slot is missing.")


def opt_text(slots: Mapping[str, Any], name: str) -> str | None:
    """An optional free-text slot, stripped, with inner whitespace collapsed."""
    value = _raw(slots, name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_slots(f"The {name!r} slot must be text.")
    text = " ".join(value.split())
    if len(text) > MAX_TEXT:
        raise bad_slots(f"The {name!r} slot is longer than {MAX_TEXT} characters.")
    return text


def slot_text(slots: Mapping[str, Any], name: str) -> str:
    """A required free-text slot."""
    text = opt_text(slots, name)
    if text is None:
        raise _missing(name)
    return text


def opt_time(slots: Mapping[str, Any], name: str) -> time | None:
    """An optional wall-clock time slot in 24-hour ``HH:MM``."""
    value = _raw(slots, name)
    if value is None:
        return None
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise bad_slots(f"The {name!r} slot must be a 24-hour time HH:MM.")
    return time(int(match.group(1)), int(match.group(2)))


def slot_time(slots: Mapping[str, Any], name: str) -> time:
    """A required wall-clock time slot in 24-hour ``HH:MM``."""
    value = opt_time(slots, name)
    if value is None:
        raise _missing(name)
    return value


def opt_date(slots: Mapping[str, Any], name: str) -> date | None:
    """An optional calendar date slot ``YYYY-MM-DD``."""
    value = _raw(slots, name)
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise bad_slots(f"The {name!r} slot must be a date YYYY-MM-DD.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_slots(f"The {name!r} slot is not a real date.") from None


def slot_datetime(slots: Mapping[str, Any], name: str) -> datetime:
    """A required local date and time ``YYYY-MM-DDTHH:MM`` (seconds allowed, no zone)."""
    value = _raw(slots, name)
    if value is None:
        raise _missing(name)
    parsed = parse_datetime(value) if isinstance(value, str) and "T" in value else None
    if parsed is None:
        raise bad_slots(f"The {name!r} slot must be a local date and time YYYY-MM-DDTHH:MM.")
    return parsed


def slot_int(slots: Mapping[str, Any], name: str) -> int:
    """A required whole-number slot (an int, or text of digits)."""
    value = _raw(slots, name)
    if value is None:
        raise _missing(name)
    if isinstance(value, bool):
        raise bad_slots(f"The {name!r} slot must be a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise bad_slots(f"The {name!r} slot must be a whole number.")


def parse_datetime(value: object) -> datetime | None:
    """A naive ISO-8601 datetime from a payload or slot, or ``None`` when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return None if parsed.tzinfo is not None else parsed


def iso_minutes(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM``."""
    return moment.isoformat(timespec="minutes")


# --- phrasing -------------------------------------------------------------------------------


def clock_phrase(moment: time | datetime) -> str:
    """``6:45 am``, ``7 am``, ``12 pm``."""
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    if moment.minute == 0:
        return f"{hour} {suffix}"
    return f"{hour}:{moment.minute:02d} {suffix}"


def weekday_name(day: date) -> str:
    return _WEEKDAYS[day.weekday()]


def long_date(day: date, *, year: bool = True) -> str:
    """``Sunday, 22 November 2026`` (without the year when ``year`` is false)."""
    text = f"{weekday_name(day)}, {day.day} {_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def day_phrase(day: date, today: date) -> str:
    """``today``, ``tomorrow``, ``yesterday``, ``on Friday``, ``on Friday, 4 December``."""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    if 1 < delta < 7:
        return f"on {weekday_name(day)}"
    return f"on {long_date(day, year=day.year != today.year)}"


def when_phrase(moment: datetime, now: datetime) -> str:
    """``6:45 am tomorrow``, ``3 pm on Friday``."""
    return f"{clock_phrase(moment)} {day_phrase(moment.date(), now.date())}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 alarm``, ``2 alarms``."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def join_words(items: Sequence[str]) -> str:
    """``eggs``, ``eggs and milk``, ``eggs, milk and bread``."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} and {items[-1]}"


def duration_phrase(seconds: int, *, adjective: bool = False) -> str:
    """``4 minutes 12 seconds``, ``1 hour 30 minutes``; ``5 minute`` as an adjective.

    Seconds are left out once a duration reaches an hour.
    """
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(hours, "hour"), (minutes, "minute")]
    if hours == 0:
        parts.append((secs, "second"))
    words = [f"{n} {unit}" if adjective else plural(n, unit) for n, unit in parts if n]
    return " ".join(words) or ("0 second" if adjective else "0 seconds")


def capitalized(text: str) -> str:
    """The text with its first letter upper-cased, the rest untouched."""
    return text[:1].upper() + text[1:]


def opt_flag(slots: Mapping[str, Any], name: str) -> bool:
    """An optional yes/no slot: ``true``/``false`` (or the text "true"/"false"); absent is no."""
    value = slots.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", ""):
        return value.strip().lower() == "true"
    raise bad_slots(f"The {name!r} slot must be true or false.")
