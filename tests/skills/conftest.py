"""Fixtures for the built-in skills: an in-memory record store and a controllable
wall clock (fixture ``wall``; the suite-wide ``clock`` fixture is the vault's).

``FakeRecordStore`` is a working fake of :class:`confide.skills.RecordStore`, not a mock: it
keeps records, filters them like the vault does (oldest first, ``None`` filters mean any),
round-trips payloads through JSON as the vault does, hands out read-only payloads so a skill
that mutates one fails loudly, and refuses unknown ids and members.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest

from confide.errors import ConfideError
from confide.skills import Member, SkillContext, StoredRecord

KINDS = {"alarm", "timer", "reminder", "calendar_event", "message", "shopping_item"}
STATUSES = {"active", "done", "cancelled"}

# Sunday 22 November 2026, 08:00 local.
START = datetime(2026, 11, 22, 8, 0)

ALICE = Member("mem-alice", "Alice", "owner")
BOB = Member("mem-bob", "Bob", "adult")
CARA = Member("mem-cara", "Cara Jones", "child")
MEMBERS = (ALICE, BOB, CARA)
CONTACTS = ("Grandma", "Dr Patel")


class FakeNotFound(ConfideError):
    code = "not_found"


class FakeRecordStore:
    """Action records in memory, bound to a (changeable) turn id."""

    def __init__(self, member_ids: set[str]) -> None:
        self.member_ids = member_ids
        self.turn_id: str | None = "turn-1"
        self._records: dict[str, StoredRecord] = {}
        self._ids = itertools.count(1)
        self._ticks = itertools.count()
        self.updates: list[tuple[str, str | None, bool]] = []

    @staticmethod
    def _frozen(payload):
        return MappingProxyType(json.loads(json.dumps(dict(payload))))

    def create(self, kind, payload, *, member_id, audience_member_id=None):
        assert kind in KINDS, kind
        if member_id not in self.member_ids:
            raise FakeNotFound(f"no member {member_id}")
        if audience_member_id is not None and audience_member_id not in self.member_ids:
            raise FakeNotFound(f"no member {audience_member_id}")
        record = StoredRecord(
            id=f"rec-{next(self._ids)}",
            kind=kind,
            member_id=member_id,
            status="active",
            payload=self._frozen(payload),
            created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=next(self._ticks)),
            origin_turn_id=self.turn_id,
            audience_member_id=audience_member_id,
        )
        self._records[record.id] = record
        return record

    def update(self, record_id, *, payload=None, status=None):
        if record_id not in self._records:
            raise FakeNotFound(f"no action record {record_id}")
        assert status is None or status in STATUSES, status
        record = self._records[record_id]
        if payload is not None:
            record = replace(record, payload=self._frozen(payload))
        if status is not None:
            record = replace(record, status=status)
        self._records[record_id] = record
        self.updates.append((record_id, status, payload is not None))
        return record

    def list(self, kind, *, member_id=None, audience_member_id=None, status="active"):
        assert kind in KINDS, kind
        return [
            r
            for r in sorted(self._records.values(), key=lambda r: r.created_at)
            if r.kind == kind
            and (member_id is None or r.member_id == member_id)
            and (audience_member_id is None or r.audience_member_id == audience_member_id)
            and (status is None or r.status == status)
        ]

    def count(self, kind, *, member_id=None, status="active"):
        return len(self.list(kind, member_id=member_id, status=status))

    # test helpers, not part of the protocol
    def get(self, record_id: str) -> StoredRecord:
        return self._records[record_id]

    def delete(self, record_id: str) -> None:
        del self._records[record_id]

    def all(self) -> list[StoredRecord]:
        return list(self._records.values())


@dataclass
class Clock:
    now: datetime = START

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def wall() -> Clock:
    return Clock()


@pytest.fixture
def store() -> FakeRecordStore:
    return FakeRecordStore({m.id for m in MEMBERS})


@pytest.fixture
def ctx(store, wall):
    """``ctx()`` is a fresh SkillContext at the wall clock's current time (speaker Alice)."""

    def make(speaker: Member = ALICE, now: datetime | None = None) -> SkillContext:
        return SkillContext(
            now=now or wall.now,
            speaker=speaker,
            members=MEMBERS,
            contacts=CONTACTS,
            records=store,
        )

    return make


@dataclass(frozen=True)
class People:
    alice: Member = ALICE
    bob: Member = BOB
    cara: Member = CARA


@pytest.fixture
def people() -> People:
    """Alice (owner, the default speaker), Bob (adult), Cara Jones (child)."""
    return People()


@pytest.fixture
def fake_store():
    """The :class:`FakeRecordStore` class, to build stores over other member ids."""
    return FakeRecordStore
