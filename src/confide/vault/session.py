"""One write transaction of the vault: a turn, its artifacts and the action records it touches.

Everything a turn writes is committed together or not at all; blobs written during a session
that rolls back are removed again, so a failed turn leaves nothing behind.  The statements of
the hot path are built once at import and only bound per call.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confide.vault import _crypto
from confide.vault.errors import ConflictError, NotFoundError
from confide.vault.ids import new_id
from confide.vault.keyring import artifact_aad, record_aad
from confide.vault.models import ActionRecord, StoredItem
from confide.vault.schema import action_records, artifacts, devices, members, turns
from confide.vault.settings import earliest, turn_expiry

if TYPE_CHECKING:
    from confide.vault.store import Vault

#: Artifacts larger than this (plaintext bytes) go to the blob store, not a database row.
BLOB_THRESHOLD = 16 * 1024
ARTIFACT_TABLE = "db:artifacts"
RECORD_TABLE = "db:action_records"

_INSERT_TURN = turns.insert()
_INSERT_ARTIFACT = artifacts.insert()
_INSERT_RECORD = action_records.insert()
_MEMBER_KEY = sa.select(members.c.key_id).where(
    members.c.id == sa.bindparam("member_id"), members.c.household_id == sa.bindparam("hh")
)
_MEMBER_AUDIO = sa.select(members.c.audio_retention).where(
    members.c.id == sa.bindparam("member_id"), members.c.household_id == sa.bindparam("hh")
)
_MEMBER_TRANSCRIPTS = sa.select(members.c.transcript_retention).where(
    members.c.id == sa.bindparam("member_id"), members.c.household_id == sa.bindparam("hh")
)
_DEVICE_HOUSEHOLD = sa.select(devices.c.household_id).where(devices.c.id == sa.bindparam("id"))
_GET_RECORD = sa.select(action_records).where(
    action_records.c.id == sa.bindparam("id"), action_records.c.household_id == sa.bindparam("hh")
)
_UPDATE_RECORD = (
    action_records.update()
    .where(
        action_records.c.id == sa.bindparam("rid"),
        action_records.c.version == sa.bindparam("seen_version"),
    )
    .values(
        status=sa.bindparam("new_status"),
        ciphertext=sa.bindparam("sealed"),
        updated_at=sa.bindparam("at"),
        version=sa.bindparam("next_version"),
    )
)
_RECORD_VERSION = sa.select(
    sa.func.count(),
    sa.func.count().filter(action_records.c.status == "active"),
    sa.func.max(action_records.c.updated_at),
).where(
    action_records.c.household_id == sa.bindparam("hh"),
    action_records.c.kind == sa.bindparam("kind"),
)


def _filtered(
    query: sa.Select[Any], by_member: bool, by_audience: bool, by_status: bool
) -> sa.Select[Any]:
    """``query`` limited to one household and kind, plus the optional filters named."""
    query = query.where(
        action_records.c.household_id == sa.bindparam("hh"),
        action_records.c.kind == sa.bindparam("kind"),
    )
    if by_member:
        query = query.where(action_records.c.member_id == sa.bindparam("member_id"))
    if by_audience:
        query = query.where(action_records.c.audience_member_id == sa.bindparam("audience"))
    if by_status:
        query = query.where(action_records.c.status == sa.bindparam("status"))
    return query


@functools.cache
def _list_query(by_member: bool, by_audience: bool, by_status: bool) -> sa.Select[Any]:
    query = _filtered(sa.select(action_records), by_member, by_audience, by_status)
    return query.order_by(action_records.c.created_at, action_records.c.id)


@functools.cache
def _count_query(by_member: bool, by_status: bool) -> sa.Select[Any]:
    return _filtered(sa.select(sa.func.count()), by_member, False, by_status)


def _binding_aad(row: Mapping[str, Any]) -> bytes:
    return record_aad(
        row["id"],
        row["kind"],
        row["member_id"],
        household_id=row["household_id"],
        audience_member_id=row["audience_member_id"],
        origin_turn_id=row["origin_turn_id"],
        status=row["status"],
    )


@dataclass(frozen=True)
class TurnHandle:
    id: str
    household_id: str
    member_id: str
    key_id: str
    #: When the turn, and everything derived from it, expires (``None``: when deleted).
    expires_at: float | None = None


class VaultSession:
    """Writes inside one transaction; obtained from :meth:`Vault.session`."""

    def __init__(self, vault: Vault, conn: sa.Connection, household_id: str) -> None:
        self.vault = vault
        self.conn = conn
        self.household_id = household_id
        self.written_blobs: list[str] = []
        self._pending_artifacts: list[dict[str, Any]] = []

    def now(self) -> float:
        return self.vault.clock.now().timestamp()

    def member_key_id(self, member_id: str) -> str:
        """The key id of a member of *this* household (cached), else ``NotFoundError``."""
        cache = self.vault.member_key_ids
        key_id = cache.get((self.household_id, member_id))
        if key_id is None:
            key_id = self.conn.execute(
                _MEMBER_KEY, {"member_id": member_id, "hh": self.household_id}
            ).scalar_one_or_none()
            if key_id is None:
                raise NotFoundError(f"no member {member_id} in this household")
            cache[(self.household_id, member_id)] = key_id
        return key_id

    def audio_retention(self, member_id: str) -> str:
        """The member's ``audio_retention`` as committed now (read in this transaction)."""
        found = self.conn.execute(
            _MEMBER_AUDIO, {"member_id": member_id, "hh": self.household_id}
        ).scalar_one_or_none()
        if found is None:
            raise NotFoundError(f"no member {member_id} in this household")
        return str(found)

    # -- turns and artifacts -------------------------------------------------------------
    def start_turn(self, member_id: str, source: str, device_id: str | None = None) -> TurnHandle:
        """A new turn of ``member_id``, expiring as their ``transcript_retention`` (read in this
        transaction) says."""
        self.member_key_id(member_id)  # the speaker must belong to this household
        retention = self.conn.execute(
            _MEMBER_TRANSCRIPTS, {"member_id": member_id, "hh": self.household_id}
        ).scalar_one_or_none()
        if retention is None:
            raise NotFoundError(f"no member {member_id} in this household")
        if device_id is not None:
            owner = self.conn.execute(_DEVICE_HOUSEHOLD, {"id": device_id}).scalar_one_or_none()
            if owner != self.household_id:
                raise NotFoundError(f"no device {device_id} in this household")
        turn_id = new_id("turn")
        key_id = f"key_{turn_id}"
        at = self.now()
        expires_at = turn_expiry(retention, at)
        self.vault.keyring.new_data_key(self.conn, self.household_id, key_id, "turn", at)
        self.conn.execute(
            _INSERT_TURN,
            {
                "id": turn_id,
                "household_id": self.household_id,
                "member_id": member_id,
                "device_id": device_id,
                "source": source,
                "key_id": key_id,
                "created_at": at,
                "expires_at": expires_at,
            },
        )
        return TurnHandle(turn_id, self.household_id, member_id, key_id, expires_at)

    def put_artifact(
        self,
        turn: TurnHandle,
        kind: str,
        data: bytes,
        *,
        expires_at: float | None = None,
        own_key: bool = False,
    ) -> StoredItem:
        """Seal ``data`` under the turn's key and store it (row or blob by size).

        With ``own_key`` it is sealed under a data key of its own instead, so that removing it
        before the rest of the turn (retention of recordings) still crypto-shreds every copy.

        It expires with its turn, or at ``expires_at`` if that is earlier (a recording kept for
        less time than the transcript).  Rows are batched and written by :meth:`flush`, which
        the session calls before commit.
        """
        expires_at = earliest(expires_at, turn.expires_at)
        artifact_id = new_id("art")
        at = self.now()
        key_id = f"key_{artifact_id}" if own_key else None
        if key_id is None:
            key = self.vault.keyring.data_key(self.conn, turn.key_id)
        else:
            key = self.vault.keyring.new_data_key(
                self.conn, self.household_id, key_id, "artifact", at
            )
        sealed = _crypto.seal(key, data, artifact_aad(artifact_id, kind, turn.id))
        if len(data) > BLOB_THRESHOLD:
            self.vault.blobs.put(artifact_id, sealed)
            self.written_blobs.append(artifact_id)
            store, location, column = "blob", f"blob:{self.vault.blobs.relative(artifact_id)}", None
        else:
            store, location, column = "db", ARTIFACT_TABLE, sealed
        self._pending_artifacts.append(
            {
                "id": artifact_id,
                "turn_id": turn.id,
                "kind": kind,
                "store": store,
                "size": len(data),
                "created_at": at,
                "expires_at": expires_at,
                "ciphertext": column,
                "key_id": key_id,
            }
        )
        return StoredItem(artifact_id, kind, location, len(data), at, expires_at)

    def flush(self) -> None:
        """Write pending artifact rows (one batched statement); done before every commit."""
        if self._pending_artifacts:
            self.conn.execute(_INSERT_ARTIFACT, self._pending_artifacts)
            self._pending_artifacts = []

    def put_json(self, turn: TurnHandle, kind: str, value: Any) -> StoredItem:
        return self.put_artifact(turn, kind, json.dumps(value, ensure_ascii=False).encode())

    def record_version(self, kind: str) -> tuple[Any, ...]:
        """A cheap fingerprint of a household's records of one kind (changes when they do)."""
        row = self.conn.execute(_RECORD_VERSION, {"hh": self.household_id, "kind": kind}).one()
        return tuple(row)

    def records(self, turn: TurnHandle | None) -> TurnRecords:
        """The action records of this household; new ones are linked to ``turn``."""
        return TurnRecords(self, turn)


