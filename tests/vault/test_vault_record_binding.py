"""A record's ciphertext is bound to its recipient, turn, household and status (both backends)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from confide.vault import DecryptionError
from confide.vault.schema import action_records


def _message(vault, household):
    with vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "text")
        return session.records(turn).create(
            "message",
            {"body": "see you at eight"},
            member_id=household.owner.id,
            audience_member_id=household.adult.id,
        )


@pytest.mark.parametrize(
    "column",
    ["audience_member_id", "origin_turn_id", "status"],
)
def test_moving_a_record_breaks_decryption(vault, household, column) -> None:
    record = _message(vault, household)
    with vault.session(household.id) as session:
        other_turn = session.start_turn(household.owner.id, "text")
    value = {
        "audience_member_id": household.child.id,
        "origin_turn_id": other_turn.id,
        "status": "done",
    }[column]
    with vault.engine.begin() as conn:
        conn.execute(
            action_records.update().where(action_records.c.id == record.id).values({column: value})
        )
    with pytest.raises(DecryptionError), vault.session(household.id) as session:
        session.records(None).get(record.id)


def test_status_change_through_the_vault_still_decrypts(vault, household) -> None:
    record = _message(vault, household)
    with vault.session(household.id) as session:
        updated = session.records(None).update(record.id, status="done")
        assert updated.status == "done"
        assert dict(session.records(None).get(record.id).payload) == {"body": "see you at eight"}
    with vault.reading() as conn:
        status = conn.execute(
            sa.select(action_records.c.status).where(action_records.c.id == record.id)
        ).scalar_one()
    assert status == "done"
