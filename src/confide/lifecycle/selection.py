"""Which turns a deletion covers: one turn, the last, a time range, today, or all of a member.

A :class:`Selection` is resolved to turn ids *when the deletion is acknowledged*, so the plan is
fixed and durable: a turn made afterwards is never swept up by an older request.

Two more modes are the retention sweep's own (:mod:`confide.lifecycle.retention`), never a
person's request: ``expired`` - the turns whose ``expires_at`` is at or before ``expired_by``
(erased whole) - and ``expired_items`` - live turns holding an artifact (a recording) that
expired by then (erased with ``kinds``, the turn stays).  Neither plans a turn another pending
deletion already plans.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from confide.lifecycle.errors import SelectionError
from confide.vault.schema import (
    action_records,
    artifacts,
    receipt_turns,
    receipts,
    tombstones,
    turns,
)

#: What a person can ask to forget.
MODES = ("turn", "last", "range", "today", "all")
#: What the retention sweep erases (internal: not offered to people).
RETENTION_MODES = ("expired", "expired_items")


@dataclass(frozen=True)
class Selection:
    """What to forget.  Times are epoch seconds, ranges are ``[since, until)``.

    ``member_id`` limits every mode to one person; ``turn`` needs ``turn_id``; ``range`` needs
    ``since`` or ``until``; ``last`` skips ``exclude_turn_id`` (the request being handled);
    the retention modes need ``expired_by`` (the sweep's time).
    """

    mode: str
    member_id: str | None = None
    turn_id: str | None = None
    since: float | None = None
    until: float | None = None
    exclude_turn_id: str | None = None
    expired_by: float | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES and self.mode not in RETENTION_MODES:
            raise SelectionError(f"unknown deletion mode {self.mode!r}: use {', '.join(MODES)}")
        if (self.mode in RETENTION_MODES) != (self.expired_by is not None):
            raise SelectionError("only the retention modes, and each of them, need expired_by")
        if self.mode == "turn" and not self.turn_id:
            raise SelectionError("name the turn to forget (see `confide history`)")
        if self.mode == "range" and self.since is None and self.until is None:
            raise SelectionError("a time range needs --since and/or --until")
        if self.mode in ("last", "today", "all") and self.member_id is None:
            raise SelectionError(f"forgetting {self.mode!r} needs the member it is about")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise SelectionError("the range is empty: --since must be before --until")

    @classmethod
    def today(cls, member_id: str, now: datetime, **kw: Any) -> Selection:
        """From local midnight of ``now`` (timezone-aware) up to and including now."""
        local = now.astimezone()
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return cls("today", member_id, since=midnight.timestamp(), **kw)

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None})

    @classmethod
    def from_json(cls, text: str) -> Selection:
        return cls(**json.loads(text))

    def query(self, household_id: str) -> sa.Select[Any]:
        """``SELECT id FROM turns`` for the turns this selection covers."""
        if self.mode in RETENTION_MODES:
            return self._expired_query(household_id)
        query = sa.select(turns.c.id).where(turns.c.household_id == household_id)
        if self.member_id is not None:
            query = query.where(turns.c.member_id == self.member_id)
        if self.turn_id is not None:
            query = query.where(turns.c.id == self.turn_id)
        if self.since is not None:
            query = query.where(turns.c.created_at >= self.since)
        if self.until is not None:
            query = query.where(turns.c.created_at < self.until)
        if self.exclude_turn_id is not None:
            query = query.where(turns.c.id != self.exclude_turn_id)
        if self.mode == "last":
            query = query.order_by(turns.c.created_at.desc(), turns.c.id.desc()).limit(1)
        return query

    def _expired_query(self, household_id: str) -> sa.Select[Any]:
        """The retention modes: expired turns, or live turns with an expired artifact; in both,
        none that another pending deletion already plans."""
        by = self.expired_by
        query = sa.select(turns.c.id).where(turns.c.household_id == household_id)
        if self.mode == "expired":
            query = query.where(turns.c.expires_at <= by)
        else:
            query = query.where(
                sa.or_(turns.c.expires_at.is_(None), turns.c.expires_at > by),
                turns.c.id.in_(
                    sa.select(artifacts.c.turn_id).where(
                        artifacts.c.expires_at <= by, artifacts.c.kind == "audio"
                    )
                ),
            )
        if self.member_id is not None:
            query = query.where(turns.c.member_id == self.member_id)
        planned = sa.select(receipt_turns.c.turn_id).where(
            receipt_turns.c.status == "planned",
            receipt_turns.c.receipt_id.in_(
                sa.select(receipts.c.id).where(receipts.c.status == "pending")
            ),
        )
        return query.where(turns.c.id.not_in(planned))

    def survivors_query(self, household_id: str) -> sa.Select[Any]:
        """Tombstones in this selection whose records survived an earlier scope-voice deletion
        (a scope-everything deletion removes those records too).  Retention never takes
        surviving records this way: their own retention removes them."""
        stone = tombstones.c
        if self.mode in RETENTION_MODES:
            return sa.select(stone.turn_id).where(sa.false())
        query = sa.select(stone.turn_id).where(
            stone.household_id == household_id,
            sa.exists().where(action_records.c.origin_turn_id == stone.turn_id),
        )
        if self.member_id is not None:
            query = query.where(stone.member_id == self.member_id)
        if self.turn_id is not None:
            query = query.where(stone.turn_id == self.turn_id)
        if self.since is not None:
            query = query.where(stone.turn_created_at >= self.since)
        if self.until is not None:
            query = query.where(stone.turn_created_at < self.until)
        return query
