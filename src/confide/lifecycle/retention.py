"""Retention: erasing what has outlived the member's settings, with receipts.

Every turn carries ``expires_at`` (its speaker's ``transcript_retention``), every recording its
own, earlier or equal, expiry (``audio_retention``); both are fixed when stored and moved when
the member changes a setting (:mod:`confide.vault.settings`).  :func:`sweep` erases, through
the deletion engine (:mod:`confide.lifecycle.deletion`: durable, batched, receipted):

* **expired turns**, whole, with scope ``voice``: data key destroyed, artifacts and blobs
  removed, a tombstone left; the records the turn created that are still wanted (an alarm that
  is still set) survive, linked to the tombstone and named in the receipt;
* **expired recordings of live turns** (audio kept for less time than the transcript), with
  ``kinds=["audio"]``: the turn stays;
* **finished or cancelled action records** (status not ``active``) last changed longer ago than
  their owner's ``transcript_retention`` - listed in the same receipt as the recordings.

A sweep that finds something issues at most two receipts (actor ``retention``): one of mode
``expired`` for whole turns, and one of mode ``expired_items`` for recordings and records (a
receipt is either whole-turn or limited to kinds, and ``verify-erasure`` checks each kind as
such).  A sweep that finds nothing writes nothing.  ``confide serve`` sweeps every
:data:`INTERVAL` seconds and ``confide sweep`` once, so data is gone within a minute of its
expiry.

Records are removed before the turns they came from, so a receipt never calls "kept" what the
same sweep removes.  Each batch of records is deleted and listed in one transaction, so a crash
leaves nothing removed unlisted; the next sweep picks up what a crashed one left.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from confide.lifecycle.deletion import BATCH_TURNS, acknowledge, erase_planned, execute
from confide.lifecycle.selection import Selection
from confide.vault import Vault
from confide.vault.erase import Entry, erase_records
from confide.vault.schema import action_records, artifacts, members, receipt_turns, turns
from confide.vault.settings import MONTHS, months_before

ACTOR = "retention"
#: Seconds between two sweeps inside ``confide serve``.
INTERVAL = 20.0
#: Records removed per transaction.
BATCH_RECORDS = 1000
#: The artifact kinds that can expire before their turn.
EARLY_KINDS = ("audio",)


@dataclass(frozen=True)
class SweepResult:
    """What one sweep erased: counts, and the receipts that list every item."""

    at: float
    receipts: tuple[str, ...]
    turns: int  # expired turns erased whole
    recordings: int  # expired recordings of turns that stay
    records: int  # finished or cancelled records past retention
    kept: int  # records that outlive an expired turn (still active), linked to its tombstone
    seconds: float

    @property
    def found_anything(self) -> bool:
        return bool(self.receipts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "swept_at": datetime.fromtimestamp(self.at, UTC).isoformat(),
            "receipts": list(self.receipts),
            "turns_erased": self.turns,
            "recordings_erased": self.recordings,
            "records_erased": self.records,
            "records_kept": self.kept,
            "seconds": round(self.seconds, 3),
        }


class _NothingDueError(Exception):
    """Rolls back an acknowledgement that turned out to cover nothing."""


#: Spelled out (not a bound parameter) so the planner can use the partial index on it.
_FINISHED = action_records.c.status != sa.literal_column("'active'")


def _cutoffs(now: float) -> dict[str, float]:
    """For each expiring ``transcript_retention``: records last changed at or before this are
    past it."""
    moment = datetime.fromtimestamp(now, UTC)
    return {value: months_before(moment, n).timestamp() for value, n in MONTHS.items()}


def _retired_of(member_id: Any, cutoff: float) -> sa.ColumnElement[bool]:
    """A member's finished or cancelled records last changed at or before ``cutoff``."""
    return sa.and_(
        action_records.c.member_id == member_id,
        _FINISHED,
        action_records.c.updated_at <= cutoff,
    )


