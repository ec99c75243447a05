"""Lineage: every artifact, record and blob is reachable from a turn; nothing is orphaned."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from confide.vault import NotFoundError, Orphan, find_orphans, history, lineage, read_artifact
from confide.vault.schema import action_records, artifacts, data_keys, members

LIMIT = 16 * 1024


def _blob_files(vault):
    root = vault.home / "blobs"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _blob_of(vault, item):
    assert item.location.startswith("blob:")
    return vault.home / "blobs" / item.location.removeprefix("blob:")


# -- one turn ----------------------------------------------------------------------------------
def test_lineage_lists_key_artifacts_and_records(vault, household, clock, turn_writer):
    device, _token = vault.add_device(household.id, "Hall")
    other = turn_writer(
        vault, household.id, household.adult.id, records=[{"kind": "alarm", "payload": {}}]
    )
    clock.advance(timedelta(minutes=1))
    big = b"\x00\x01" * (LIMIT // 2 + 10)
    written = turn_writer(
        vault,
        household.id,
        household.adult.id,
        {"audio": big, "transcript": b"add oat milk", "interpretation": b'{"item": "oat milk"}'},
        records=[
            {"kind": "shopping", "payload": {"item": "oat milk"}},
            {
                "kind": "message",
                "payload": {"body": "hi"},
                "audience_member_id": household.child.id,
            },
        ],
        source="voice",
        device_id=device.id,
    )

    lin = lineage(vault, household.id, written.turn.id)

    assert lin.turn.id == written.turn.id
    assert lin.turn.household_id == household.id
    assert lin.turn.member_id == household.adult.id
    assert lin.turn.member_name == "Ben"
    assert lin.turn.device_id == device.id
    assert lin.turn.source == "voice"
    assert lin.turn.created_at == clock.now().timestamp()

    assert lin.data_key.id == written.turn.key_id
    assert lin.data_key.kind == "data_key"
    assert lin.data_key.location == "db:data_keys"

    by_id = {a.id: a for a in lin.artifacts}
    assert set(by_id) == {item.id for item in written.artifacts.values()}
    for kind, item in written.artifacts.items():
        listed = by_id[item.id]
        assert listed.kind == kind
        assert listed.size == item.size
        assert listed.location == item.location
    audio = by_id[written.artifacts["audio"].id]
    assert audio.location == f"blob:{vault.blobs.relative(audio.id)}"
    assert _blob_of(vault, audio).is_file()
    assert by_id[written.artifacts["transcript"].id].location == "db:artifacts"

    assert {(r.id, r.kind, r.location, r.status) for r in lin.records} == {
        (written.records[0].id, "shopping", "db:action_records", "active"),
        (written.records[1].id, "message", "db:action_records", "active"),
    }
    assert other.records[0].id not in {r.id for r in lin.records}
    # every record is sealed under a key of its own, listed with the turn's
    assert {k.id for k in lin.own_keys} == {f"key_{r.id}" for r in written.records}
    assert {i.id for i in lin.items()} == {
        written.turn.key_id,
        *by_id,
        *(r.id for r in written.records),
        *(f"key_{r.id}" for r in written.records),
    }


def test_lineage_shows_record_status_changes(vault, household, turn_writer):
    written = turn_writer(
        vault, household.id, household.owner.id, records=[{"kind": "timer", "payload": {}}]
    )
    with vault.session(household.id) as session:
        session.records(None).update(written.records[0].id, status="cancelled")
    (record,) = lineage(vault, household.id, written.turn.id).records
    assert record.status == "cancelled"


def test_lineage_of_unknown_turn(vault, household):
    with pytest.raises(NotFoundError):
        lineage(vault, household.id, "turn_00000000000000000000")


def test_lineage_of_another_households_turn(vault, household, turn_writer):
    written = turn_writer(vault, household.id, household.owner.id, {"transcript": b"hi"})
    other = vault.create_household("Neighbours")
    with pytest.raises(NotFoundError):
        lineage(vault, other.id, written.turn.id)


# -- history ---------------------------------------------------------------------------------
def test_history_filters_and_order(vault, household, clock, turn_writer):
    ada, ben, cleo = household.owner, household.adult, household.child
    times = {}
    ids = {}
    for label, member in (("a1", ada), ("b1", ben), ("a2", ada), ("c1", cleo), ("b2", ben)):
        clock.advance(timedelta(hours=1))
        ids[label] = turn_writer(vault, household.id, member.id, {"transcript": b"x"}).turn.id
        times[label] = clock.now().timestamp()
    neighbours = vault.create_household("Neighbours")
    nia = vault.add_member(neighbours.id, "Nia", role="owner")
    turn_writer(vault, neighbours.id, nia.id, {"transcript": b"y"})

    def labels(turns):
        by_id = {v: k for k, v in ids.items()}
        return [by_id[t.id] for t in turns]

    everything = history(vault, household.id)
    assert labels(everything) == ["b2", "c1", "a2", "b1", "a1"]  # newest first, own household
    assert [t.created_at for t in everything] == sorted(times.values(), reverse=True)
    assert {t.member_name for t in everything} == {"Ada", "Ben", "Cleo"}

    assert labels(history(vault, household.id, member_id=ada.id)) == ["a2", "a1"]
    assert labels(history(vault, household.id, member_id=cleo.id)) == ["c1"]
    # since is inclusive, until exclusive.
    assert labels(history(vault, household.id, since=times["b1"])) == ["b2", "c1", "a2", "b1"]
    assert labels(history(vault, household.id, until=times["a2"])) == ["b1", "a1"]
    assert labels(history(vault, household.id, since=times["b1"], until=times["b2"])) == [
        "c1",
        "a2",
        "b1",
    ]
    assert labels(
        history(vault, household.id, member_id=ben.id, since=times["a1"], until=times["c1"])
    ) == ["b1"]
    assert labels(history(vault, household.id, limit=2)) == ["b2", "c1"]
    assert history(vault, household.id, since=times["b2"] + 1) == []
    assert [t.member_name for t in history(vault, neighbours.id)] == ["Nia"]


# -- the whole vault ---------------------------------------------------------------------------
def _random_workload(vault, clock, turn_writer, rng, turns=40):
    """Turns by random members of two households; returns {artifact id: plaintext}."""
    homes = []
    for h in range(2):
        hh = vault.create_household(f"House {h}")
        people = [vault.add_member(hh.id, "Owner", role="owner")]
        people += [
            vault.add_member(hh.id, f"Member {i}", role=rng.choice(["adult", "child"]))
            for i in range(3)
        ]
        homes.append((hh, people))
    sizes = [0, 1, 100, LIMIT - 1, LIMIT, LIMIT + 1, 50_000]
    kinds = ["audio", "transcript", "interpretation", "reply", "disclosure", "training"]
    plaintexts = {}
    for n in range(turns):
        clock.advance(timedelta(seconds=rng.randint(1, 7200)))
        hh, people = rng.choice(homes)
        speaker = rng.choice(people)
        arts = {
            kind: rng.randbytes(rng.choice(sizes) if rng.random() < 0.5 else rng.randint(0, 40_000))
            for kind in rng.sample(kinds, rng.randint(0, 4))
        }
        recs = [
            {
                "kind": rng.choice(["alarm", "shopping", "message", "timer"]),
                "payload": {"n": n, "v": rng.random()},
                "member_id": rng.choice([None, rng.choice(people).id]),
                "audience_member_id": rng.choice([None, rng.choice(people).id]),
            }
            for _ in range(rng.randint(0, 3))
        ]
        written = turn_writer(
            vault, hh.id, speaker.id, arts, recs, source=rng.choice(["voice", "text"])
        )
        plaintexts.update({item.id: arts[kind] for kind, item in written.artifacts.items()})
    return [hh for hh, _ in homes], plaintexts


def _reachable(vault, households):
    arts, recs, keys, blobs = set(), set(), set(), set()
    for hh in households:
        for turn in history(vault, hh.id):
            lin = lineage(vault, hh.id, turn.id)
            keys.add(lin.data_key.id)
            keys.update(k.id for k in lin.own_keys)
            recs.update(r.id for r in lin.records)
            for art in lin.artifacts:
                arts.add(art.id)
                if art.location.startswith("blob:"):
                    blobs.add(_blob_of(vault, art))
    return arts, recs, keys, blobs


def _ids(vault, column):
    with vault.engine.connect() as conn:
        return set(conn.execute(sa.select(column)).scalars())


def test_random_workload_leaves_nothing_unreachable(vault, clock, turn_writer):
    rng = random.Random(20240301)
    households, plaintexts = _random_workload(vault, clock, turn_writer, rng)

    assert find_orphans(vault) == []

    arts, recs, keys, blobs = _reachable(vault, households)
    assert _ids(vault, artifacts.c.id) == arts
    assert _ids(vault, action_records.c.id) == recs
    assert _ids(vault, data_keys.c.id) == keys | _ids(vault, members.c.key_id)
    assert _blob_files(vault) == blobs
    # The workload really crossed the threshold both ways.
    assert blobs
    assert arts - {p.name.removesuffix(".blob") for p in blobs}
    assert recs
    # And every artifact reads back as written.
    household_of = {}
    for hh in households:
        for turn in history(vault, hh.id):
            for art in lineage(vault, hh.id, turn.id).artifacts:
                household_of[art.id] = hh.id
    for art_id, data in plaintexts.items():
        assert read_artifact(vault, household_of[art_id], art_id) == data


# -- orphans: positive controls ----------------------------------------------------------------
@pytest.fixture
def small_vault(vault, clock, turn_writer):
    """A few turns with blobs, db artifacts and records, and no orphan."""
    households, _plaintexts = _random_workload(vault, clock, turn_writer, random.Random(7), turns=6)
    hh = households[0]
    owner = vault.owner(hh.id)
    written = turn_writer(
        vault,
        hh.id,
        owner.id,
        {"audio": b"a" * (LIMIT + 5), "transcript": b"t"},
        records=[{"kind": "alarm", "payload": {"time": "07:00"}}],
    )
    assert find_orphans(vault) == []
    return vault, written


def test_orphan_blob_without_artifact_row(small_vault):
    vault, written = small_vault
    audio = written.artifacts["audio"]
    with vault.engine.begin() as conn:
        conn.execute(artifacts.delete().where(artifacts.c.id == audio.id))
    assert _blob_of(vault, audio).is_file()
    assert [(o.location, o.id) for o in find_orphans(vault)] == [("blobs", audio.id)]


def test_orphan_artifact_row_without_blob(small_vault):
    vault, written = small_vault
    audio = written.artifacts["audio"]
    _blob_of(vault, audio).unlink()
    assert [(o.location, o.id) for o in find_orphans(vault)] == [("db:artifacts", audio.id)]


@pytest.mark.parametrize("name", ["art_0123456789abcdef0123", ".tmp-k3j4h5.blob"])
def test_orphan_stray_blob_file(small_vault, name):
    vault, _written = small_vault
    stray_id = name.removesuffix(".blob")
    path = vault.home / "blobs" / "zz" / f"{stray_id}.blob"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00" * 64)
    orphans = find_orphans(vault)
    assert orphans == [Orphan("blobs", stray_id, orphans[0].why)]


def test_orphan_record_without_origin_turn(small_vault):
    vault, written = small_vault
    rec_id = written.records[0].id
    with vault.engine.begin() as conn:
        conn.execute(
            action_records.update().where(action_records.c.id == rec_id).values(origin_turn_id=None)
        )
    assert [(o.location, o.id) for o in find_orphans(vault)] == [("db:action_records", rec_id)]


def test_orphan_data_key(small_vault):
    vault, written = small_vault
    with vault.engine.begin() as conn:
        conn.execute(
            data_keys.insert().values(
                id="key_stray",
                household_id=written.turn.household_id,
                kind="turn",
                wrapped=b"\x00" * 60,
                created_at=0.0,
            )
        )
    assert [(o.location, o.id) for o in find_orphans(vault)] == [("db:data_keys", "key_stray")]
