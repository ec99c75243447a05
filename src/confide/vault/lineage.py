"""Reading what a turn produced: history, lineage, decryption by id, and the orphan check.

Lineage is the promise that every row and blob concerning a person is reachable from one of
their turns.  :func:`find_orphans` checks the promise over the whole vault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from confide.vault import _crypto
from confide.vault.errors import NotFoundError
from confide.vault.keyring import artifact_aad
from confide.vault.models import StoredItem, TurnInfo, TurnLineage, iso
from confide.vault.schema import action_records, artifacts, data_keys, members, tombstones, turns
from confide.vault.session import ARTIFACT_TABLE, RECORD_TABLE
from confide.vault.store import Vault

_TURN_COLUMNS = (
    turns.c.id,
    turns.c.household_id,
    turns.c.member_id,
    members.c.name,
    turns.c.device_id,
    turns.c.source,
    turns.c.created_at,
)


def _turn_info(row: Any) -> TurnInfo:
    return TurnInfo(
        row.id,
        row.household_id,
        row.member_id,
        row.name,
        row.device_id,
        row.source,
        row.created_at,
    )


def history(
    vault: Vault,
    household_id: str,
    *,
    member_id: str | None = None,
    since: float | None = None,
    until: float | None = None,
    limit: int | None = None,
) -> list[TurnInfo]:
    """Turns of a household (or one member), newest first, within ``[since, until)``."""
    query = (
        sa.select(*_TURN_COLUMNS)
        .join(members, members.c.id == turns.c.member_id)
        .where(turns.c.household_id == household_id)
    )
    if member_id is not None:
        query = query.where(turns.c.member_id == member_id)
    if since is not None:
        query = query.where(turns.c.created_at >= since)
    if until is not None:
        query = query.where(turns.c.created_at < until)
    query = query.order_by(turns.c.created_at.desc(), turns.c.id)
    if limit is not None:
        query = query.limit(limit)
    with vault.reading() as conn:
        return [_turn_info(row) for row in conn.execute(query)]


def _artifact_item(vault: Vault, row: Any) -> StoredItem:
    location = ARTIFACT_TABLE if row.store == "db" else f"blob:{vault.blobs.relative(row.id)}"
    return StoredItem(row.id, row.kind, location, row.size, row.created_at, row.expires_at)


def lineage(vault: Vault, household_id: str, turn_id: str) -> TurnLineage:
    """The turn and every artifact and action record derived from it, with where each is."""
    with vault.reading() as conn:
        row = conn.execute(
            sa.select(*_TURN_COLUMNS, turns.c.key_id)
            .join(members, members.c.id == turns.c.member_id)
            .where(turns.c.id == turn_id, turns.c.household_id == household_id)
        ).first()
        if row is None:
            stone = conn.execute(
                sa.select(tombstones.c.deleted_at, tombstones.c.receipt_id).where(
                    tombstones.c.turn_id == turn_id, tombstones.c.household_id == household_id
                )
            ).first()
            if stone is not None:
                raise NotFoundError(
                    f"turn {turn_id} was forgotten on {iso(stone.deleted_at)}; "
                    f"see `confide receipts {stone.receipt_id}`",
                    code="forgotten",
                )
            raise NotFoundError(f"no turn {turn_id!r}; see `confide history`")
        key_at = conn.execute(
            sa.select(data_keys.c.created_at).where(data_keys.c.id == row.key_id)
        ).scalar_one()
        arts = conn.execute(
            sa.select(artifacts)
            .where(artifacts.c.turn_id == turn_id)
            .order_by(artifacts.c.created_at, artifacts.c.id)
        ).all()
        recs = conn.execute(
            sa.select(action_records).where(action_records.c.origin_turn_id == turn_id)
        ).all()
        own = [a.key_id for a in arts if a.key_id] + [r.key_id for r in recs if r.key_id]
        made = dict(
            conn.execute(
                sa.select(data_keys.c.id, data_keys.c.created_at).where(data_keys.c.id.in_(own))
            ).all()
        )
    return TurnLineage(
        turn=_turn_info(row),
        data_key=StoredItem(row.key_id, "data_key", "db:data_keys", created_at=key_at),
        artifacts=tuple(_artifact_item(vault, a) for a in arts),
        records=tuple(
            StoredItem(r.id, r.kind, RECORD_TABLE, created_at=r.created_at, status=r.status)
            for r in recs
        ),
        own_keys=tuple(
            StoredItem(k, "data_key", "db:data_keys", created_at=made.get(k)) for k in own
        ),
    )


def read_artifact(vault: Vault, household_id: str, artifact_id: str) -> bytes:
    """Decrypt one artifact; any key or integrity failure is one ``DecryptionError``."""
    with vault.reading() as conn:
        row = conn.execute(
            sa.select(artifacts, turns.c.key_id.label("turn_key_id"))
            .join(turns, turns.c.id == artifacts.c.turn_id)
            .where(artifacts.c.id == artifact_id, turns.c.household_id == household_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no artifact {artifact_id!r}")
        return open_artifact(vault, conn, row, row.turn_key_id)


def open_artifact(vault: Vault, conn: sa.Connection, row: Any, turn_key_id: str) -> bytes:
    """Decrypt an ``artifacts`` row of a turn whose data key is ``turn_key_id`` (the
    artifact's own key, if it has one, instead)."""
    key = vault.keyring.data_key(conn, row.key_id or turn_key_id)
    sealed = row.ciphertext if row.store == "db" else vault.blobs.get(row.id)
    return _crypto.open_sealed(
        key, sealed, artifact_aad(row.id, row.kind, row.turn_id), f"artifact {row.id}"
    )


def artifacts_of(vault: Vault, household_id: str, source: str, kind: str) -> list[tuple[str, str]]:
    """``(artifact_id, turn_id)`` of every unexpired ``kind`` artifact of ``source`` turns.

    Oldest first.  Turns are found by source (indexed), so this stays cheap in a vault of
    millions of artifacts.
    """
    now = vault.now()
    with vault.reading() as conn:
        rows = conn.execute(
            sa.select(artifacts.c.id, artifacts.c.turn_id)
            .join(turns, turns.c.id == artifacts.c.turn_id)
            .where(
                turns.c.household_id == household_id,
                turns.c.source == source,
                artifacts.c.kind == kind,
                sa.or_(artifacts.c.expires_at.is_(None), artifacts.c.expires_at > now),
            )
            .order_by(artifacts.c.created_at, artifacts.c.id)
        ).all()
    return [(str(r.id), str(r.turn_id)) for r in rows]


@dataclass(frozen=True)
class Orphan:
    location: str
    id: str
    why: str


def find_orphans(vault: Vault) -> list[Orphan]:
    """Everything stored that is not reachable from a turn (or a member, for member keys)."""
    found: list[Orphan] = []
    with vault.reading() as conn:
        blob_rows = {
            r.id for r in conn.execute(sa.select(artifacts.c.id).where(artifacts.c.store == "blob"))
        }
        for blob_id in vault.blobs.ids():
            if blob_id not in blob_rows:
                found.append(Orphan("blobs", blob_id, "blob without an artifact row"))
        found.extend(
            Orphan("db:artifacts", blob_id, "artifact row whose blob is missing")
            for blob_id in sorted(blob_rows)
            if not vault.blobs.exists(blob_id)
        )
        dangling_arts = conn.execute(
            sa.select(artifacts.c.id)
            .outerjoin(turns, turns.c.id == artifacts.c.turn_id)
            .where(turns.c.id.is_(None))
        )
        found.extend(Orphan("db:artifacts", r.id, "no turn") for r in dangling_arts)
        # A record outlives a turn forgotten with scope "voice": its link is then the tombstone.
        unlinked_recs = conn.execute(
            sa.select(action_records.c.id)
            .outerjoin(turns, turns.c.id == action_records.c.origin_turn_id)
            .outerjoin(tombstones, tombstones.c.turn_id == action_records.c.origin_turn_id)
            .where(turns.c.id.is_(None), tombstones.c.turn_id.is_(None))
        )
        found.extend(
            Orphan("db:action_records", r.id, "no origin turn or tombstone") for r in unlinked_recs
        )
        owned_keys = sa.union(
            sa.select(turns.c.key_id),
            sa.select(members.c.key_id),
            sa.select(artifacts.c.key_id).where(artifacts.c.key_id.is_not(None)),
            sa.select(action_records.c.key_id).where(action_records.c.key_id.is_not(None)),
        ).subquery()
        loose_keys = conn.execute(
            sa.select(data_keys.c.id)
            .outerjoin(owned_keys, owned_keys.c.key_id == data_keys.c.id)
            .where(owned_keys.c.key_id.is_(None))
        )
        found.extend(
            Orphan("db:data_keys", r.id, "key of no turn, member, record or artifact")
            for r in loose_keys
        )
    return found
