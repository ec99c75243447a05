"""Data backups without keys, and restores that re-apply every deletion made since.

:func:`create_backup` writes the household's data - members, contacts, devices, turns,
artifacts, action records and the blob files - from one consistent snapshot of the database
(SQLite or PostgreSQL) into a new directory (format: :mod:`confide.lifecycle.backup_files`).
It never writes a key: not the ``data_keys`` table, not the household key file (``keys/``).
**Keys stay in the live installation.**  A backup alone is ciphertext; it can be restored only
into the installation that made it, whose key store (the household key file and the
``data_keys`` table) it needs.  That is what makes deletion reach backups (invariant 2): a turn
forgotten after the backup was made has lost its data key, so its copy in the backup is
unreadable for good, and a restore leaves it out anyway.

:func:`restore_backup` checks the whole backup first (checksums, MAC, format, household) and
refuses it, touching nothing, if anything is off.  Then, in one transaction, it replaces the
household's data rows with the backup's, leaving out (invariant 6: deleted data never
reappears):

* every turn that has a tombstone now, or that any receipt lists as deleted, or whose data key
  no longer exists (its artifacts go with it);
* every artifact and action record that any receipt lists as deleted;
* records that would be linked to nothing, and members whose key is gone (they were removed).

Records a deletion kept under scope ``voice`` come back linked to their tombstone, as they were.
What the installation holds about itself is never rolled back: the household row, the audit log,
receipts and tombstones, the keys of what is restored, the rows (settings) of members it still
has, and device revocations.  Rows made since the backup are removed; the data keys nothing
restored uses are destroyed with them (a turn made after the backup is crypto-shredded).  Blob
files are written before the commit (removed again if it fails); blobs nothing refers to are
removed after it, and SQLite's WAL is emptied.  Run a restore with ``confide serve`` stopped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from confide.lifecycle.backup_files import TABLES, BackupWriter, VerifiedBackup, open_backup
from confide.lifecycle.deletion import resume_pending
from confide.lifecycle.errors import BackupError
from confide.vault import NotFoundError, Vault
from confide.vault.erase import DELETED, DESTROYED, compact, remove_blobs
from confide.vault.ids import new_id
from confide.vault.models import iso
from confide.vault.schema import (
    action_records,
    artifacts,
    contacts,
    data_keys,
    devices,
    households,
    members,
    receipt_turns,
    receipts,
    tombstones,
    turns,
)

_BATCH = 500
#: The kinds of data key whose owner a restore replaces (a key of no restored row is destroyed).
#: Data keys a household's data rows own (a record's and a recording's own keys included).
_OWNED_KEYS = ("turn", "member", "record", "artifact")


@dataclass(frozen=True)
class BackupManifest:
    """What :func:`create_backup` wrote: ids, times and counts."""

    backup_id: str
    household_id: str
    created_at: str
    path: Path
    tables: dict[str, int]
    blobs: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "backup_id": self.backup_id,
            "household_id": self.household_id,
            "created_at": self.created_at,
            "path": str(self.path),
            "tables": self.tables,
            "blobs": self.blobs,
            "keys": "none: a backup holds no data key and no household key",
        }


@dataclass(frozen=True)
class RestoreReport:
    """What :func:`restore_backup` did: rows written back, what it left out and why, ids only."""

    backup_id: str
    household_id: str
    backup_created_at: str
    restored: dict[str, int]
    blobs: int
    left_out: dict[str, int]
    rolled_back_turns: tuple[str, ...]
    removed_blobs: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "backup_id": self.backup_id,
            "household_id": self.household_id,
            "backup_created_at": self.backup_created_at,
            "restored": self.restored,
            "blobs": self.blobs,
            "left_out": self.left_out,
            "rolled_back_turns": list(self.rolled_back_turns),
            "removed_blobs": self.removed_blobs,
        }


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


@contextmanager
def _snapshot(vault: Vault) -> Iterator[sa.Connection]:
    """A read transaction that sees one moment of the database on both backends."""
    with vault.engine.connect() as raw:
        if raw.dialect.name == "postgresql":
            conn = raw.execution_options(isolation_level="REPEATABLE READ")
        else:  # a deferred SQLite transaction reads one WAL snapshot
            conn = raw.execution_options(confide_read_only=True)
        with conn.begin():
            yield conn


def _household_rows(conn: sa.Connection, table: sa.Table, household_id: str) -> sa.Result[Any]:
    """The household's rows of ``table``, streamed (close the result when done)."""
    if table is artifacts:
        query = (
            sa.select(artifacts)
            .join(turns, turns.c.id == artifacts.c.turn_id)
            .where(turns.c.household_id == household_id)
        )
    else:
        query = sa.select(table).where(table.c.household_id == household_id)
    return conn.execute(query.order_by(table.c.id).execution_options(yield_per=_BATCH))


