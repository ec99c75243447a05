"""Alarms: ``alarm.set``, ``alarm.cancel``, ``alarm.list``.

An alarm is an action record of kind ``alarm`` owned by the speaker, with the payload
``{"time": "HH:MM", "date"?: "YYYY-MM-DD", "repeat"?: str, "next_at": ISO datetime}``.
``repeat`` is ``daily``, ``weekdays``, ``weekends`` or a lower-case weekday name; an alarm
without it rings once.  ``next_at`` is the next ring time, computed from ``ctx.now``; the
scheduler (:mod:`confide.skills.scheduler`) rings it and moves it on.

``alarm.cancel`` cancels the next alarm to ring, or every alarm at ``time`` when one is given;
with ``all`` (``true``) it cancels every active alarm of the speaker (at ``time``, if given).

With ``date`` ("YYYY-MM-DD") only alarms ringing on that day are touched, never another one
in their place:

* one-off alarms whose next ring is on that day (at ``time``, if given) are cancelled: all of
  them with ``all`` or a ``time``; without either, the only one, and when there are several
  nothing is cancelled and the reply names them and asks which (a guess could be wrong);
* repeating alarms are never cancelled because of a date, even with ``all``: cancelling one
  would also silence it on every other day, and one day cannot be skipped.  The reply says
  that the alarm repeats and is still on; "cancel my 7 am alarm" (a time, no date) cancels it.
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


def _rings_on(record: StoredRecord, day: date, now: datetime) -> bool:
    """Whether the alarm rings on ``day`` (a one-off: its next ring; a repeat: any ring)."""
    payload = record.payload
    repeat = payload.get("repeat")
    if not repeat:
        next_at = parse_datetime(payload.get("next_at"))
        return next_at is not None and next_at.date() == day
    at = _payload_time(payload)
    if not isinstance(repeat, str) or repeat not in REPEATS or at is None:
        return False
    start = payload.get("date")
    if isinstance(start, str) and start > day.isoformat():
        return False
    return day.weekday() in REPEATS[repeat] and datetime.combine(day, at) > now


def _repeating_note(repeating: list[StoredRecord], now: datetime) -> str:
    """The reply's note on repeating alarms left on, or ``""``."""
    if not repeating:
        return ""
    alarms = join_words([describe(r, now) for r in repeating])
    if len(repeating) > 1:
        return f"Your alarms for {alarms} repeat, so I left them on."
    at = _payload_time(repeating[0].payload)
    again = f" To stop it altogether, say: cancel my {clock_phrase(at)} alarm." if at else ""
    return f"Your alarm for {alarms} repeats, so I left it on.{again}"


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
        on = opt_date(slots, "date")
        every = opt_flag(slots, "all")
        active = self._active(ctx)
        if on is not None:
            return self._cancel_on(on, at, every, active, ctx)
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
        if len(targets) == 1:
            reply = f"I cancelled your alarm for {describe(targets[0], ctx.now)}."
        elif at is None:
            reply = f"I cancelled your {plural(len(targets), 'alarm')}."
        else:
            reply = f"I cancelled {plural(len(targets), 'alarm')} for {clock_phrase(at)}."
        return SkillResult(reply, self._cancel_records(targets, ctx))

    def _cancel_records(self, targets: list[StoredRecord], ctx: SkillContext) -> tuple[Action, ...]:
        actions = []
        for record in targets:
            ctx.records.update(record.id, status="cancelled")
            logger.debug("alarm %s cancelled", record.id)
            actions.append(Action("cancel", "alarm", record.id, dict(record.payload)))
        return tuple(actions)

    def _cancel_on(
        self,
        on: date,
        at: time | None,
        every: bool,
        active: list[StoredRecord],
        ctx: SkillContext,
    ) -> SkillResult:
        """Cancel the one-off alarms ringing on ``on`` (see the module docstring)."""
        wanted = at.strftime("%H:%M") if at is not None else None
        ringing = [r for r in active if _rings_on(r, on, ctx.now)]
        if wanted is not None:
            ringing = [r for r in ringing if r.payload.get("time") == wanted]
        once = [r for r in ringing if not r.payload.get("repeat")]
        repeating = [r for r in ringing if r.payload.get("repeat")]
        day = day_phrase(on, ctx.now.date())
        for_day = f"for {day}" if day in ("today", "tomorrow", "yesterday") else day
        what = f"for {clock_phrase(at)} {day}" if at is not None else for_day
        note = _repeating_note(repeating, ctx.now)
        if not once:
            if note:
                return SkillResult(f"I cancelled nothing. {note}")
            return SkillResult(f"You have no alarm {what}.")
        if len(once) > 1 and at is None and not every:
            times = join_words([clock_phrase(_sort_key(r)) for r in once])
            return SkillResult(
                f"You have {plural(len(once), 'alarm')} {for_day}: {times}. "
                f"Which one should I cancel? Say its time, or all of them."
            )
        actions = self._cancel_records(once, ctx)
        if len(once) == 1:
            reply = f"I cancelled your alarm for {describe(once[0], ctx.now)}."
        else:
            reply = f"I cancelled your {plural(len(once), 'alarm')} {for_day}."
        return SkillResult(f"{reply} {note}" if note else reply, actions)

    def _list(self, ctx: SkillContext) -> SkillResult:
        active = self._active(ctx)
        if not active:
            return SkillResult("You have no alarms.")
        descriptions = [describe(r, ctx.now) for r in active]
        head = "one alarm" if len(active) == 1 else plural(len(active), "alarm")
        actions = tuple(Action("read", "alarm", r.id) for r in active)
        return SkillResult(f"You have {head}: {join_words(descriptions)}.", actions)
