"""Re-checking a receipt against the stores: ``confide verify-erasure RECEIPT_ID``.

Every item the receipt lists is looked up where it was: the turn row and artifact rows must be
gone, each blob file gone, the data key's row gone and the key impossible to obtain (so nothing
sealed under it - in a backup or a dead page - is readable), records deleted under scope
``everything`` gone, and records kept under scope ``voice`` linked to the turn's tombstone, not to
data.  The receipt's own MAC must match.  Only if all of that holds is the erasure verified.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from confide.lifecycle.receipts import Receipt, load_receipt, receipt_message
from confide.vault import DecryptionError, Vault
from confide.vault.erase import DESTROYED, KEPT
from confide.vault.schema import (
    action_records,
    artifacts,
    data_keys,
    receipts,
    tombstones,
    turns,
)

_CHUNK = 500


@dataclass(frozen=True)
class Problem:
    id: str
    kind: str
    problem: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "kind": self.kind, "problem": self.problem}


@dataclass
class Verification:
    receipt_id: str
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "receipt_id": self.receipt_id,
            "verified": self.ok,
            "checked": self.checked,
            "problems": [p.to_dict() for p in self.problems],
        }


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _present(conn: sa.Connection, column: Any, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are still in ``column``'s table."""
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(conn.execute(sa.select(column).where(column.in_(chunk))).scalars())
    return found


def _origins(conn: sa.Connection, record_ids: Sequence[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for chunk in _chunks(record_ids):
        rows = conn.execute(
            sa.select(action_records.c.id, action_records.c.origin_turn_id).where(
                action_records.c.id.in_(chunk)
            )
        )
        out.update({r.id: r.origin_turn_id for r in rows})
    return out


class _Check:
    def __init__(self, vault: Vault, conn: sa.Connection, receipt: Receipt) -> None:
        self.vault, self.conn, self.receipt = vault, conn, receipt
        self.result = Verification(receipt.id)

    def fail(self, item_id: str, kind: str, problem: str) -> None:
        self.result.problems.append(Problem(item_id, kind, problem))

    def gone(self, column: Any, items: Iterable[tuple[str, str]], where: str) -> None:
        wanted = dict(items)
        self.result.checked += len(wanted)
        for left in sorted(_present(self.conn, column, list(wanted))):
            self.fail(left, wanted[left], f"still in {where}")

    def keys_unobtainable(self, key_ids: Sequence[str]) -> None:
        """No destroyed key can be had: not from its row (checked gone in bulk just before)
        nor from this process's memory.  The first few go through the keyring's own lookup
        too, end to end."""
        for key_id in key_ids[:_CHUNK]:
            try:
                self.vault.keyring.data_key(self.conn, key_id)
            except DecryptionError:
                continue
            self.fail(key_id, "data_key", "the key can still be obtained")
        for key_id in key_ids[_CHUNK:]:
            if self.vault.keyring.holds(key_id):
                self.fail(key_id, "data_key", "the key can still be obtained")

    def run(self) -> Verification:
        receipt = self.receipt
        if receipt.status != "done":
            self.fail(receipt.id, "receipt", "the deletion has not finished yet")
        elif receipt.mac is None or not self.vault.digest_matches(
            receipt.household_id, receipt_message(receipt), receipt.mac
        ):
            self.fail(receipt.id, "receipt", "the receipt was altered after it was issued")
        whole = receipt.kinds is None
        erased = [t for t in receipt.turns if t.status == "erased"]
        for turn in receipt.turns:
            if turn.status != "erased":
                self.fail(turn.turn_id, "turn", "planned but not erased yet")
        items = [item for turn in erased for item in turn.items]
        removed_arts = [
            (i.id, i.kind) for i in items if i.store.startswith(("db:artifacts", "blob:"))
        ]
        self.gone(artifacts.c.id, removed_arts, "db:artifacts")
        for item in items:
            if item.store.startswith("blob:") and self.vault.blobs.exists(item.id):
                self.fail(item.id, item.kind, f"blob file still in {item.store[5:]}")
        if whole:
            self.gone(turns.c.id, [(i.id, i.kind) for i in items if i.kind == "turn"], "db:turns")
            keys = [i.id for i in items if i.action == DESTROYED]
            self.gone(data_keys.c.id, [(k, "data_key") for k in keys], "db:data_keys")
            self.keys_unobtainable(keys)
            stones = _present(self.conn, tombstones.c.turn_id, [t.turn_id for t in erased])
            for turn in erased:
                if turn.items and turn.turn_id not in stones:
                    self.fail(turn.turn_id, "turn", "no tombstone: lineage links would dangle")
        self.records(items, {t.turn_id for t in erased})
        return self.result

    def records(self, items: Sequence[Any], erased_turns: set[str]) -> None:
        recs = [i for i in items if i.store == "db:action_records"]
        self.gone(
            action_records.c.id,
            [(i.id, i.kind) for i in recs if i.action != KEPT],
            "db:action_records",
        )
        kept = [i for i in recs if i.action == KEPT]
        origins = _origins(self.conn, [i.id for i in kept])
        self.result.checked += len(kept)
        for item in kept:
            origin = origins.get(item.id, "")
            if item.id in origins and origin not in erased_turns:
                self.fail(item.id, item.kind, "kept, but its lineage link is not the tombstone")


def verify_erasure(vault: Vault, household_id: str, receipt_id: str) -> Verification:
    """Re-check every item of a receipt; records when it last verified cleanly."""
    with vault.reading() as conn:
        receipt = load_receipt(vault, household_id, receipt_id, conn=conn)
        result = _Check(vault, conn, receipt).run()
    if result.ok:
        with vault.engine.begin() as conn:
            conn.execute(
                receipts.update().where(receipts.c.id == receipt_id).values(verified_at=vault.now())
            )
    return result
