"""What a turn can read of the speaker's turn just before it, inside its own transaction.

A read-back ("I heard: ... Shall I?") is answered by the speaker's *next* turn.  The question
is an artifact of the asking turn, sealed like the rest of it; :func:`previous_artifact`
finds it for the answering turn, only while it has not expired and only if no other turn of
the speaker came in between (then the question was not answered and is left to expire).

The member's row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite's writer lock already
serialises write transactions), so two answers sent at once cannot both take the same
question: the second one finds the first answer as the speaker's latest turn.  Two turns of
one speaker stamped with the same instant leave it unknown which came last: then there is no
question to answer (never the wrong one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confide.vault.lineage import open_artifact
from confide.vault.schema import artifacts, members, turns
from confide.vault.session import VaultSession

if TYPE_CHECKING:
    from confide.vault.store import Vault

__all__ = ["PreviousArtifact", "awaits", "previous_artifact"]

_LOCK_MEMBER = (
    sa.select(members.c.id)
    .where(members.c.id == sa.bindparam("member_id"), members.c.household_id == sa.bindparam("hh"))
    .with_for_update()
)
_LATEST_TURN = (
    sa.select(turns.c.id, turns.c.key_id, turns.c.created_at)
    .where(
        turns.c.member_id == sa.bindparam("member_id"), turns.c.household_id == sa.bindparam("hh")
    )
    .order_by(turns.c.created_at.desc())
    .limit(2)
)
_ARTIFACT = (
    sa.select(artifacts)
    .where(
        artifacts.c.turn_id == sa.bindparam("turn_id"),
        artifacts.c.kind == sa.bindparam("kind"),
        sa.or_(artifacts.c.expires_at.is_(None), artifacts.c.expires_at > sa.bindparam("now")),
    )
    .order_by(artifacts.c.created_at.desc())
    .limit(1)
)


@dataclass(frozen=True)
class PreviousArtifact:
    """An artifact of the speaker's latest turn, decrypted."""

    turn_id: str
    artifact_id: str
    data: bytes


def _latest_artifact_row(conn: sa.Connection, household_id: str, member_id: str, kind: str,
                         now: float) -> tuple[Any, Any] | None:  # fmt: skip
    """(the member's latest turn, its unexpired ``kind`` artifact row), if there is one."""
    latest = conn.execute(_LATEST_TURN, {"member_id": member_id, "hh": household_id}).all()
    if not latest or (len(latest) == 2 and latest[1].created_at == latest[0].created_at):
        return None  # none, or two turns at one instant: which came last is not known
    turn = latest[0]
    row = conn.execute(_ARTIFACT, {"turn_id": turn.id, "kind": kind, "now": now}).first()
    return None if row is None else (turn, row)


def awaits(vault: Vault, household_id: str, member_id: str, kind: str) -> bool:
    """Whether ``member_id``'s latest turn has an unexpired ``kind`` artifact (a question
    waiting for its answer); read outside any write, so only a hint of what is waiting."""
    with vault.reading() as conn:
        return _latest_artifact_row(conn, household_id, member_id, kind, vault.now()) is not None


def previous_artifact(session: VaultSession, member_id: str, kind: str) -> PreviousArtifact | None:
    """The unexpired ``kind`` artifact of ``member_id``'s latest turn, if it has one.

    Call it before the session starts its own turn: "latest" is the latest committed one.
    """
    conn, household_id = session.conn, session.household_id
    if conn.execute(_LOCK_MEMBER, {"member_id": member_id, "hh": household_id}).first() is None:
        return None
    found = _latest_artifact_row(conn, household_id, member_id, kind, session.now())
    if found is None:
        return None
    turn, row = found
    data = open_artifact(session.vault, conn, row, turn.key_id)
    return PreviousArtifact(str(turn.id), str(row.id), data)
