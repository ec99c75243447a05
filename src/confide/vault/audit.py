"""The append-only access log: one HMAC chain per household, ids never content.

Each entry's MAC covers its household, sequence number, time, actor, action, target ids and the
previous entry's MAC, keyed by a sub-key of the household key - so an edited, removed, inserted
or reordered entry breaks the chain, and whoever edits the database cannot re-forge it.
Removing entries from the *end* is caught by an anchor file beside the key file that records the
highest (seq, mac) seen: the chain must reach it.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from confide.vault import _crypto
from confide.vault.schema import audit_log, households

GENESIS = "0" * 64
_ANCHOR_LOCK = threading.Lock()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: float
    actor: str
    action: str
    targets: tuple[str, ...]
    mac: str

    def to_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "targets": list(self.targets),
            "mac": self.mac,
        }


@dataclass(frozen=True)
class AuditVerdict:
    ok: bool
    entries: int
    problem: str | None = None  # where the chain breaks, in words

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "entries": self.entries, "problem": self.problem}


def _message(
    household_id: str, seq: int, at: float, actor: str, action: str, targets: str, prev: str
) -> bytes:
    return json.dumps([household_id, seq, repr(at), actor, action, targets, prev]).encode()


def audit_key(household_key: bytes) -> bytes:
    return _crypto.derive(household_key, "confide audit chain v1")


class AuditAnchor:
    """The highest (seq, mac) appended, kept in a file outside the database."""

    def __init__(self, key_dir: Path, household_id: str) -> None:
        self.path = key_dir / f"{household_id}.audit-anchor"

    def read(self) -> tuple[int, str] | None:
        try:
            seq_text, mac = self.path.read_text().split()
            return int(seq_text), mac
        except (FileNotFoundError, ValueError):
            return None

    def advance(self, seq: int, mac: str) -> None:
        """Move the anchor forward (never back); atomic, safe across threads and processes."""
        with _ANCHOR_LOCK:
            current = self.read()
            if current is not None and current[0] >= seq:
                return
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".anchor-")
            try:
                with os.fdopen(fd, "w") as handle:
                    handle.write(f"{seq} {mac}\n")
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise


def append(
    conn: sa.Connection,
    key: bytes,
    household_id: str,
    at: float,
    actor: str,
    action: str,
    targets: Sequence[str],
) -> AuditEntry:
    """Append one entry inside the caller's transaction.

    Locking the household row serialises appenders on PostgreSQL; SQLite transactions are
    already serialised by ``BEGIN IMMEDIATE``.
    """
    conn.execute(
        sa.select(households.c.id).where(households.c.id == household_id).with_for_update()
    )
    last = conn.execute(
        sa.select(audit_log.c.seq, audit_log.c.mac)
        .where(audit_log.c.household_id == household_id)
        .order_by(audit_log.c.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last.seq + 1, last.mac) if last is not None else (1, GENESIS)
    targets_json = json.dumps(list(targets))
    entry_mac = _crypto.mac(key, _message(household_id, seq, at, actor, action, targets_json, prev))
    conn.execute(
        audit_log.insert().values(
            household_id=household_id,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            targets=targets_json,
            prev_mac=prev,
            mac=entry_mac,
        )
    )
    return AuditEntry(seq, at, actor, action, tuple(targets), entry_mac)


def entries(conn: sa.Connection, household_id: str, limit: int | None = None) -> list[AuditEntry]:
    query = (
        sa.select(audit_log)
        .where(audit_log.c.household_id == household_id)
        .order_by(audit_log.c.seq)
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        AuditEntry(r.seq, r.at, r.actor, r.action, tuple(json.loads(r.targets)), r.mac)
        for r in conn.execute(query)
    ]


def verify(
    conn: sa.Connection, key: bytes, household_id: str, anchor: tuple[int, str] | None
) -> AuditVerdict:
    """Re-compute the chain; report the first entry where it breaks."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    macs: dict[int, str] = {}
    rows = conn.execute(
        sa.select(audit_log)
        .where(audit_log.c.household_id == household_id)
        .order_by(audit_log.c.seq)
    )
    for row in rows:
        if row.seq != expected_seq:
            return AuditVerdict(False, count, f"entry {expected_seq} is missing (found {row.seq})")
        if not _crypto.macs_equal(row.prev_mac, prev):
            return AuditVerdict(
                False, count, f"entry {row.seq} does not follow entry {row.seq - 1}"
            )
        want = _crypto.mac(
            key,
            _message(household_id, row.seq, row.at, row.actor, row.action, row.targets, prev),
        )
        if not _crypto.macs_equal(row.mac, want):
            return AuditVerdict(False, count, f"entry {row.seq} was altered")
        prev = row.mac
        macs[row.seq] = row.mac
        expected_seq += 1
        count += 1
    if anchor is not None:
        seq, mac = anchor
        if seq > count:
            return AuditVerdict(
                False, count, f"entries {count + 1}..{seq} were removed from the end of the log"
            )
        if not _crypto.macs_equal(macs[seq], mac):
            return AuditVerdict(False, count, f"entry {seq} does not match the anchor")
    return AuditVerdict(True, count)