def _retiring_members(now: float, household_id: str | None = None) -> sa.CompoundSelect[Any]:
    """``(household_id, member_id, transcript_retention)`` of members holding retired records
    (an index seek per member)."""
    parts = []
    for value, cutoff in _cutoffs(now).items():
        query = sa.select(
            members.c.household_id, members.c.id, members.c.transcript_retention
        ).where(
            members.c.transcript_retention == value,
            sa.exists().where(_retired_of(members.c.id, cutoff)),
        )
        if household_id is not None:
            query = query.where(members.c.household_id == household_id)
        parts.append(query)
    return sa.union_all(*parts)


def due_households(vault: Vault, now: float) -> list[str]:
    """Households with something expired at ``now`` (each query walks an expiry index)."""
    with vault.reading() as conn:
        found = set(
            conn.execute(
                sa.select(turns.c.household_id).where(turns.c.expires_at <= now).distinct()
            ).scalars()
        )
        found.update(
            conn.execute(
                sa.select(turns.c.household_id)
                .select_from(artifacts.join(turns, turns.c.id == artifacts.c.turn_id))
                .where(artifacts.c.expires_at <= now, artifacts.c.kind.in_(EARLY_KINDS))
                .distinct()
            ).scalars()
        )
        found.update(row.household_id for row in conn.execute(_retiring_members(now)))
    return sorted(found)


def _any(conn: sa.Connection, query: sa.Select[Any]) -> bool:
    return bool(conn.execute(sa.select(query.exists())).scalar())


def _erase_records(
    vault: Vault,
    conn: sa.Connection,
    household_id: str,
    receipt_id: str,
    now: float,
    *,
    limit: int,
) -> int:
    """Delete up to ``limit`` retired records of a household and list them in the receipt,
    grouped under the turn (or tombstone) they came from; one transaction.  Returns how many."""
    cutoffs = _cutoffs(now)
    found: list[Any] = []
    for retiring in conn.execute(_retiring_members(now, household_id)).all():
        found += conn.execute(
            sa.select(action_records.c.id, action_records.c.kind, action_records.c.origin_turn_id)
            .where(
                action_records.c.household_id == household_id,
                _retired_of(retiring.id, cutoffs[retiring.transcript_retention]),
            )
            .order_by(action_records.c.updated_at, action_records.c.id)
            .limit(limit - len(found))
            .with_for_update(skip_locked=True)
        ).all()
        if len(found) >= limit:
            break
    if not found:
        return 0
    # each record goes with its own key (so older backups cannot read it either)
    erased = erase_records(vault, conn, household_id, [r.id for r in found])
    groups: dict[str, list[Entry]] = {}
    for rec in found:
        # A record made outside any turn is listed under its own id.
        groups.setdefault(rec.origin_turn_id or rec.id, []).extend(erased.get(rec.id, []))
    # Rows this receipt already has for those turns (its erased recordings, earlier records):
    # locked and read fresh, then extended.
    listed = {
        row.turn_id: row
        for row in conn.execute(
            sa.select(receipt_turns.c.turn_id, receipt_turns.c.status, receipt_turns.c.entries)
            .where(
                receipt_turns.c.receipt_id == receipt_id,
                receipt_turns.c.turn_id.in_(list(groups)),
            )
            .with_for_update()
        )
    }
    for key, items in groups.items():
        rows = items
        if key in listed:
            row = listed[key]
            # (a row still planned - another worker resuming this receipt - is closed here:
            # its recording is left to the next sweep, never anything removed unlisted)
            conn.execute(
                receipt_turns.update()
                .where(receipt_turns.c.receipt_id == receipt_id, receipt_turns.c.turn_id == key)
                .values(
                    status="erased",
                    entries=json.dumps(
                        [*json.loads(row.entries or "[]"), *rows], separators=(",", ":")
                    ),
                    **({"at": now} if row.status != "erased" else {}),
                )
            )
        else:
            conn.execute(
                receipt_turns.insert().values(
                    receipt_id=receipt_id,
                    turn_id=key,
                    status="erased",
                    at=now,
                    entries=json.dumps(rows, separators=(",", ":")),
                )
            )
    return len(found)


