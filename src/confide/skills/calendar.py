"""Calendar: ``calendar.add`` and ``calendar.list``.

An event is an action record of kind ``calendar_event`` owned by the speaker, with the payload
``{"title": str, "start": "YYYY-MM-DDTHH:MM"}``.  ``calendar.list`` with a ``date`` slot reads
that day's events; without one it reads today's and the upcoming ones (at most
:data:`MAX_LISTED`, and says how many there are in all).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from confide.skills._common import (
    bad_slots,
    capitalized,
    clock_phrase,
    day_phrase,
    iso_minutes,
    join_words,
    opt_date,
    parse_datetime,
    plural,
    slot_datetime,
    slot_text,
    when_phrase,
)
from confide.skills.base import Action, SkillContext, SkillError, SkillResult, StoredRecord

logger = logging.getLogger(__name__)

#: How many events a reply reads out at most.
MAX_LISTED = 5


def _start(record: StoredRecord) -> datetime | None:
    return parse_datetime(record.payload.get("start"))


def _title(record: StoredRecord) -> str:
    title = record.payload.get("title")
    return title if isinstance(title, str) and title else "an event"


class CalendarSkill:
    """Adds events to the speaker's calendar and reads them back."""

    intents: frozenset[str] = frozenset({"calendar.add", "calendar.list"})

    def handle(self, intent: str, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if intent == "calendar.add":
            return self._add(slots, ctx)
        if intent == "calendar.list":
            return self._list(slots, ctx)
        raise SkillError(f"The calendar skill does not handle {intent!r}.", code="unknown_intent")

    def _events(self, ctx: SkillContext) -> list[tuple[datetime, StoredRecord]]:
        """The speaker's active events with a readable start, in start order."""
        events = []
        for record in ctx.records.list("calendar_event", member_id=ctx.speaker.id):
            start = _start(record)
            if start is not None:
                events.append((start, record))
        events.sort(key=lambda pair: pair[0])
        return events

    def _add(self, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        title = slot_text(slots, "title").rstrip(" .!?")
        if not title:
            raise bad_slots("The 'title' slot is empty.")
        start = slot_datetime(slots, "start").replace(second=0, microsecond=0)
        payload = {"title": title, "start": iso_minutes(start)}
        for existing_start, existing in self._events(ctx):
            if existing_start == start and _title(existing).lower() == title.lower():
                return SkillResult("That's already on your calendar.")
        record = ctx.records.create("calendar_event", payload, member_id=ctx.speaker.id)
        logger.debug("calendar_event %s created", record.id)
        reply = f"I added {title} to your calendar for {when_phrase(start, ctx.now)}."
        return SkillResult(reply, (Action("create", "calendar_event", record.id, payload),))

    def _list(self, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        day = opt_date(slots, "date")
        today = ctx.now.date()
        events = self._events(ctx)
        if day is not None:
            chosen = [(s, r) for s, r in events if s.date() == day]
            when = day_phrase(day, today)
            if not chosen:
                return SkillResult(f"You have nothing on your calendar {when}.")
            items = [f"{_title(r)} at {clock_phrase(s)}" for s, r in chosen]
            reply = f"{capitalized(when)} you have {join_words(items)}."
        else:
            chosen = [(s, r) for s, r in events if s.date() >= today]
            if not chosen:
                return SkillResult("You have nothing on your calendar.")
            items = [f"{_title(r)} at {when_phrase(s, ctx.now)}" for s, r in chosen[:MAX_LISTED]]
            if len(chosen) <= MAX_LISTED:
                reply = f"You have {join_words(items)}."
            else:
                reply = (
                    f"You have {plural(len(chosen), 'event')} coming up. "
                    f"The next {MAX_LISTED} are {join_words(items)}."
                )
            chosen = chosen[:MAX_LISTED]
        actions = tuple(Action("read", "calendar_event", r.id) for _, r in chosen)
        return SkillResult(reply, actions)
