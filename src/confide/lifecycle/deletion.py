"""Deletions as durable jobs: acknowledged once planned, completed even across a crash.

A deletion is *acknowledged* when its receipt row and the ids of every turn it covers are
committed (:func:`acknowledge`, status ``pending``).  From then on it completes whatever happens:
:func:`execute` erases the planned turns batch by batch, each batch one transaction that removes
the data and marks the turns ``erased`` together, then removes the blob files, empties SQLite's
WAL and closes the receipt (status ``done``, sealed with a MAC).  If the process dies anywhere,
:func:`resume_pending` - run whenever Confide opens a home - picks the job up where it stopped;
every step is idempotent.  On PostgreSQL several workers can share a job: batches are claimed
with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from confide.lifecycle.receipts import Receipt, load_receipt, receipt_message
from confide.lifecycle.selection import Selection
from confide.vault import AuditEntry, NotFoundError, Vault
from confide.vault.erase import (
    ErasedTurns,
    check_scope,
    compact,
    erase_artifacts,
    erase_turns,
    remove_blobs,
)
from confide.vault.ids import new_id
from confide.vault.schema import receipt_turns, receipts

log = logging.getLogger(__name__)

#: Turns erased per transaction: large enough to be fast, small enough not to hold the write
#: lock for long (other turns keep flowing while a member's history is erased).
BATCH_TURNS = 1000

PENDING = "pending"
DONE = "done"
PLANNED = "planned"
ERASED = "erased"


@dataclass(frozen=True)
class Acknowledged:
    """A deletion that will complete: its receipt id and how many turns it covers."""

    receipt_id: str
    turns: int
    audit_entry: AuditEntry  # anchor it once the acknowledging transaction commits


def acknowledge(
    vault: Vault,
    conn: sa.Connection,
    household_id: str,
    selection: Selection,
    *,
    scope: str = "voice",
    actor: str,
    kinds: Sequence[str] | None = None,
) -> Acknowledged:
    """Plan a deletion inside the caller's transaction; durable once that commits."""
    check_scope(scope)
    receipt_id = new_id("rcpt")
    at = vault.now()
    conn.execute(
        receipts.insert().values(
            id=receipt_id,
            household_id=household_id,
            member_id=selection.member_id,
            actor=actor,
            mode=selection.mode,
            scope=scope,
            selector=selection.to_json(),
            kinds=None if kinds is None else json.dumps(sorted(kinds)),
            status=PENDING,
            created_at=at,
        )
    )
    sources = [selection.query(household_id)]
    if scope == "everything" and selection.mode != "last":
        sources.append(selection.survivors_query(household_id))
    for source in sources:
        chosen = source.subquery()
        conn.execute(
            receipt_turns.insert().from_select(
                ["receipt_id", "turn_id", "status"],
                sa.select(sa.literal(receipt_id), chosen.c[0], sa.literal(PLANNED)),
            )
        )
    # (rowcount of INSERT ... SELECT is not reliable on every driver: count what was planned)
    planned = conn.execute(
        sa.select(sa.func.count()).where(receipt_turns.c.receipt_id == receipt_id)
    ).scalar_one()
    if selection.mode == "turn" and planned == 0:
        raise NotFoundError(f"no turn {selection.turn_id!r} to forget; see `confide history`")
    entry = vault.append_audit(conn, household_id, actor, "deletion.requested", [receipt_id])
    return Acknowledged(receipt_id, planned, entry)


def request(
    vault: Vault,
    household_id: str,
    selection: Selection,
    *,
    scope: str = "voice",
    actor: str,
    kinds: Sequence[str] | None = None,
) -> Acknowledged:
    """Acknowledge a deletion in a transaction of its own."""
    with vault.engine.begin() as conn:
        done = acknowledge(
            vault, conn, household_id, selection, scope=scope, actor=actor, kinds=kinds
        )
    vault.anchor_audit(household_id, done.audit_entry)
    return done


def _planned_batch(conn: sa.Connection, receipt_id: str, limit: int | None) -> list[str]:
    query = (
        sa.select(receipt_turns.c.turn_id)
        .where(receipt_turns.c.receipt_id == receipt_id, receipt_turns.c.status == PLANNED)
        .order_by(receipt_turns.c.turn_id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query.with_for_update(skip_locked=True)).scalars())


