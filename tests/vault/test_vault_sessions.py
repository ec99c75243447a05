"""Sessions: a turn and its artifacts in one transaction; big artifacts in the blob store."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from confide.vault import NotFoundError, find_orphans, lineage, read_artifact
from confide.vault.schema import action_records, artifacts, data_keys, turns

LIMIT = 16 * 1024
MARK = b"ORCHID-PLAINTEXT-"


def _big(size: int) -> bytes:
    """``size`` bytes of a recognisable plaintext pattern."""
    return (MARK * (size // len(MARK) + 1))[:size]


def _count(vault, table, *where) -> int:
    with vault.engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(table)
        if where:
            query = query.where(*where)
        return conn.execute(query).scalar_one()


def _blob_files(vault):
    root = vault.home / "blobs"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_turn_with_artifacts(vault, household, clock):
    device, _token = vault.add_device(household.id, "Kitchen")
    slots = {"time": "06:45", "repeat": "weekdays"}
    with vault.session(household.id) as session:
        turn = session.start_turn(household.adult.id, "voice", device_id=device.id)
        transcript = session.put_artifact(turn, "transcript", b"wake me at quarter to seven")
        interpretation = session.put_json(turn, "interpretation", {"slots": slots, "note": "é☕"})
        reply = session.put_artifact(turn, "reply", b"", expires_at=clock.now().timestamp() + 60)

    assert turn.household_id == household.id
    assert turn.member_id == household.adult.id
    assert transcript.location == "db:artifacts"
    assert transcript.size == len(b"wake me at quarter to seven")
    assert transcript.created_at == clock.now().timestamp()
    assert reply.expires_at == clock.now().timestamp() + 60

    assert read_artifact(vault, household.id, transcript.id) == b"wake me at quarter to seven"
    assert json.loads(read_artifact(vault, household.id, interpretation.id)) == {
        "slots": slots,
        "note": "é☕",
    }
    assert read_artifact(vault, household.id, reply.id) == b""

    lin = lineage(vault, household.id, turn.id)
    assert lin.turn.device_id == device.id
    assert lin.turn.source == "voice"
    assert lin.turn.member_name == "Ben"
    assert {a.id: a.kind for a in lin.artifacts} == {
        transcript.id: "transcript",
        interpretation.id: "interpretation",
        reply.id: "reply",
    }
    assert _count(vault, artifacts, artifacts.c.turn_id == turn.id) == 3
    with vault.engine.connect() as conn:
        rows = conn.execute(sa.select(artifacts).where(artifacts.c.turn_id == turn.id)).all()
    for row in rows:
        assert row.store == "db"
        assert row.ciphertext is not None
        assert b"quarter" not in row.ciphertext
        assert b"06:45" not in row.ciphertext


@pytest.mark.parametrize(
    ("size", "store"),
    [(0, "db"), (LIMIT - 1, "db"), (LIMIT, "db"), (LIMIT + 1, "blob"), (200_000, "blob")],
)
def test_artifact_store_by_size(vault, household, size, store):
    data = _big(size)
    with vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "voice")
        item = session.put_artifact(turn, "audio", data)

    with vault.engine.connect() as conn:
        row = conn.execute(sa.select(artifacts).where(artifacts.c.id == item.id)).one()
    assert row.store == store
    assert row.size == size
    assert item.size == size
    blob = vault.home / "blobs" / vault.blobs.relative(item.id)
    if store == "blob":
        assert row.ciphertext is None
        assert item.location == f"blob:{vault.blobs.relative(item.id)}"
        assert blob.is_file()
        sealed = blob.read_bytes()
        assert len(sealed) == size + 12 + 16  # nonce + ciphertext + tag, nothing else
        assert MARK not in sealed
        assert _blob_files(vault) == [blob]
    else:
        assert item.location == "db:artifacts"
        assert MARK not in row.ciphertext
        assert len(row.ciphertext) == size + 12 + 16
        assert not blob.exists()
        assert _blob_files(vault) == []
    assert read_artifact(vault, household.id, item.id) == data


def test_exception_in_session_rolls_back_everything(vault, household):
    before_keys = _count(vault, data_keys)
    with (
        pytest.raises(RuntimeError, match="skill crashed"),
        vault.session(household.id) as session,
    ):
        turn = session.start_turn(household.owner.id, "voice")
        session.put_artifact(turn, "transcript", b"order more coffee")
        big = session.put_artifact(turn, "audio", _big(LIMIT + 1000))
        session.records(turn).create("shopping", {"item": "coffee"}, member_id=household.owner.id)
        # The blob really was written before the failure: its removal is what is tested.
        assert (vault.home / "blobs" / vault.blobs.relative(big.id)).is_file()
        raise RuntimeError("skill crashed")

    assert _count(vault, turns) == 0
    assert _count(vault, artifacts) == 0
    assert _count(vault, action_records) == 0
    assert _count(vault, data_keys) == before_keys  # the turn's data key is gone too
    assert _blob_files(vault) == []
    with pytest.raises(NotFoundError):
        lineage(vault, household.id, turn.id)
    assert find_orphans(vault) == []


def test_database_error_in_session_removes_blobs(vault, household):
    with pytest.raises(sa.exc.DBAPIError), vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "voice")
        session.put_artifact(turn, "audio", _big(LIMIT * 3))
        assert _blob_files(vault)
        session.conn.execute(sa.text("SELECT * FROM no_such_table"))  # the database fails

    assert _count(vault, turns) == 0
    assert _count(vault, artifacts) == 0
    assert _blob_files(vault) == []
    assert find_orphans(vault) == []


def test_failed_session_leaves_earlier_turns_alone(vault, household, turn_writer):
    kept = turn_writer(vault, household.id, household.owner.id, {"audio": _big(LIMIT + 1)})
    with pytest.raises(KeyError), vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "voice")
        session.put_artifact(turn, "audio", _big(LIMIT + 2))
        raise KeyError("boom")

    assert _count(vault, turns) == 1
    blob = vault.home / "blobs" / vault.blobs.relative(kept.artifacts["audio"].id)
    assert _blob_files(vault) == [blob]
    assert read_artifact(vault, household.id, kept.artifacts["audio"].id) == _big(LIMIT + 1)


def test_read_unknown_artifact_not_found(vault, household):
    with pytest.raises(NotFoundError):
        read_artifact(vault, household.id, "art_00000000000000000000")


def test_artifact_of_another_household_not_found(vault, household, turn_writer):
    written = turn_writer(vault, household.id, household.owner.id, {"transcript": b"hello"})
    other = vault.create_household("Neighbours")
    with pytest.raises(NotFoundError):
        read_artifact(vault, other.id, written.artifacts["transcript"].id)


def test_turn_member_must_belong_to_the_household(vault, household):
    """A turn of household A spoken by a member of B would be invisible in B's history."""
    other = vault.create_household("Neighbours")
    stranger = vault.add_member(other.id, "Stranger", role="owner")
    with pytest.raises(NotFoundError), vault.session(household.id) as session:
        session.start_turn(stranger.id, "text")
    assert _count(vault, turns) == 0


