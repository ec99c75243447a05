"""Timers: ``timer.set``, ``timer.cancel``, ``timer.status``.

A timer is an action record of kind ``timer`` owned by the speaker, with the payload
``{"duration_s": int, "name"?: str, "started_at": ISO datetime, "ends_at": ISO datetime}``.
A name is kept without a trailing "timer" ("pasta", not "pasta timer").  The scheduler
(:mod:`confide.skills.scheduler`) marks a timer ``done`` when it rings; until then a timer whose
end has passed is reported as done and may still be cancelled (that stops it ringing).
``timer.cancel`` and ``timer.status`` accept an optional ``name`` slot: only timers of that
name are touched (never another timer in their place).  ``timer.cancel`` also accepts an
optional ``all`` slot (``true``): every running timer of the speaker (of that name, if one is
given) is cancelled.  Without either, ``timer.cancel`` cancels the timer that ends first.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from confide.skills._common import (
    bad_slots,
    capitalized,
    duration_phrase,
    join_words,
    opt_flag,
    opt_text,
    parse_datetime,
    slot_int,
)
from confide.skills.base import Action, SkillContext, SkillError, SkillResult, StoredRecord

logger = logging.getLogger(__name__)

#: The longest timer; anything longer is an alarm or a reminder.
MAX_DURATION_S = 24 * 3600


def clean_name(name: str | None) -> str | None:
    """``Pasta Timer`` → ``Pasta``; ``None`` or an empty name → ``None``."""
    if name is None:
        return None
    words = name.split()
    if words and words[-1].lower() == "timer":
        words = words[:-1]
    if words and words[0].lower() in ("the", "my", "a"):
        words = words[1:]
    return " ".join(words) or None


def label(record: StoredRecord) -> str:
    """``pasta timer`` or ``5 minute timer``."""
    name = record.payload.get("name")
    if isinstance(name, str) and name:
        return f"{name} timer"
    duration = record.payload.get("duration_s")
    if isinstance(duration, int) and duration > 0:
        return f"{duration_phrase(duration, adjective=True)} timer"
    return "timer"


def remaining_s(record: StoredRecord, now: datetime) -> int:
    """Whole seconds left (rounded up), 0 once it has ended."""
    ends_at = parse_datetime(record.payload.get("ends_at"))
    if ends_at is None:
        return 0
    return max(0, math.ceil((ends_at - now).total_seconds()))


def _same_name(wanted: str, stored: object) -> bool:
    """Names match ignoring case and a plural "s"/"es" ("egg" finds the "eggs" timer)."""
    if not isinstance(stored, str):
        return False
    a, b = wanted.lower(), stored.lower()
    return a == b or any(x + end == y for x, y in ((a, b), (b, a)) for end in ("s", "es"))


def _ends_key(record: StoredRecord) -> datetime:
    return parse_datetime(record.payload.get("ends_at")) or datetime.min


class TimerSkill:
    """Sets, cancels and reports the speaker's timers."""

    intents: frozenset[str] = frozenset({"timer.set", "timer.cancel", "timer.status"})

    def handle(self, intent: str, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if intent == "timer.set":
            return self._set(slots, ctx)
        if intent == "timer.cancel":
            return self._cancel(slots, ctx)
        if intent == "timer.status":
            return self._status(slots, ctx)
        raise SkillError(f"The timer skill does not handle {intent!r}.", code="unknown_intent")

    def _active(
        self, slots: Mapping[str, Any], ctx: SkillContext
    ) -> tuple[list[StoredRecord], str | None]:
        """The speaker's running timers, soonest end first, and the name asked for."""
        name = clean_name(opt_text(slots, "name"))
        timers = sorted(ctx.records.list("timer", member_id=ctx.speaker.id), key=_ends_key)
        if name is not None:
            timers = [t for t in timers if _same_name(name, t.payload.get("name"))]
        return timers, name

    def _set(self, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        duration = slot_int(slots, "duration_s")
        if duration <= 0:
            raise bad_slots("The 'duration_s' slot must be a positive number of seconds.")
        if duration > MAX_DURATION_S:
            raise bad_slots("A timer can run for at most 24 hours; set an alarm or a reminder.")
        name = clean_name(opt_text(slots, "name"))
        payload: dict[str, Any] = {"duration_s": duration}
        if name is not None:
            payload["name"] = name
        payload["started_at"] = ctx.now.isoformat()
        payload["ends_at"] = (ctx.now + timedelta(seconds=duration)).isoformat()
        record = ctx.records.create("timer", payload, member_id=ctx.speaker.id)
        logger.debug("timer %s created", record.id)
        prefix = capitalized(f"{name} timer") if name else "Timer"
        reply = f"{prefix} set for {duration_phrase(duration)}."
        return SkillResult(reply, (Action("create", "timer", record.id, payload),))

    def _cancel(self, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        every = opt_flag(slots, "all")
        timers, name = self._active(slots, ctx)
        if not timers:
            if every:
                return SkillResult(f"You have no {name + ' ' if name else ''}timers to cancel.")
            return SkillResult(f"You have no {name} timer." if name else "You have no timers.")
        # Without a name or "all", the one that ends (or ended) first: the one ringing, or
        # about to.  A name cancels every timer of that name.
        targets = timers if (name or every) else timers[:1]
        actions = []
        for record in targets:
            ctx.records.update(record.id, status="cancelled")
            logger.debug("timer %s cancelled", record.id)
            actions.append(Action("cancel", "timer", record.id, dict(record.payload)))
        if len(targets) == 1:
            reply = f"I cancelled your {label(targets[0])}."
        else:
            reply = f"I cancelled your {len(targets)} {name + ' ' if name else ''}timers."
        return SkillResult(reply, tuple(actions))

    def _status(self, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        timers, name = self._active(slots, ctx)
        if not timers:
            return SkillResult(f"You have no {name} timer." if name else "You have no timers.")
        parts = []
        for record in timers:
            left = remaining_s(record, ctx.now)
            if left == 0:
                parts.append(f"your {label(record)} is done")
            else:
                parts.append(f"{duration_phrase(left)} left on your {label(record)}")
        actions = tuple(Action("read", "timer", r.id) for r in timers)
        return SkillResult(capitalized(join_words(parts)) + ".", actions)
