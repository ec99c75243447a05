"""Per-member settings: what each person allows Confide to keep.

``audio_retention`` says whether the recording of a voice turn is kept, and for how long:
``off`` (the default for every new member: the audio is used for recognition and dropped),
``3_months``, ``18_months`` or ``until_deleted``.  A child's recordings are never kept.
Settings are plain columns of ``members`` (they are choices, not voice content).
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from confide.vault.errors import VaultError

AUDIO_RETENTION = "audio_retention"
AUDIO_OFF = "off"

#: Every setting and the values it accepts; the first value is the default.
MEMBER_SETTINGS: dict[str, tuple[str, ...]] = {
    AUDIO_RETENTION: (AUDIO_OFF, "3_months", "18_months", "until_deleted"),
}

#: What a child may be set to (a child's voice is never kept).
CHILD_SETTINGS: dict[str, tuple[str, ...]] = {AUDIO_RETENTION: (AUDIO_OFF,)}

_MONTHS = {"3_months": 3, "18_months": 18}


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
            f"a child's {key} can only be {only}: children's recordings are never kept",
            code="child_setting",
        )


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months later (the last day if it is shorter)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def audio_expiry(retention: str, at: float) -> float | None:
    """When audio stored at ``at`` (epoch seconds) expires; ``None`` means when deleted."""
    months = _MONTHS.get(retention)
    if months is None:
        return None
    return add_months(datetime.fromtimestamp(at, UTC), months).timestamp()
