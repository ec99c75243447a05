"""What makes timers, alarms and reminders actually go off.

A long-running process (``confide serve``) calls :func:`fire_due` about once a second with
the household's record store and local wall-clock time.  Each active record whose time has come
(a timer's ``ends_at``, an alarm's ``next_at``, a reminder's ``when``) fires once:

* a timer, a one-off alarm and a reminder become ``done``;
* a repeating alarm stays ``active`` and its ``next_at`` moves to its next ring strictly after
  ``now`` (rings missed while nothing was running are skipped, not replayed one by one).

Each firing is returned as a :class:`Fired`, with the announcement to speak to its owner.
A record whose due time cannot be read is skipped (and logged by id).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from confide.errors import ConfideError
from confide.skills._common import clock_phrase, parse_datetime
from confide.skills.alarms import REPEATS, next_ring
from confide.skills.base import RecordKind, RecordStore, StoredRecord
from confide.skills.reminders import reminder_phrase
from confide.skills.timers import label

logger = logging.getLogger(__name__)

#: The kinds of record that fire.
FIRING_KINDS: tuple[RecordKind, ...] = ("timer", "alarm", "reminder")
#: The payload field holding the due time of each kind that fires.
DUE_FIELD: Mapping[str, str] = {"timer": "ends_at", "alarm": "next_at", "reminder": "when"}


@dataclass(frozen=True)
class Fired:
    """One timer, alarm or reminder that went off.

    ``text`` is the announcement to speak to ``member_id`` (it is voice-derived content).
    ``next_at`` is set for a repeating alarm: when it rings next.
    """

    record_id: str
    kind: str
    member_id: str
    text: str
    due_at: datetime
    next_at: datetime | None = None


def due_at(record: StoredRecord) -> datetime | None:
    """When a timer, alarm or reminder is due, or ``None`` if its payload has no readable time."""
    field = DUE_FIELD.get(record.kind)
    return parse_datetime(record.payload.get(field)) if field is not None else None


def _due_pairs(records: RecordStore, now: datetime) -> list[tuple[datetime, StoredRecord]]:
    pairs = []
    for kind in FIRING_KINDS:
        for record in records.list(kind, member_id=None):
            at = due_at(record)
            if at is None:
                logger.debug("%s %s has no readable due time; skipped", kind, record.id)
            elif at <= now:
                pairs.append((at, record))
    pairs.sort(key=lambda pair: pair[0])
    return pairs


def due(records: RecordStore, now: datetime) -> list[StoredRecord]:
    """The active timers, alarms and reminders due at ``now``, the earliest first."""
    return [record for _, record in _due_pairs(records, now)]


def announcement(record: StoredRecord, at: datetime) -> str:
    """What to say when a record fires."""
    payload = record.payload
    if record.kind == "timer":
        return f"Your {label(record)} is done."
    if record.kind == "alarm":
        return f"Your {clock_phrase(_alarm_time(payload) or at)} alarm is ringing."
    task = payload.get("task")
    if isinstance(task, str) and task:
        return f"Here's your reminder {reminder_phrase(task)}."
    return "Here's your reminder."


def _alarm_time(payload: Mapping[str, Any]) -> time | None:
    value = payload.get("time")
    try:
        return time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _fire(records: RecordStore, record: StoredRecord, at: datetime, now: datetime) -> Fired:
    text = announcement(record, at)
    repeat = record.payload.get("repeat")
    if record.kind == "alarm" and isinstance(repeat, str) and repeat in REPEATS:
        ring_time = _alarm_time(record.payload) or at.time()
        following = next_ring(ring_time, repeat, now)
        payload = dict(record.payload)
        payload["next_at"] = following.isoformat()
        records.update(record.id, payload=payload)
        logger.debug("alarm %s rang and was moved on", record.id)
        return Fired(record.id, record.kind, record.member_id, text, at, following)
    records.update(record.id, status="done")
    logger.debug("%s %s fired", record.kind, record.id)
    return Fired(record.id, record.kind, record.member_id, text, at)


def fire_due(records: RecordStore, now: datetime) -> list[Fired]:
    """Fire everything due at ``now`` and return what fired, the earliest first.

    A record the store refuses to update (deleted meanwhile, say) is skipped, not fatal:
    the other records still fire.
    """
    fired = []
    for at, record in _due_pairs(records, now):
        try:
            fired.append(_fire(records, record, at, now))
        except ConfideError as error:
            logger.warning("%s %s could not fire (%s)", record.kind, record.id, error.code)
    return fired
