"""Which turns a deletion covers: one turn, the last, a time range, today, or all of a member.

A :class:`Selection` is resolved to turn ids *when the deletion is acknowledged*, so the plan is
fixed and durable: a turn made afterwards is never swept up by an older request.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from confide.lifecycle.errors import SelectionError
from confide.vault.schema import action_records, tombstones, turns

MODES = ("turn", "last", "range", "today", "all")


@dataclass(frozen=True)
class Selection:
    """What to forget.  Times are epoch seconds, ranges are ``[since, until)``.

    ``member_id`` limits every mode to one person; ``turn`` needs ``turn_id``; ``range`` needs
    ``since`` or ``until``; ``last`` skips ``exclude_turn_id`` (the request being handled).
    """

    mode: str
    member_id: str | None = None
    turn_id: str | None = None
    since: float | None = None
    until: float | None = None
    exclude_turn_id: str | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise SelectionError(f"unknown deletion mode {self.mode!r}: use {', '.join(MODES)}")
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

    def survivors_query(self, household_id: str) -> sa.Select[Any]:
        """Tombstones in this selection whose records survived an earlier scope-voice deletion
        (a scope-everything deletion removes those records too)."""
        stone = tombstones.c
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
