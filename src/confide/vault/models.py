"""What the vault hands out: plain, frozen records of ids and metadata.

Only :class:`ActionRecord` carries decrypted content (its ``payload``); the rest hold ids,
names, kinds, sizes, times and *where* things are stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ROLES = ("owner", "adult", "child")


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


@dataclass(frozen=True)
class Household:
    id: str
    name: str
    created_at: float

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "created_at": iso(self.created_at)}


@dataclass(frozen=True)
class MemberInfo:
    id: str
    household_id: str
    name: str
    role: str
    audio_retention: str = "off"
    transcript_retention: str = "3_months"

    def settings(self) -> dict[str, str]:
        """The member's settings (see :mod:`confide.vault.settings`)."""
        return {
            "audio_retention": self.audio_retention,
            "transcript_retention": self.transcript_retention,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, **self.settings()}


@dataclass(frozen=True)
class Device:
    id: str
    household_id: str
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class ActionRecord:
    """An action record, decrypted (skills know it as ``StoredRecord``)."""

    id: str
    kind: str
    member_id: str
    status: str
    payload: Mapping[str, Any]
    created_at: datetime
    origin_turn_id: str | None
    audience_member_id: str | None = None


@dataclass(frozen=True)
class StoredItem:
    """One thing a turn left in the vault and where: ``location`` names the table or blob."""

    id: str
    kind: str
    location: str
    size: int | None = None
    created_at: float | None = None
    expires_at: float | None = None
    status: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "stored_in": self.location}
        if self.size is not None:
            out["size"] = self.size
        if self.created_at is not None:
            out["created_at"] = iso(self.created_at)
        if self.expires_at is not None or self.kind not in ("data_key",):
            out["expires_at"] = iso(self.expires_at)
        if self.status is not None:
            out["status"] = self.status
        return out


@dataclass(frozen=True)
class TurnInfo:
    id: str
    household_id: str
    member_id: str
    member_name: str
    device_id: str | None
    source: str
    created_at: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn_id": self.id,
            "member": self.member_name,
            "member_id": self.member_id,
            "device_id": self.device_id,
            "source": self.source,
            "created_at": iso(self.created_at),
        }


@dataclass(frozen=True)
class TurnLineage:
    """A turn and everything derived from it."""

    turn: TurnInfo
    data_key: StoredItem
    artifacts: tuple[StoredItem, ...]
    records: tuple[StoredItem, ...]
    #: Keys of their own that some artifacts (a recording) and every record are sealed under.
    own_keys: tuple[StoredItem, ...] = ()

    def items(self) -> tuple[StoredItem, ...]:
        return (self.data_key, *self.own_keys, *self.artifacts, *self.records)