def create_backup(vault: Vault, household_id: str, out: Path, *, actor: str) -> BackupManifest:
    """Write a backup of the household's data (no keys) to the new or empty directory ``out``.

    Deletions already acknowledged are completed first, so the backup never holds them.
    """
    vault.household(household_id)
    resume_pending(vault)
    backup_id = new_id("bkp")
    writer = BackupWriter(out)
    blobs: list[str] = []

    def with_blobs(rows: Iterable[Any]) -> Iterator[Any]:
        for row in rows:
            if row["store"] == "blob":
                try:
                    writer.write_blob(row["id"], vault.blobs.get(row["id"]))
                except NotFoundError as err:
                    raise BackupError(
                        f"the blob of artifact {row['id']} is missing (a deletion may have run "
                        "during the backup); nothing was written: run the backup again"
                    ) from err
                blobs.append(row["id"])
            yield row

    try:
        counts: dict[str, int] = {}
        with _snapshot(vault) as conn:
            for table in TABLES:
                with _household_rows(conn, table, household_id) as result:
                    rows = result.mappings()
                    counts[table.name] = writer.write_table(
                        table, with_blobs(rows) if table is artifacts else rows
                    )
        created_at = iso(vault.now()) or ""
        writer.seal(
            {
                "format": "confide-backup",
                "version": 1,
                "backup_id": backup_id,
                "household_id": household_id,
                "created_at": created_at,
                "tables": counts,
                "blobs": len(blobs),
            },
            lambda message: vault.seal_digest(household_id, message),
        )
        # Logged before it appears: no backup exists that the access log does not show.
        vault.record_access(household_id, actor, "backup.created", [backup_id])
        writer.publish()
    except BaseException:
        writer.discard()
        raise
    return BackupManifest(backup_id, household_id, created_at, writer.out, counts, len(blobs))


def verify_backup(vault: Vault, household_id: str, directory: Path) -> VerifiedBackup:
    """Check a backup completely (files, checksums, MAC, rows) without restoring it."""
    return open_backup(
        directory,
        household_id,
        lambda message, mac: vault.digest_matches(household_id, message, mac),
    )


# -- restore ---------------------------------------------------------------------------------
@dataclass
class _Live:
    """What the installation holds now and a restore must respect."""

    keys: set[str]  # data keys (of the kinds a restore replaces)
    stones: set[str]  # tombstoned turn ids
    forgotten: set[str]  # every id a receipt lists as deleted or destroyed
    members: set[str]
    turns: set[str]
    revoked: dict[str, float]  # device id -> when it was revoked