def _sweep_items(vault: Vault, household_id: str, now: float) -> tuple[str, int, int] | None:
    """Expired recordings of live turns and retired records: one ``expired_items`` receipt.

    Returns its id, how many recordings and records it removed, or ``None`` if nothing was
    due."""
    selection = Selection("expired_items", expired_by=now)
    with vault.reading() as conn:
        recordings_due = _any(conn, selection.query(household_id))
        records_due = conn.execute(_retiring_members(now, household_id)).first() is not None
    if not (recordings_due or records_due):
        return None
    records = 0
    try:
        with vault.engine.begin() as conn:
            done = acknowledge(
                vault, conn, household_id, selection, actor=ACTOR, kinds=list(EARLY_KINDS)
            )
            if done.turns == 0:
                # No recordings planned: the first records go in the same transaction (so an
                # acknowledged receipt always lists something), no planned row can collide.
                records = _erase_records(
                    vault, conn, household_id, done.receipt_id, now, limit=BATCH_RECORDS
                )
                if records == 0:
                    raise _NothingDueError
    except _NothingDueError:
        return None
    vault.anchor_audit(household_id, done.audit_entry)
    recordings = _count(
        vault,
        sa.select(sa.func.count())
        .select_from(artifacts)
        .where(
            artifacts.c.kind.in_(EARLY_KINDS),
            artifacts.c.expires_at <= now,
            artifacts.c.turn_id.in_(_planned(done.receipt_id)),
        ),
    )
    erase_planned(
        vault, done.receipt_id, batch=BATCH_TURNS
    )  # recordings first: records merge into erased rows
    while True:
        with vault.engine.begin() as conn:
            batch = _erase_records(
                vault, conn, household_id, done.receipt_id, now, limit=BATCH_RECORDS
            )
        if not batch:
            break
        records += batch
    execute(vault, done.receipt_id)  # nothing left planned: empties the WAL, seals the receipt
    return done.receipt_id, recordings, records


def _sweep_turns(vault: Vault, household_id: str, now: float) -> tuple[str, int, int] | None:
    """Expired turns, erased whole with scope voice: one ``expired`` receipt.

    Returns its id, how many turns it planned and how many records they leave (kept)."""
    selection = Selection("expired", expired_by=now)
    try:
        with vault.engine.begin() as conn:
            done = acknowledge(vault, conn, household_id, selection, scope="voice", actor=ACTOR)
            if done.turns == 0:
                raise _NothingDueError
    except _NothingDueError:
        return None
    vault.anchor_audit(household_id, done.audit_entry)
    # scope voice keeps every record the turns made (the retired ones went just before)
    kept = _count(
        vault,
        sa.select(sa.func.count())
        .select_from(action_records)
        .where(
            action_records.c.household_id == household_id,
            action_records.c.origin_turn_id.in_(_planned(done.receipt_id)),
        ),
    )
    execute(vault, done.receipt_id)
    return done.receipt_id, done.turns, kept


def _planned(receipt_id: str) -> sa.Select[Any]:
    return sa.select(receipt_turns.c.turn_id).where(receipt_turns.c.receipt_id == receipt_id)


def _count(vault: Vault, query: sa.Select[Any]) -> int:
    with vault.reading() as conn:
        return int(conn.execute(query).scalar_one())


def sweep(vault: Vault, household_id: str | None = None) -> SweepResult:
    """Erase what has expired in one household (or every household due in this database, whose
    keys must then all be in this home); see the module docstring."""
    started = time.perf_counter()
    now = vault.now()
    households = [household_id] if household_id is not None else due_households(vault, now)
    receipts: list[str] = []
    turns_erased = recordings = records = kept = 0
    for hh in households:
        items = _sweep_items(vault, hh, now)
        if items is not None:
            receipts.append(items[0])
            recordings += items[1]
            records += items[2]
        whole = _sweep_turns(vault, hh, now)
        if whole is not None:
            receipts.append(whole[0])
            turns_erased += whole[1]
            kept += whole[2]
    return SweepResult(
        at=now,
        receipts=tuple(receipts),
        turns=turns_erased,
        recordings=recordings,
        records=records,
        kept=kept,
        seconds=time.perf_counter() - started,
    )
