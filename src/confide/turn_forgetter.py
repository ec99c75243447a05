"""``ctx.forget`` of one turn: "forget that" / "forget today" inside the turn's transaction."""

from __future__ import annotations

from typing import Literal

from confide import lifecycle
from confide.skills import Forgotten
from confide.vault import AuditEntry, TurnHandle, Vault, VaultSession

__all__ = ["TurnForgetter"]


class TurnForgetter:
    """``ctx.forget`` for one turn: forgets the speaker's earlier turns (scope voice) inside
    the turn's own transaction, so the request and the deletion commit together; the blobs,
    the WAL and the receipt are finished after the commit (durably: a crash resumes them)."""

    def __init__(
        self, vault: Vault, session: VaultSession, turn: TurnHandle, receipts: list[str]
    ) -> None:
        self.vault, self.session, self.turn, self.receipts = vault, session, turn, receipts
        self.audit_entries: list[AuditEntry] = []

    def __call__(self, what: Literal["last", "today"]) -> Forgotten:
        speaker = self.turn.member_id
        if what == "last":
            selection = lifecycle.Selection("last", speaker, exclude_turn_id=self.turn.id)
        else:
            selection = lifecycle.Selection.today(
                speaker, self.vault.clock.now(), exclude_turn_id=self.turn.id
            )
        conn = self.session.conn
        done = lifecycle.acknowledge(
            self.vault, conn, self.household_id, selection, actor=f"member:{speaker}"
        )
        self.audit_entries.append(done.audit_entry)
        lifecycle.erase_batch(self.vault, conn, done.receipt_id, limit=None)
        receipt = lifecycle.load_receipt(self.vault, self.household_id, done.receipt_id, conn=conn)
        self.receipts.append(done.receipt_id)
        kept: dict[str, int] = {}
        for _turn, item in receipt.kept():
            kept[item.kind] = kept.get(item.kind, 0) + 1
        removed = len(receipt.items()) - len(receipt.kept())
        return Forgotten(len(receipt.turns), removed, kept, done.receipt_id)

    @property
    def household_id(self) -> str:
        return self.session.household_id
