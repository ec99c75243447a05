"""Per-member settings: what each person allows Confide to keep, and for how long.

``audio_retention`` says whether the recording of a voice turn is kept, and for how long:
``off`` (the default for every new member: the audio is used for recognition and dropped),
``3_months``, ``18_months`` or ``until_deleted``.  A child's recordings are never kept.

``transcript_retention`` says how long a turn is kept - its transcript and everything derived
from it (interpretation, reply, what the skills did), and the finished or cancelled records it
left: ``3_months`` (the default), ``18_months`` or ``until_deleted``.  A child's turns are kept
3 months at most.  A recording never outlives its turn.

Expiry dates are fixed when something is stored (``expires_at`` columns, shown in ``confide
show``) and moved when the member changes a setting; the retention sweep
(:mod:`confide.lifecycle.retention`) erases what has expired.  Settings are plain columns of
``members`` (they are choices, not voice content).
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from confide.vault.errors import VaultError

AUDIO_RETENTION = "audio_retention"
TRANSCRIPT_RETENTION = "transcript_retention"
AUDIO_OFF = "off"
UNTIL_DELETED = "until_deleted"

#: Every setting and the values it accepts; the first value is the default.
MEMBER_SETTINGS: dict[str, tuple[str, ...]] = {
    AUDIO_RETENTION: (AUDIO_OFF, "3_months", "18_months", UNTIL_DELETED),
    TRANSCRIPT_RETENTION: ("3_months", "18_months", UNTIL_DELETED),
}

#: The default of each setting (privacy first: the shortest).
DEFAULTS: dict[str, str] = {key: values[0] for key, values in MEMBER_SETTINGS.items()}

#: What a child may be set to: a child's voice is never kept, their turns 3 months at most.
CHILD_SETTINGS: dict[str, tuple[str, ...]] = {
    AUDIO_RETENTION: (AUDIO_OFF,),
    TRANSCRIPT_RETENTION: ("3_months",),
}

_CHILD_WHY = {
    AUDIO_RETENTION: "children's recordings are never kept",
    TRANSCRIPT_RETENTION: "children's requests are kept 3 months at most",
}

#: Retention values that expire, in calendar months.
MONTHS = {"3_months": 3, "18_months": 18}


class SettingError(VaultError):
    """An unknown setting, or a value the setting (or the member) does not allow."""

    code = "bad_setting"


def check_setting(key: str, value: str, role: str) -> None:
    """Raise :class:`SettingError` unless ``key = value`` is allowed for a member of ``role``."""
    allowed = MEMBER_SETTINGS.get(key)
    if allowed is None:
        raise SettingError(
            f"unknown setting {key!r}: the settings are {', '.join(sorted(MEMBER_SETTINGS))}"
        )
    if value not in allowed:
        raise SettingError(f"{key} cannot be {value!r}: use one of {', '.join(allowed)}")
    if role == "child" and value not in CHILD_SETTINGS.get(key, allowed):
        only = ", ".join(CHILD_SETTINGS[key])
        raise SettingError(
            f"a child's {key} can only be {only}: {_CHILD_WHY[key]}", code="child_setting"
        )


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months later (the last day if it is shorter);
    ``months`` may be negative."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def months_before(moment: datetime, months: int) -> datetime:
    """The latest time ``t`` with ``add_months(t, months) <= moment``.

    So "kept ``months`` months" expires exactly what :func:`add_months` would have: on the last
    day of a month, later days of the earlier month (clamped onto it) count as well.
    """
    earlier = add_months(moment, -months)
    if moment.day == calendar.monthrange(moment.year, moment.month)[1]:
        earlier = earlier.replace(day=calendar.monthrange(earlier.year, earlier.month)[1])
    return earlier


def expiry(retention: str, at: float) -> float | None:
    """When something stored at ``at`` (epoch seconds) under ``retention`` (``3_months``,
    ``18_months``) expires; ``None`` means when it is deleted (``until_deleted``)."""
    months = MONTHS.get(retention)
    if months is None:
        return None
    return add_months(datetime.fromtimestamp(at, UTC), months).timestamp()


def audio_expiry(retention: str, at: float) -> float | None:
    """When audio stored at ``at`` expires (under ``off`` no audio is stored at all)."""
    return expiry(retention, at)


def turn_expiry(transcript_retention: str, at: float) -> float | None:
    """When a turn made at ``at`` expires, with everything derived from it."""
    return expiry(transcript_retention, at)


def earliest(*moments: float | None) -> float | None:
    """The earliest of the given expiry times (``None`` = never)."""
    known = [m for m in moments if m is not None]
    return min(known) if known else None
