"""What every skill sees and returns: the context of a turn, the record store, the result.

Skills never touch the database directly.  They read and write *action records* (an alarm,
a timer, a shopping item...) through a :class:`RecordStore` that the vault binds to the
current turn, so every record a skill creates carries the lineage link to that turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from confide.errors import ConfideError
from confide.vault.models import ActionRecord

#: An action record, decrypted (the vault's :class:`~confide.vault.ActionRecord`).
StoredRecord = ActionRecord

#: The kinds of action record the built-in skills keep.
RecordKind = Literal["alarm", "timer", "reminder", "calendar_event", "message", "shopping_item"]
#: Life states of an action record.  ``active`` records are pending or current.
RecordStatus = Literal["active", "done", "cancelled"]


class SkillError(ConfideError):
    """Root error of ``confide.skills``."""

    code = "skill_error"


@dataclass(frozen=True)
class Member:
    """A household member as skills see them."""

    id: str
    name: str
    role: str  # "owner" | "adult" | "child"


class RecordStore(Protocol):
    """Action records of one household, bound to the turn being handled."""

    def create(
        self,
        kind: RecordKind,
        payload: Mapping[str, Any],
        *,
        member_id: str,
        audience_member_id: str | None = None,
    ) -> StoredRecord:
        """Store a new active record whose lineage points at the current turn."""
        ...

    def update(
        self,
        record_id: str,
        *,
        payload: Mapping[str, Any] | None = None,
        status: RecordStatus | None = None,
    ) -> StoredRecord:
        """Replace the payload and/or status of a record."""
        ...

    def list(
        self,
        kind: RecordKind,
        *,
        member_id: str | None = None,
        audience_member_id: str | None = None,
        status: RecordStatus | None = "active",
    ) -> list[StoredRecord]:
        """Records of a kind, oldest first; ``None`` filters mean "any"."""
        ...

    def count(
        self,
        kind: RecordKind,
        *,
        member_id: str | None = None,
        status: RecordStatus | None = "active",
    ) -> int:
        """How many records of a kind there are (without decrypting them)."""
        ...


@dataclass(frozen=True)
class Forgotten:
    """What a deletion asked for by voice removed: counts and kinds, never content."""

    turns: int  # requests forgotten
    removed: int  # items removed (keys destroyed, rows and blobs deleted)
    kept: Mapping[str, int] = field(default_factory=dict)  # surviving record kinds -> count
    receipt_id: str | None = None


class Forgetter(Protocol):
    """Forgets the speaker's turns - ``last`` (before this one) or ``today`` - with scope voice."""

    def __call__(self, what: Literal["last", "today"]) -> Forgotten: ...


@dataclass(frozen=True)
class SkillContext:
    """Everything a skill may use while handling one intent."""

    now: datetime  # local, naive wall-clock time of the household
    speaker: Member
    members: Sequence[Member]
    contacts: Sequence[str]
    records: RecordStore
    forget: Forgetter | None = None  # given by the assistant to the privacy skill's turns


@dataclass(frozen=True)
class Action:
    """One thing a skill did, reported in ``confide ask --json`` under ``actions``.

    ``data`` holds what was set (it is voice-derived content: the vault encrypts it).
    """

    op: Literal["create", "update", "cancel", "read", "delete"]
    kind: str
    record_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "kind": self.kind,
            "record_id": self.record_id,
            "data": dict(self.data),
        }


@dataclass(frozen=True)
class SkillResult:
    """The reply to speak and the actions taken."""

    reply: str
    actions: tuple[Action, ...] = ()


class Skill(Protocol):
    """A built-in skill: handles the intents it names."""

    intents: frozenset[str]

    def handle(self, intent: str, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        """Act on one recognised intent."""
        ...