def _live(conn: sa.Connection, household_id: str) -> _Live:
    def ids(query: sa.Select[Any]) -> set[str]:
        return set(conn.execute(query).scalars())

    forgotten: set[str] = set()
    entries = conn.execute(
        sa.select(receipt_turns.c.entries)
        .join(receipts, receipts.c.id == receipt_turns.c.receipt_id)
        .where(receipts.c.household_id == household_id, receipt_turns.c.entries.is_not(None))
    ).scalars()
    for text in entries:
        forgotten.update(str(i[0]) for i in json.loads(text) if i[3] in (DELETED, DESTROYED))
    revoked = conn.execute(
        sa.select(devices.c.id, devices.c.revoked_at).where(
            devices.c.household_id == household_id, devices.c.revoked_at.is_not(None)
        )
    )
    return _Live(
        keys=ids(
            sa.select(data_keys.c.id).where(
                data_keys.c.household_id == household_id, data_keys.c.kind.in_(_OWNED_KEYS)
            )
        ),
        stones=ids(
            sa.select(tombstones.c.turn_id).where(tombstones.c.household_id == household_id)
        ),
        forgotten=forgotten,
        members=ids(sa.select(members.c.id).where(members.c.household_id == household_id)),
        turns=ids(sa.select(turns.c.id).where(turns.c.household_id == household_id)),
        revoked={r.id: r.revoked_at for r in revoked},
    )


@dataclass
class _Plan:
    """The rows of the backup that go back, and why the others do not."""

    people: set[str] = field(default_factory=set)  # the members the household will have
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.left_out[why] = self.left_out.get(why, 0) + 1


_REASONS = (
    "forgotten_turns",
    "turns_without_key",
    "forgotten_artifacts",
    "forgotten_records",
    "records_without_link",
    "members_without_key",
)


def _plan(backup: VerifiedBackup, live: _Live) -> _Plan:
    plan = _Plan(left_out=dict.fromkeys(_REASONS, 0))
    kept_members = [m for m in backup.rows(members) if m["key_id"] in live.keys]
    plan.left_out["members_without_key"] = backup.manifest["tables"]["members"] - len(kept_members)
    people = plan.people = {m["id"] for m in kept_members}
    plan.rows["members"] = [m for m in kept_members if m["id"] not in live.members]
    plan.rows["contacts"] = list(backup.rows(contacts))
    plan.rows["devices"] = [
        {**d, "revoked_at": d["revoked_at"] or live.revoked.get(d["id"])}
        for d in backup.rows(devices)
    ]
    kept_turns: list[dict[str, Any]] = []
    for turn in backup.rows(turns):
        if turn["id"] in live.stones or turn["id"] in live.forgotten:
            plan.skip("forgotten_turns")
        elif turn["key_id"] not in live.keys or turn["member_id"] not in people:
            plan.skip("turns_without_key")
        else:
            kept_turns.append(turn)
    plan.rows["turns"] = kept_turns
    turn_ids = {t["id"] for t in kept_turns}
    plan.rows["artifacts"] = []
    for art in backup.rows(artifacts):
        if art["turn_id"] not in turn_ids:
            continue  # counted with its turn
        if art["id"] in live.forgotten or (
            art.get("key_id") is not None and art["key_id"] not in live.keys
        ):
            plan.skip("forgotten_artifacts")
        else:
            plan.rows["artifacts"].append(art)
    plan.rows["action_records"] = []
    for rec in backup.rows(action_records):
        origin, audience = rec["origin_turn_id"], rec["audience_member_id"]
        if rec["id"] in live.forgotten or (
            rec.get("key_id") is not None and rec["key_id"] not in live.keys
        ):
            plan.skip("forgotten_records")
        elif (
            rec["member_id"] not in people
            or (audience is not None and audience not in people)
            or (origin is not None and origin not in turn_ids and origin not in live.stones)
        ):
            plan.skip("records_without_link")
        else:
            plan.rows["action_records"].append(rec)
    return plan