def test_turn_device_must_belong_to_the_household(vault, household):
    other = vault.create_household("Neighbours")
    their_device, _token = vault.add_device(other.id, "Their speaker")
    with pytest.raises(NotFoundError), vault.session(household.id) as session:
        session.start_turn(household.owner.id, "voice", device_id=their_device.id)
    assert _count(vault, turns) == 0


def _fail_fast_on_locks(vault, backend):
    """On SQLite, wait 0.2 s instead of 10 s for a lock, so a blocked read fails quickly."""
    if backend != "sqlite":
        return
    vault.engine.dispose()
    sa.event.listen(
        vault.engine,
        "connect",
        lambda dbapi_connection, _record: dbapi_connection.execute("PRAGMA busy_timeout=200"),
    )


def test_read_inside_an_open_session(vault, household, backend):
    """Reading (members, history...) while a session is open must not wait for the session."""
    _fail_fast_on_locks(vault, backend)
    with vault.session(household.id) as session:
        session.start_turn(household.owner.id, "text")
        assert vault.member(household.id, "Ben") == household.adult
    assert _count(vault, turns) == 1


def test_concurrent_readers(vault, household, backend):
    _fail_fast_on_locks(vault, backend)
    with vault.reading() as first:
        first.execute(sa.select(sa.func.count()).select_from(turns)).scalar_one()
        assert len(vault.members(household.id)) == 3
