"""Action records through ``session.records(turn)``: sealed state linked to its turn."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from confide.vault import NotFoundError
from confide.vault.schema import action_records

PAYLOAD = {
    "time": "07:15",
    "label": "Quetzal yoga class",
    "repeat": ["monday", "thursday"],
    "volume": 0.7,
    "snooze": None,
    "enabled": True,
    "nested": {"note": "café ☕ naïve 🦜", "count": 3},
}


def test_create_and_get(vault, household, clock):
    with vault.session(household.id) as session:
        turn = session.start_turn(household.adult.id, "voice")
        created = session.records(turn).create("alarm", PAYLOAD, member_id=household.adult.id)

    assert created.kind == "alarm"
    assert created.member_id == household.adult.id
    assert created.status == "active"
    assert created.origin_turn_id == turn.id
    assert created.audience_member_id is None
    assert created.created_at == clock.now()
    assert dict(created.payload) == PAYLOAD

    clock.advance(timedelta(minutes=5))
    with vault.session(household.id) as session:
        fetched = session.records(None).get(created.id)
    assert fetched == created


def test_get_unknown_record(vault, household):
    with pytest.raises(NotFoundError), vault.session(household.id) as session:
        session.records(None).get("rec_00000000000000000000")


def test_update_payload_and_status(vault, household, clock):
    with vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "text")
        record = session.records(turn).create(
            "timer", {"duration_s": 300}, member_id=turn.member_id
        )
    clock.advance(timedelta(seconds=30))

    with vault.session(household.id) as session:
        later = session.start_turn(household.owner.id, "text")
        store = session.records(later)
        updated = store.update(record.id, payload={"duration_s": 600, "name": "pasta"})
        assert dict(updated.payload) == {"duration_s": 600, "name": "pasta"}
        assert updated.status == "active"
        cancelled = store.update(record.id, status="cancelled")

    assert cancelled.status == "cancelled"
    assert dict(cancelled.payload) == {"duration_s": 600, "name": "pasta"}  # kept
    assert cancelled.origin_turn_id == turn.id  # still the turn that created it
    assert cancelled.created_at == record.created_at
    with vault.engine.connect() as conn:
        row = conn.execute(sa.select(action_records).where(action_records.c.id == record.id)).one()
    assert row.updated_at == clock.now().timestamp()
    assert row.created_at == clock.now().timestamp() - 30

    with vault.session(household.id) as session:
        both = session.records(None).update(record.id, payload={"duration_s": 1}, status="done")
    assert (both.status, dict(both.payload)) == ("done", {"duration_s": 1})


def test_update_unknown_record(vault, household):
    with pytest.raises(NotFoundError), vault.session(household.id) as session:
        session.records(None).update("rec_00000000000000000000", status="done")


def test_list_filters(vault, household, clock):
    ada, ben, cleo = household.owner, household.adult, household.child
    made = {}
    with vault.session(household.id) as session:
        turn = session.start_turn(ada.id, "text")
        store = session.records(turn)
        for name, kind, member, audience in (
            ("ada-milk", "shopping", ada, None),
            ("ben-alarm", "alarm", ben, None),
            ("ada-eggs", "shopping", ada, None),
            ("msg-to-ben", "message", ada, ben),
            ("msg-to-cleo", "message", ada, cleo),
            ("ben-bread", "shopping", ben, None),
        ):
            clock.advance(timedelta(seconds=1))
            made[name] = store.create(
                kind,
                {"what": name},
                member_id=member.id,
                audience_member_id=audience and audience.id,
            )
        store.update(made["ada-eggs"].id, status="done")

    def names(records):
        return [r.payload["what"] for r in records]

    with vault.session(household.id) as session:
        store = session.records(None)
        assert names(store.list("shopping")) == ["ada-milk", "ben-bread"]  # active only
        assert names(store.list("shopping", status=None)) == ["ada-milk", "ada-eggs", "ben-bread"]
        assert names(store.list("shopping", status="done")) == ["ada-eggs"]
        assert names(store.list("shopping", member_id=ben.id)) == ["ben-bread"]
        assert names(store.list("shopping", member_id=ada.id, status=None)) == [
            "ada-milk",
            "ada-eggs",
        ]
        assert names(store.list("message")) == ["msg-to-ben", "msg-to-cleo"]
        assert names(store.list("message", audience_member_id=cleo.id)) == ["msg-to-cleo"]
        assert names(store.list("message", member_id=ben.id)) == []
        assert names(store.list("alarm")) == ["ben-alarm"]
        assert store.list("calendar") == []
        assert all(r.origin_turn_id == turn.id for r in store.list("shopping", status=None))


def test_records_are_per_household(vault, household, turn_writer):
    written = turn_writer(
        vault,
        household.id,
        household.owner.id,
        records=[{"kind": "shopping", "payload": {"item": "saffron"}}],
    )
    other = vault.create_household("Neighbours")
    neighbour = vault.add_member(other.id, "Nia", role="owner")
    with vault.session(other.id) as session:
        store = session.records(None)
        assert store.list("shopping") == []
        with pytest.raises(NotFoundError):
            store.get(written.records[0].id)
        with pytest.raises(NotFoundError):
            store.update(written.records[0].id, status="done")
        store.create("shopping", {"item": "rice"}, member_id=neighbour.id)
    with vault.session(household.id) as session:
        assert [r.payload for r in session.records(None).list("shopping")] == [{"item": "saffron"}]


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_record_for_member_of_another_household_refused(
    vault, vault_factory, household, turn_writer, cache
):
    """A member of household A cannot own a record of household B (warm cache or not)."""
    other = vault.create_household("Neighbours")
    vault.add_member(other.id, "Nia", role="owner")
    if cache == "warm":
        # Household A uses Ada's member key in this Vault instance first.
        turn_writer(
            vault,
            household.id,
            household.owner.id,
            records=[{"kind": "shopping", "payload": {"item": "saffron"}}],
        )
    else:
        vault = vault_factory()  # a fresh instance: nothing cached
    with pytest.raises(NotFoundError), vault.session(other.id) as session:
        session.records(None).create("shopping", {"item": "x"}, member_id=household.owner.id)
    with vault.session(other.id) as session:
        assert session.records(None).list("shopping", status=None) == []


def test_records_carry_origin_turn(vault, household, turn_writer):
    first = turn_writer(
        vault,
        household.id,
        household.adult.id,
        records=[
            {"kind": "alarm", "payload": {"time": "06:00"}},
            {"kind": "shopping", "payload": {"item": "tea"}, "member_id": household.owner.id},
        ],
    )
    second = turn_writer(
        vault, household.id, household.adult.id, records=[{"kind": "alarm", "payload": {}}]
    )
    with vault.engine.connect() as conn:
        rows = conn.execute(sa.select(action_records.c.id, action_records.c.origin_turn_id))
        origins = {row.id: row.origin_turn_id for row in rows}
    assert origins == {
        first.records[0].id: first.turn.id,
        first.records[1].id: first.turn.id,
        second.records[0].id: second.turn.id,
    }
    assert first.records[1].member_id == household.owner.id


def test_records_are_sealed(vault, household, turn_writer, db_bytes):
    secret = {"task": "pick up Zanzibar lab results", "when": "2024-03-04T09:30"}
    written = turn_writer(
        vault, household.id, household.child.id, records=[{"kind": "reminder", "payload": secret}]
    )
    with vault.session(household.id) as session:
        session.records(None).update(
            written.records[0].id, payload={**secret, "task": "Xylophone lesson reminder"}
        )
    dump = db_bytes(vault)
    for plaintext in (b"Zanzibar", b"Xylophone", b"2024-03-04T09:30", b'"task"'):
        assert plaintext not in dump
    assert written.records[0].id.encode() in dump  # control: the dump holds the record row
    with vault.engine.connect() as conn:
        sealed = conn.execute(sa.select(action_records.c.ciphertext)).scalar_one()
    assert b"Zanzibar" not in sealed
    assert b"Xylophone" not in sealed