def _mark_erased(conn: sa.Connection, rows: list[tuple[float, str, str, str]]) -> None:
    """``UPDATE receipt_turns`` for a batch, straight through the driver's executemany: with
    one row per turn of a member's whole history, SQLAlchemy's per-row parameter processing
    would be a good part of the deletion's time."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"UPDATE receipt_turns SET status = '{ERASED}', at = {mark}, entries = {mark} "  # noqa: S608
        f"WHERE receipt_id = {mark} AND turn_id = {mark}",
        rows,
    )


def erase_batch(
    vault: Vault, conn: sa.Connection, receipt_id: str, *, limit: int | None = BATCH_TURNS
) -> tuple[int, list[str]]:
    """Erase up to ``limit`` planned turns of a receipt in ``conn``'s transaction.

    Returns how many turns were handled and the blob ids to remove once it commits.
    """
    row = conn.execute(sa.select(receipts).where(receipts.c.id == receipt_id)).one()
    batch = _planned_batch(conn, receipt_id, limit)
    if not batch:
        return 0, []
    at = vault.now()
    erased: ErasedTurns
    if row.kinds is None:
        erased = erase_turns(
            vault, conn, row.household_id, batch, scope=row.scope, receipt_id=receipt_id, at=at
        )
    else:
        erased = erase_artifacts(
            vault, conn, row.household_id, batch, kinds=json.loads(row.kinds), expired_by=at
        )
    _mark_erased(
        conn,
        [
            (
                at,
                json.dumps(erased.items.get(turn_id, []), separators=(",", ":")),
                receipt_id,
                turn_id,
            )
            for turn_id in batch
        ],
    )
    return len(batch), erased.blobs


def _erased_blobs(vault: Vault, receipt_id: str) -> list[str]:
    """Blob ids of every turn already erased by this receipt (to finish after a crash)."""
    with vault.reading() as conn:
        rows = conn.execute(
            sa.select(receipt_turns.c.entries).where(
                receipt_turns.c.receipt_id == receipt_id, receipt_turns.c.status == ERASED
            )
        ).scalars()
        return [
            item[0]
            for items in rows
            for item in json.loads(items or "[]")
            if str(item[2]).startswith("blob:")
        ]


def close_in(
    vault: Vault, conn: sa.Connection, receipt_id: str
) -> tuple[Receipt, AuditEntry | None]:
    """Mark the receipt done, seal it with its MAC and log it (ids only), in ``conn``'s
    transaction; a receipt already done, or with turns still planned, is left as it is."""
    row = conn.execute(sa.select(receipts).where(receipts.c.id == receipt_id)).one()
    if row.status == DONE or _planned_batch(conn, receipt_id, 1):
        return load_receipt(vault, row.household_id, receipt_id, conn=conn), None
    conn.execute(
        receipts.update()
        .where(receipts.c.id == receipt_id)
        .values(status=DONE, completed_at=vault.now())
    )
    receipt = load_receipt(vault, row.household_id, receipt_id, conn=conn)
    mac = vault.seal_digest(row.household_id, receipt_message(receipt))
    conn.execute(receipts.update().where(receipts.c.id == receipt_id).values(mac=mac))
    entry = vault.append_audit(
        conn, row.household_id, row.actor, "deletion.completed", [receipt_id]
    )
    return dataclasses.replace(receipt, mac=mac), entry


def _close(vault: Vault, receipt_id: str) -> Receipt:
    with vault.engine.begin() as conn:
        receipt, entry = close_in(vault, conn, receipt_id)
    if entry is not None:
        vault.anchor_audit(receipt.household_id, entry)
    return receipt


def _tidy(vault: Vault, receipt_id: str) -> None:
    if not compact(vault):
        log.warning(
            "deletion %s: the WAL is still in use; it is emptied by the next one", receipt_id
        )
    log.info("deletion %s done", receipt_id)


def erase_planned(vault: Vault, receipt_id: str, *, batch: int = BATCH_TURNS) -> None:
    """Erase every planned turn of a receipt, a transaction per batch, each batch's blob files
    removed after its commit."""
    while True:
        with vault.engine.begin() as conn:
            handled, blobs = erase_batch(vault, conn, receipt_id, limit=batch)
        if not handled:
            return
        remove_blobs(vault, blobs)


def execute(vault: Vault, receipt_id: str, *, batch: int = BATCH_TURNS) -> Receipt:
    """Carry a pending deletion to the end (idempotent: safe to run again after a crash)."""
    remove_blobs(vault, _erased_blobs(vault, receipt_id))  # left over by a crash, if any
    erase_planned(vault, receipt_id, batch=batch)
    receipt = _close(vault, receipt_id)
    _tidy(vault, receipt_id)
    return receipt


def forget(
    vault: Vault,
    household_id: str,
    selection: Selection,
    *,
    scope: str = "voice",
    actor: str,
) -> Receipt:
    """Acknowledge, carry out and return the receipt of one deletion.

    A small deletion (up to one batch of turns) is planned, erased and - unless blob files
    must go first - closed in a single transaction: its commit is the acknowledgement and the
    completion at once.  A larger one is acknowledged first, then erased batch by batch.
    """
    with vault.engine.begin() as conn:
        done = acknowledge(vault, conn, household_id, selection, scope=scope, actor=actor)
        entry: AuditEntry | None = done.audit_entry
        blobs: list[str] = []
        receipt: Receipt | None = None
        if done.turns <= BATCH_TURNS:
            _handled, blobs = erase_batch(vault, conn, done.receipt_id, limit=None)
            if not blobs:
                receipt, closed = close_in(vault, conn, done.receipt_id)
                entry = closed or entry
    if entry is not None:
        vault.anchor_audit(household_id, entry)
    if receipt is None:
        return execute(vault, done.receipt_id)
    _tidy(vault, done.receipt_id)
    return receipt


def pending(vault: Vault) -> list[str]:
    """Receipt ids of acknowledged deletions not yet done, oldest first."""
    with vault.reading() as conn:
        return list(
            conn.execute(
                sa.select(receipts.c.id)
                .where(receipts.c.status == PENDING)
                .order_by(receipts.c.created_at, receipts.c.id)
            ).scalars()
        )


def resume_pending(vault: Vault) -> list[str]:
    """Finish every acknowledged deletion (run when a home is opened); returns their ids."""
    resumed = pending(vault)
    for receipt_id in resumed:
        execute(vault, receipt_id)
    return resumed