def _replace(conn: sa.Connection, household_id: str, plan: _Plan, live: _Live) -> list[str]:
    """Delete the household's data rows, insert the plan's; returns the data keys destroyed."""
    hh_turns = sa.select(turns.c.id).where(turns.c.household_id == household_id)
    conn.execute(artifacts.delete().where(artifacts.c.turn_id.in_(hh_turns)))
    conn.execute(action_records.delete().where(action_records.c.household_id == household_id))
    conn.execute(turns.delete().where(turns.c.household_id == household_id))
    conn.execute(devices.delete().where(devices.c.household_id == household_id))
    conn.execute(contacts.delete().where(contacts.c.household_id == household_id))
    gone = sorted(live.members - plan.people)
    for chunk in _chunks(gone):
        conn.execute(members.delete().where(members.c.id.in_(chunk)))
    for table in TABLES:
        for chunk in _chunks(plan.rows[table.name]):
            conn.execute(table.insert(), chunk)
    own_keys = {
        row["key_id"]
        for table in ("artifacts", "action_records")
        for row in plan.rows[table]
        if row.get("key_id") is not None
    }
    needed = (
        own_keys
        | {t["key_id"] for t in plan.rows["turns"]}
        | set(
            conn.execute(sa.select(members.c.key_id).where(members.c.household_id == household_id))
            .scalars()
            .all()
        )
    )
    destroyed = sorted(live.keys - needed)
    for chunk in _chunks(destroyed):
        conn.execute(data_keys.delete().where(data_keys.c.id.in_(chunk)))
    return destroyed


def restore_backup(
    vault: Vault, household_id: str, directory: Path, *, actor: str
) -> RestoreReport:
    """Restore a backup into this installation (see the module docstring)."""
    backup = verify_backup(vault, household_id, directory)
    vault.household(household_id)
    resume_pending(vault)  # acknowledged deletions complete first (and are then respected)
    written: list[str] = []
    try:
        with vault.engine.begin() as conn:
            conn.execute(
                sa.select(households.c.id).where(households.c.id == household_id).with_for_update()
            )
            live = _live(conn, household_id)
            plan = _plan(backup, live)
            destroyed = _replace(conn, household_id, plan, live)
            before = {b for b in vault.blobs.ids() if not b.startswith(".")}
            blob_ids = [a["id"] for a in plan.rows["artifacts"] if a["store"] == "blob"]
            for blob_id in blob_ids:
                data = backup.blob(blob_id)
                if blob_id in before and vault.blobs.get(blob_id) == data:
                    continue
                vault.blobs.put(blob_id, data)
                if blob_id not in before:
                    written.append(blob_id)
            referenced = set(
                conn.execute(sa.select(artifacts.c.id).where(artifacts.c.store == "blob")).scalars()
            )
            rolled_back = sorted(live.turns - {t["id"] for t in plan.rows["turns"]})
            # Ids only: the backup, and the turns made since it that the restore removed.
            entry = vault.append_audit(
                conn, household_id, actor, "backup.restored", [backup.backup_id, *rolled_back]
            )
    except sa.exc.IntegrityError as err:
        remove_blobs(vault, written)
        raise BackupError(
            f"{backup.root} does not fit this database ({type(err.orig).__name__}); "
            "nothing was restored"
        ) from err
    except BaseException:
        remove_blobs(vault, written)
        raise
    vault.anchor_audit(household_id, entry)
    for key_id in destroyed:
        vault.keyring.forget_cached(key_id)
    for member_id in live.members:
        vault.member_key_ids.pop((household_id, member_id), None)
    unreferenced = sorted(before - referenced)
    remove_blobs(vault, unreferenced)
    compact(vault)
    resume_pending(vault)
    return RestoreReport(
        backup_id=backup.backup_id,
        household_id=household_id,
        backup_created_at=str(backup.manifest["created_at"]),
        restored={**{n: len(rows) for n, rows in plan.rows.items()}, "members": len(plan.people)},
        blobs=len(blob_ids),
        left_out=plan.left_out,
        rolled_back_turns=tuple(rolled_back),
        removed_blobs=len(unreferenced),
    )
