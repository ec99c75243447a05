"""Deletion receipts: what a deletion removed, kept (and why), where, when - ids, never content.

A completed receipt is sealed with a MAC under the household key (:func:`receipt_message` is
the exact byte string covered), so an edited receipt is detected by ``verify-erasure``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from confide.vault import NotFoundError, Vault
from confide.vault.erase import KEPT, ErasedItem
from confide.vault.models import iso
from confide.vault.schema import receipt_turns, receipts


@dataclass(frozen=True)
class ReceiptTurn:
    """One turn of a deletion: ``planned`` (acknowledged) or ``erased`` with its items.

    ``entries`` is the stored JSON text (what the receipt's MAC covers); ``items`` parses it
    on first use - a member's whole history makes hundreds of thousands of them.
    """

    turn_id: str
    status: str
    at: float | None
    entries: str | None

    @functools.cached_property
    def items(self) -> tuple[ErasedItem, ...]:
        return tuple(ErasedItem.from_row(i) for i in json.loads(self.entries or "[]"))


@dataclass(frozen=True)
class Receipt:
    id: str
    household_id: str
    member_id: str | None
    actor: str
    mode: str
    scope: str
    selector: str
    kinds: tuple[str, ...] | None
    status: str
    created_at: float
    completed_at: float | None
    verified_at: float | None
    mac: str | None
    turns: tuple[ReceiptTurn, ...]

    def items(self) -> list[tuple[ReceiptTurn, ErasedItem]]:
        return [(turn, item) for turn in self.turns for item in turn.items]

    def kept(self) -> list[tuple[ReceiptTurn, ErasedItem]]:
        """What outlives the deletion, each with its reason."""
        return [(turn, item) for turn, item in self.items() if item.action == KEPT]

    def summary(self) -> dict[str, Any]:
        removed = [item for _turn, item in self.items() if item.action != KEPT]
        return {
            "receipt_id": self.id,
            "status": self.status,
            "mode": self.mode,
            "scope": self.scope,
            "member_id": self.member_id,
            "requested_by": self.actor,
            "created_at": iso(self.created_at),
            "completed_at": iso(self.completed_at),
            "verified_at": iso(self.verified_at),
            "turns": len(self.turns),
            "removed": len(removed),
            "kept": len(self.kept()),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "selection": json.loads(self.selector),
            "kinds": None if self.kinds is None else list(self.kinds),
            "items": [
                {
                    "turn_id": turn.turn_id,
                    "id": item.id,
                    "kind": item.kind,
                    "stored_in": item.store,
                    "action": item.action,
                    "status": turn.status,
                    "at": iso(turn.at),
                    **({"reason": item.reason} if item.reason else {}),
                }
                for turn, item in self.items()
            ],
            "planned": [turn.turn_id for turn in self.turns if turn.status != "erased"],
        }


def receipt_message(receipt: Receipt) -> bytes:
    """The canonical bytes a receipt's MAC covers: every field and item, in a fixed order."""
    head = [
        receipt.id,
        receipt.household_id,
        receipt.member_id,
        receipt.actor,
        receipt.mode,
        receipt.scope,
        receipt.selector,
        None if receipt.kinds is None else list(receipt.kinds),
        receipt.status,
        repr(receipt.created_at),
        repr(receipt.completed_at),
    ]
    # One line per turn; ids and statuses hold no tab or newline, entries are compact JSON.
    parts = [json.dumps(head, separators=(",", ":"))]
    parts.extend(f"{t.turn_id}\t{t.status}\t{t.at!r}\t{t.entries}" for t in receipt.turns)
    return "\n".join(parts).encode()


def _receipt(row: Any, turns: list[Any]) -> Receipt:
    return Receipt(
        id=row.id,
        household_id=row.household_id,
        member_id=row.member_id,
        actor=row.actor,
        mode=row.mode,
        scope=row.scope,
        selector=row.selector,
        kinds=None if row.kinds is None else tuple(json.loads(row.kinds)),
        status=row.status,
        created_at=row.created_at,
        completed_at=row.completed_at,
        verified_at=row.verified_at,
        mac=row.mac,
        turns=tuple(
            ReceiptTurn(turn_id, status, at, entries) for turn_id, status, at, entries in turns
        ),
    )


def load_receipt(
    vault: Vault, household_id: str, receipt_id: str, *, conn: sa.Connection | None = None
) -> Receipt:
    """A receipt by id (of this household), else :class:`NotFoundError`."""
    if conn is None:
        with vault.reading() as reader:
            return load_receipt(vault, household_id, receipt_id, conn=reader)
    row = conn.execute(
        sa.select(receipts).where(
            receipts.c.id == receipt_id, receipts.c.household_id == household_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no receipt {receipt_id!r}; see `confide receipts`")
    turns = conn.execute(
        sa.select(
            receipt_turns.c.turn_id,
            receipt_turns.c.status,
            receipt_turns.c.at,
            receipt_turns.c.entries,
        )
        .where(receipt_turns.c.receipt_id == receipt_id)
        .order_by(receipt_turns.c.turn_id)
    ).all()
    return _receipt(row, list(turns))


def list_receipts(vault: Vault, household_id: str, limit: int | None = None) -> list[Receipt]:
    """Receipts of a household, newest first."""
    query = (
        sa.select(receipts.c.id)
        .where(receipts.c.household_id == household_id)
        .order_by(receipts.c.created_at.desc(), receipts.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    with vault.reading() as conn:
        ids = list(conn.execute(query).scalars())
        return [load_receipt(vault, household_id, rid, conn=conn) for rid in ids]