class TurnRecords:
    """A :class:`confide.skills.RecordStore` over the vault, bound to one turn."""

    def __init__(self, session: VaultSession, turn: TurnHandle | None) -> None:
        self.session = session
        self.turn = turn
        self.touched: list[StoredItem] = []
        # The version of each record as this store last handed it out: an update applies
        # only if nobody changed the record since (another process, on PostgreSQL).
        self._seen: dict[str, int] = {}
        # Which key each record handed out is sealed under (its own, or its member's).
        self._key_ids: dict[str, str] = {}

    def _key(self, key_id: str) -> bytes:
        return self.session.vault.keyring.data_key(self.session.conn, key_id)

    def _seal(self, key_id: str, binding: Mapping[str, Any], payload: Mapping[str, Any]) -> bytes:
        data = json.dumps(dict(payload), ensure_ascii=False).encode()
        return _crypto.seal(self._key(key_id), data, _binding_aad(binding))

    def _open(self, row: Any) -> ActionRecord:
        key_id = row.key_id or self.session.member_key_id(row.member_id)
        key = self._key(key_id)
        self._key_ids[row.id] = key_id
        self._seen.setdefault(row.id, row.version)
        aad = _binding_aad({**row._mapping, "household_id": self.session.household_id})
        data = _crypto.open_sealed(key, row.ciphertext, aad, f"record {row.id}")
        return ActionRecord(
            id=row.id,
            kind=row.kind,
            member_id=row.member_id,
            status=row.status,
            payload=json.loads(data),
            created_at=datetime.fromtimestamp(row.created_at, UTC),
            origin_turn_id=row.origin_turn_id,
            audience_member_id=row.audience_member_id,
        )

    def _row(self, record_id: str) -> Any:
        row = self.session.conn.execute(
            _GET_RECORD, {"id": record_id, "hh": self.session.household_id}
        ).first()
        if row is None:
            raise NotFoundError(f"no action record {record_id}")
        return row

    def create(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        member_id: str,
        audience_member_id: str | None = None,
    ) -> ActionRecord:
        record_id = new_id("rec")
        at = self.session.now()
        if audience_member_id is not None:
            self.session.member_key_id(audience_member_id)  # must be of this household
        row: dict[str, Any] = {
            "id": record_id,
            "household_id": self.session.household_id,
            "member_id": member_id,
            "audience_member_id": audience_member_id,
            "kind": kind,
            "status": "active",
            "origin_turn_id": self.turn.id if self.turn else None,
            "created_at": at,
            "updated_at": at,
        }
        self.session.member_key_id(member_id)  # the owner must be of this household
        key_id = f"key_{record_id}"
        self.session.vault.keyring.new_data_key(
            self.session.conn, self.session.household_id, key_id, "record", at
        )
        row["ciphertext"] = self._seal(key_id, row, payload)
        self.session.conn.execute(_INSERT_RECORD, {**row, "version": 0, "key_id": key_id})
        self._key_ids[record_id] = key_id
        self._seen[record_id] = 0
        self.touched.append(StoredItem(record_id, kind, RECORD_TABLE, created_at=at))
        return ActionRecord(
            id=record_id,
            kind=kind,
            member_id=member_id,
            status="active",
            payload=json.loads(json.dumps(dict(payload))),
            created_at=datetime.fromtimestamp(at, UTC),
            origin_turn_id=self.turn.id if self.turn else None,
            audience_member_id=audience_member_id,
        )

    def get(self, record_id: str) -> ActionRecord:
        return self._open(self._row(record_id))

    def update(
        self,
        record_id: str,
        *,
        payload: Mapping[str, Any] | None = None,
        status: str | None = None,
    ) -> ActionRecord:
        current = self.get(record_id)
        seen = self._seen[record_id]
        new_payload = current.payload if payload is None else json.loads(json.dumps(dict(payload)))
        new_status = current.status if status is None else status
        binding = {
            "id": record_id,
            "kind": current.kind,
            "member_id": current.member_id,
            "household_id": self.session.household_id,
            "audience_member_id": current.audience_member_id,
            "origin_turn_id": current.origin_turn_id,
            "status": new_status,
        }
        done = self.session.conn.execute(
            _UPDATE_RECORD,
            {
                "rid": record_id,
                "seen_version": seen,
                "next_version": seen + 1,
                "new_status": new_status,
                "sealed": self._seal(self._key_ids[record_id], binding, new_payload),
                "at": self.session.now(),
            },
        )
        if done.rowcount != 1:
            raise ConflictError(
                f"record {record_id} was changed by another request at the same time; try again",
                code="concurrent_update",
            )
        self._seen[record_id] = seen + 1
        return dataclasses.replace(current, payload=new_payload, status=new_status)

    def list(
        self,
        kind: str,
        *,
        member_id: str | None = None,
        audience_member_id: str | None = None,
        status: str | None = "active",
    ) -> list[ActionRecord]:
        params = {
            "hh": self.session.household_id,
            "kind": kind,
            "member_id": member_id,
            "audience": audience_member_id,
            "status": status,
        }
        query = _list_query(
            member_id is not None, audience_member_id is not None, status is not None
        )
        rows = self.session.conn.execute(query, {k: v for k, v in params.items() if v is not None})
        return [self._open(row) for row in rows]

    def count(
        self, kind: str, *, member_id: str | None = None, status: str | None = "active"
    ) -> int:
        params = {"hh": self.session.household_id, "kind": kind}
        if member_id is not None:
            params["member_id"] = member_id
        if status is not None:
            params["status"] = status
        query = _count_query(member_id is not None, status is not None)
        return int(self.session.conn.execute(query, params).scalar_one())
