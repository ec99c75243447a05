"""Alarms: ``alarm.set``, ``alarm.cancel``, ``alarm.list``.

An alarm is an action record of kind ``alarm`` owned by the speaker, with the payload
``{"time": "HH:MM", "date"?: "YYYY-MM-DD", "repeat"?: str, "next_at": ISO datetime}``.
``repeat`` is ``daily``, ``weekdays``, ``weekends`` or a lower-case weekday name; an alarm
without it rings once.  ``next_at`` is the next ring time, computed from ``ctx.now``; the
scheduler (:mod:`confide.skills.scheduler`) rings it and moves it on.

``alarm.cancel`` cancels the next alarm to ring, or every alarm at ``time`` when one is given;
with ``all`` (``true``) it cancels every active alarm of the speaker (at ``time``, if given).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from confide.skills._common import (
    bad_slots,
    clock_phrase,
    day_phrase,
    join_words,
    opt_date,
    opt_flag,
    opt_text,
    opt_time,
    parse_datetime,
    plural,
    slot_time,
    when_phrase,
)
from confide.skills.base import Action, SkillContext, SkillError, SkillResult, StoredRecord

logger = logging.getLogger(__name__)

_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Every accepted ``repeat`` value with the weekdays (0 = Monday) it rings on.
REPEATS: Mapping[str, frozenset[int]] = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    **{name: frozenset({i}) for i, name in enumerate(_DAY_NAMES)},
}
_REPEAT_ALIASES = {"every day": "daily", "everyday": "daily", "weekday": "weekdays",
                   "weekend": "weekends"}  # fmt: skip


def normalize_repeat(value: str) -> str | None:
    """The canonical ``repeat`` value for a spoken one (``Mondays`` → ``monday``), or None."""
    key = " ".join(value.lower().split())
    key = _REPEAT_ALIASES.get(key, key)
    if key not in REPEATS and key.endswith("s") and key[:-1] in _DAY_NAMES:
        key = key[:-1]
    return key if key in REPEATS else None


def next_ring(
    at: time, repeat: str | None, after: datetime, *, start: date | None = None
) -> datetime:
    """The first time ``at`` on a day allowed by ``repeat``, strictly after ``after``.

    ``start`` is the earliest day it may ring on.  Without ``repeat`` any day is allowed.
    """
    days = REPEATS[repeat] if repeat else REPEATS["daily"]
    day = after.date() if start is None else max(after.date(), start)
    for _ in range(8):
        candidate = datetime.combine(day, at)
        if candidate > after and day.weekday() in days:
            return candidate
        day += timedelta(days=1)
    raise AssertionError("unreachable: every repeat rings within 8 days")  # pragma: no cover


def repeat_phrase(repeat: str) -> str:
    """``every day``, ``on weekdays``, ``on weekends``, ``every Monday``."""
    if repeat == "daily":
        return "every day"
    if repeat in ("weekdays", "weekends"):
        return f"on {repeat}"
    return f"every {repeat.capitalize()}"


def describe(record: StoredRecord, now: datetime) -> str:
    """``6:45 am tomorrow`` or ``6:45 am on weekdays``."""
    payload = record.payload
    repeat = payload.get("repeat")
    next_at = parse_datetime(payload.get("next_at"))
    if isinstance(repeat, str) and repeat in REPEATS:
        when = next_at.time() if next_at else _payload_time(payload)
        return f"{clock_phrase(when)} {repeat_phrase(repeat)}" if when else "an alarm"
    if next_at is None:
        return "an alarm"
    return when_phrase(next_at, now)


def _payload_time(payload: Mapping[str, Any]) -> time | None:
    try:
        return time.fromisoformat(str(payload.get("time")))
    except ValueError:
        return None


def _sort_key(record: StoredRecord) -> datetime:
    return parse_datetime(record.payload.get("next_at")) or datetime.max


class AlarmSkill:
    """Sets, cancels and lists the speaker's alarms."""

    intents: frozenset[str] = frozenset({"alarm.set", "alarm.cancel", "alarm.list"})

    def handle(self, intent: str, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if intent == "alarm.set":
            return self._set(slots, ctx)
        if intent == "alarm.cancel":
            return self._cancel(slots, ctx)
        if intent == "alarm.list":
            return self._list(ctx)
        raise SkillError(f"The alarm skill does not handle {intent!r}.", code="unknown_intent")

    def _active(self, ctx: SkillContext) -> list[StoredRecord]:
        records = ctx.records.list("alarm", member_id=ctx.speaker.id)
        return sorted(records, key=_sort_key)

    def _set(self, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        at = slot_time(slots, "time")
        on = opt_date(slots, "date")
        spoken_repeat = opt_text(slots, "repeat")
        repeat = None
        if spoken_repeat is not None:
            repeat = normalize_repeat(spoken_repeat)
            if repeat is None:
                raise bad_slots(
                    "The 'repeat' slot must be daily, weekdays, weekends or a weekday name."
                )
        if repeat is None and on is not None:
            ring = datetime.combine(on, at)
            if ring <= ctx.now:
                raise bad_slots("The alarm time is in the past.")
        else:
            ring = next_ring(at, repeat, ctx.now, start=on)

        payload: dict[str, Any] = {"time": at.strftime("%H:%M")}
        if on is not None:
            payload["date"] = on.isoformat()
        if repeat is not None:
            payload["repeat"] = repeat
        payload["next_at"] = ring.isoformat()

        for existing in self._active(ctx):
            same = (
                existing.payload.get("time") == payload["time"]
                and existing.payload.get("repeat") == repeat
            )
            if same and (repeat is not None or existing.payload.get("next_at") == ring.isoformat()):
                return SkillResult(f"You already have an alarm for {describe(existing, ctx.now)}.")

        record = ctx.records.create("alarm", payload, member_id=ctx.speaker.id)
        logger.debug("alarm %s created", record.id)
        if repeat is None:
            reply = f"Alarm set for {when_phrase(ring, ctx.now)}."
        else:
            reply = f"Alarm set for {clock_phrase(at)} {repeat_phrase(repeat)}"
            if on is not None:
                reply += f", starting {day_phrase(ring.date(), ctx.now.date())}"
            reply += "."
        return SkillResult(reply, (Action("create", "alarm", record.id, payload),))

    def _cancel(self, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        at = opt_time(slots, "time")
        every = opt_flag(slots, "all")
        active = self._active(ctx)
        if at is None:
            if not active:
                return SkillResult(
                    "You have no alarms to cancel." if every else "You have no alarms."
                )
            targets = active if every else active[:1]
        else:
            wanted = at.strftime("%H:%M")
            targets = [r for r in active if r.payload.get("time") == wanted]
            if not targets:
                return SkillResult(f"You have no alarm for {clock_phrase(at)}.")
        actions = []
        for record in targets:
            ctx.records.update(record.id, status="cancelled")
            logger.debug("alarm %s cancelled", record.id)
            actions.append(Action("cancel", "alarm", record.id, dict(record.payload)))
        if len(targets) == 1:
            reply = f"I cancelled your alarm for {describe(targets[0], ctx.now)}."
        elif at is None:
            reply = f"I cancelled your {plural(len(targets), 'alarm')}."
        else:
            reply = f"I cancelled {plural(len(targets), 'alarm')} for {clock_phrase(at)}."
        return SkillResult(reply, tuple(actions))

    def _list(self, ctx: SkillContext) -> SkillResult:
        active = self._active(ctx)
        if not active:
            return SkillResult("You have no alarms.")
        descriptions = [describe(r, ctx.now) for r in active]
        head = "one alarm" if len(active) == 1 else plural(len(active), "alarm")
        actions = tuple(Action("read", "alarm", r.id) for r in active)
        return SkillResult(f"You have {head}: {join_words(descriptions)}.", actions)
