"""Physical erasure: the vault's part of forgetting a turn.

:func:`erase_turns` removes, inside the caller's transaction, everything derived from a batch of
turns: it destroys each turn's data key (crypto-shredding: every copy of its ciphertexts, in a
backup or a dead database page, becomes unreadable), deletes the artifact rows and the turn row,
leaves a tombstone, and - with scope ``everything`` - deletes the action records the turns
created.  Under scope ``voice`` those records survive and are named, with the reason; their
``origin_turn_id`` then points at the tombstone.  Blob files are removed by :func:`remove_blobs`
*after* the transaction commits (a rollback must not lose a live blob); the caller's durable job
re-runs it after a crash, it is idempotent.  :func:`compact` leaves no remnant in SQLite's files.

What is removed is reported as :class:`ErasedItem` s: ids, kinds and where they were, never
content.  The lifecycle layer turns them into receipts.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confide.vault.errors import VaultError
from confide.vault.schema import action_records, artifacts, tombstones, turns
from confide.vault.session import ARTIFACT_TABLE, RECORD_TABLE

if TYPE_CHECKING:
    from confide.vault.store import Vault

SCOPES = ("voice", "everything")
KEY_TABLE = "db:data_keys"
TURN_TABLE = "db:turns"

#: Why a record outlives the voice of the turn that created it.
KEPT_BY_SCOPE = (
    "scope voice keeps what the request created; forget with scope everything to remove it"
)

DESTROYED = "destroyed"  # a data key: every ciphertext under it is unreadable
DELETED = "deleted"  # a row or a blob, physically removed
KEPT = "kept"  # survives, with its reason


@dataclass(frozen=True)
class ErasedItem:
    """One thing a deletion handled: what it was, where, and what was done to it."""

    id: str
    kind: str
    store: str
    action: str
    reason: str | None = None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> ErasedItem:
        return cls(str(row[0]), str(row[1]), str(row[2]), str(row[3]), row[4])


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise VaultError(f"unknown scope {scope!r}: use voice or everything", code="bad_scope")
    return scope


def _in(column: Any, name: str) -> Any:
    return column.in_(sa.bindparam(name, expanding=True))


class _ByIds:
    """A statement over a list of ids, sent straight to the driver.

    The hot path of erasing a member's whole history: SQLAlchemy re-renders an expanding IN
    list of 1,000 values for every execution, a sixth of the time.  Only fixed table and column
    names are in the text; every value is a bound parameter.
    """

    def __init__(self, template: str) -> None:
        self.template = template  # "{p}" is one placeholder, "{ids}" the list of them

    def run(self, conn: sa.Connection, ids: Sequence[str], *first: object) -> list[Any]:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        sql = self.template.format(p=mark, ids=",".join([mark] * len(ids)))
        result = conn.exec_driver_sql(sql, (*first, *ids))
        return list(result.fetchall()) if result.returns_rows else []


# Turns and records are looked up by key only: with a household condition beside the IN list,
# SQLite may walk the household's whole time index instead (quadratic for a member's whole
# history).  The household is checked on the rows instead.
_TURN_ROWS = _ByIds(
    "SELECT id, member_id, key_id, created_at, household_id FROM turns WHERE id IN ({ids})"
)
_ARTIFACT_ROWS = _ByIds(
    "SELECT id, turn_id, kind, store, key_id FROM artifacts WHERE turn_id IN ({ids})"
)
_RECORD_ROWS = _ByIds(
    "SELECT id, origin_turn_id, kind, key_id FROM action_records WHERE origin_turn_id IN ({ids})"
)
# Made from the turn rows before they go, in one statement.
_TOMBSTONES_FROM_TURNS = _ByIds(
    "INSERT INTO tombstones (turn_id, household_id, member_id, turn_created_at, deleted_at, "
    "receipt_id) SELECT id, household_id, member_id, created_at, "
    "CAST({p} AS DOUBLE PRECISION), CAST({p} AS VARCHAR(40)) FROM turns "
    "WHERE id IN ({ids})"
)
_DELETE_ARTIFACTS = _ByIds("DELETE FROM artifacts WHERE turn_id IN ({ids})")
_DELETE_RECORDS = _ByIds("DELETE FROM action_records WHERE id IN ({ids})")
_DELETE_TURNS = _ByIds("DELETE FROM turns WHERE id IN ({ids})")
_DELETE_KEYS = _ByIds("DELETE FROM data_keys WHERE id IN ({ids})")
_RECORD_COLUMNS = sa.select(
    action_records.c.id,
    action_records.c.origin_turn_id,
    action_records.c.kind,
    action_records.c.key_id,
)
_TOMBSTONED_RECORDS = _RECORD_COLUMNS.where(
    _in(action_records.c.origin_turn_id, "ids"),
    sa.exists().where(
        tombstones.c.turn_id == action_records.c.origin_turn_id,
        tombstones.c.household_id == sa.bindparam("hh"),
    ),
)


#: An item as stored in a receipt: ``[id, kind, store, action, reason]`` (see ErasedItem).
Entry = list[str | None]


@dataclass(frozen=True)
class ErasedTurns:
    """What :func:`erase_turns` did: entries per turn id, and the blobs still to remove.

    Entries are plain lists (a member's history is hundreds of thousands of them)."""

    items: dict[str, list[Entry]]
    blobs: list[str]


def _location(vault: Vault, artifact_id: str, store: str) -> str:
    return ARTIFACT_TABLE if store == "db" else f"blob:{vault.blobs.relative(artifact_id)}"


def erase_turns(
    vault: Vault,
    conn: sa.Connection,
    household_id: str,
    turn_ids: Sequence[str],
    *,
    scope: str,
    receipt_id: str,
    at: float,
) -> ErasedTurns:
    """Erase whole turns inside ``conn``'s transaction (see the module docstring)."""
    check_scope(scope)
    ids = list(dict.fromkeys(turn_ids))
    if not ids:
        return ErasedTurns({}, [])
    found = [
        (turn_id, member_id, key_id, created_at)
        for turn_id, member_id, key_id, created_at, owner in _TURN_ROWS.run(conn, ids)
        if owner == household_id
    ]
    items: dict[str, list[Entry]] = {
        turn_id: [[key_id, "data_key", KEY_TABLE, DESTROYED, None]]
        for turn_id, _member, key_id, _at in found
    }
    present = list(items)
    if scope == "everything":  # records that survived an earlier deletion of their turn
        stones = [turn_id for turn_id in ids if turn_id not in items]
        _erase_survivors(vault, conn, household_id, stones, items)
    if not present:
        return ErasedTurns(items, [])
    blobs: list[str] = []
    keys = [key_id for _t, _m, key_id, _a in found]
    for art_id, turn_id, kind, store, own_key in _ARTIFACT_ROWS.run(conn, present):
        if store == "blob":
            blobs.append(art_id)
            items[turn_id].append([art_id, kind, _location(vault, art_id, store), DELETED, None])
        else:
            items[turn_id].append([art_id, kind, ARTIFACT_TABLE, DELETED, None])
        if own_key is not None:
            items[turn_id].append([own_key, "data_key", KEY_TABLE, DESTROYED, None])
            keys.append(own_key)
    keep = scope == "voice"
    action, reason = (KEPT, KEPT_BY_SCOPE) if keep else (DELETED, None)
    # (records of these turns are this household's: a record's origin is a turn of its own)
    record_ids = []
    for rec_id, origin, kind, own_key in _RECORD_ROWS.run(conn, present):
        items[origin].append([rec_id, kind, RECORD_TABLE, action, reason])
        record_ids.append(rec_id)
        if own_key is not None and not keep:
            items[origin].append([own_key, "data_key", KEY_TABLE, DESTROYED, None])
            keys.append(own_key)
    for turn_id in present:
        items[turn_id].append([turn_id, "turn", TURN_TABLE, DELETED, None])

    _TOMBSTONES_FROM_TURNS.run(conn, present, at, receipt_id)
    _DELETE_ARTIFACTS.run(conn, present)
    if not keep and record_ids:
        _DELETE_RECORDS.run(conn, record_ids)
    _DELETE_TURNS.run(conn, present)
    destroy_keys(vault, conn, keys)
    return ErasedTurns(items, blobs)


def destroy_keys(vault: Vault, conn: sa.Connection, key_ids: Sequence[str]) -> None:
    """Delete data key rows (crypto-shredding) and drop them from this process's memory."""
    if key_ids:
        _DELETE_KEYS.run(conn, key_ids)
    for key_id in key_ids:
        vault.keyring.forget_cached(key_id)


def erase_records(
    vault: Vault, conn: sa.Connection, household_id: str, record_ids: Sequence[str]
) -> dict[str, list[Entry]]:
    """Delete action records of a household and destroy their own keys, in ``conn``'s
    transaction; returns the entries per record id (the record, then its key)."""
    if not record_ids:
        return {}
    rows = conn.execute(
        sa.select(action_records.c.id, action_records.c.kind, action_records.c.key_id).where(
            _in(action_records.c.id, "ids"), action_records.c.household_id == household_id
        ),
        {"ids": list(record_ids)},
    ).all()
    out: dict[str, list[Entry]] = {}
    for rec in rows:
        out[rec.id] = [[rec.id, rec.kind, RECORD_TABLE, DELETED, None]]
        if rec.key_id is not None:
            out[rec.id].append([rec.key_id, "data_key", KEY_TABLE, DESTROYED, None])
    if rows:
        _DELETE_RECORDS.run(conn, [r.id for r in rows])
        destroy_keys(vault, conn, [r.key_id for r in rows if r.key_id is not None])
    return out


def _erase_survivors(
    vault: Vault,
    conn: sa.Connection,
    household_id: str,
    stones: list[str],
    items: dict[str, list[Entry]],
) -> None:
    """Delete the records still linked to tombstones ``stones``, noting them in ``items``."""
    if not stones:
        return
    found = conn.execute(_TOMBSTONED_RECORDS, {"ids": stones, "hh": household_id}).all()
    erased = erase_records(vault, conn, household_id, [r.id for r in found])
    for rec in found:
        items.setdefault(rec.origin_turn_id, []).extend(erased.get(rec.id, []))


def erase_artifacts(
    vault: Vault,
    conn: sa.Connection,
    household_id: str,
    turn_ids: Sequence[str],
    *,
    kinds: Iterable[str],
    expired_by: float | None = None,
) -> ErasedTurns:
    """Erase some artifacts of some turns (e.g. expired recordings); the turns stay.

    The turn's data key stays (its other artifacts still need it); an artifact sealed under
    a key of its own (a recording) has that key destroyed, so its older copies are unreadable
    too.  Artifacts under the turn's key are removed physically only.  ``expired_by`` limits it
    to artifacts whose ``expires_at`` is at or before it.
    """
    ids = list(dict.fromkeys(turn_ids))
    wanted = list(kinds)
    if not ids or not wanted:
        return ErasedTurns({}, [])
    condition = sa.and_(
        _in(artifacts.c.turn_id, "ids"),
        _in(artifacts.c.kind, "kinds"),
        artifacts.c.turn_id == turns.c.id,
        turns.c.household_id == household_id,
    )
    if expired_by is not None:
        condition = sa.and_(condition, artifacts.c.expires_at <= expired_by)
    rows = conn.execute(
        sa.select(
            artifacts.c.id,
            artifacts.c.turn_id,
            artifacts.c.kind,
            artifacts.c.store,
            artifacts.c.key_id,
        )
        .select_from(artifacts.join(turns, turns.c.id == artifacts.c.turn_id))
        .where(condition),
        {"ids": ids, "kinds": wanted},
    ).all()
    items: dict[str, list[Entry]] = {}
    blobs: list[str] = []
    for art in rows:
        items.setdefault(art.turn_id, []).append(
            [art.id, art.kind, _location(vault, art.id, art.store), DELETED, None]
        )
        if art.store == "blob":
            blobs.append(art.id)
        if art.key_id is not None:
            items[art.turn_id].append([art.key_id, "data_key", KEY_TABLE, DESTROYED, None])
    if rows:
        conn.execute(
            artifacts.delete().where(_in(artifacts.c.id, "art_ids")),
            {"art_ids": [art.id for art in rows]},
        )
        destroy_keys(vault, conn, [a.key_id for a in rows if a.key_id is not None])
    return ErasedTurns(items, blobs)


def remove_blobs(vault: Vault, blob_ids: Iterable[str]) -> None:
    """Remove blob files (idempotent: a blob already gone is fine)."""
    for blob_id in blob_ids:
        vault.blobs.delete(blob_id)


def compact(vault: Vault, *, attempts: int = 50) -> bool:
    """Leave no remnant of deleted rows in the database files.

    SQLite runs with ``secure_delete`` (freed cells and pages are zeroed); this moves the WAL
    into the database and truncates it, so old page images with deleted ciphertexts and wrapped
    keys do not linger in ``-wal``.  On PostgreSQL dead tuples and WAL segments are the server's;
    they hold only ciphertext under destroyed keys (see the README).

    Returns whether the WAL was emptied; a reader in the middle of a snapshot can hold it back,
    so it is retried (``attempts`` times, 10 ms apart) and the next deletion tries again.
    """
    if vault.engine.dialect.name != "sqlite":
        return True
    raw = vault.engine.raw_connection()
    try:
        for _ in range(attempts):
            # A plain connection in autocommit: a checkpoint cannot run inside a transaction.
            busy, _log, _done = raw.driver_connection.execute(  # type: ignore[union-attr]
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).fetchone()
            if not busy:
                return True
            time.sleep(0.01)
        return False
    finally:
        raw.close()
