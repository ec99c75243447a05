"""Deletion modes and scopes, receipts and their verification, on SQLite and PostgreSQL.

Turns are made by the real assistant (text path) into a real vault; deletion goes through
``confide.lifecycle``; verification re-reads the stores.  Tampering tests put data back behind
a receipt's back and expect ``verify_erasure`` to notice.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from lifecycle_support import artifact_ids, unreadable

from confide.assistant import Assistant
from confide.lifecycle import (
    Selection,
    SelectionError,
    acknowledge,
    execute,
    forget,
    list_receipts,
    load_receipt,
    pending,
    request,
    resume_pending,
    verify_erasure,
)
from confide.vault import (
    DecryptionError,
    NotFoundError,
    VaultError,
    find_orphans,
    history,
    lineage,
    read_artifact,
)
from confide.vault.schema import (
    action_records,
    artifacts,
    data_keys,
    receipts,
    tombstones,
    turns,
)


@pytest.fixture
def assistant(vault, household):
    return Assistant(vault, household.id)


def ask(assistant, clock, text, member=None):
    clock.advance(timedelta(minutes=1))
    return assistant.ask(text, member=member)


def test_one_turn_scope_voice_keeps_the_alarm_linked_to_a_tombstone(
    vault, household, assistant, clock
):
    keep = ask(assistant, clock, "add kumquats to the shopping list")
    out = ask(assistant, clock, "set an alarm for 6:45 am")
    alarm = next(s for s in out.stored if s.kind == "alarm")
    receipt = forget(vault, household.id, Selection("turn", turn_id=out.turn_id), actor="test")

    assert receipt.status == "done"
    assert [t.turn_id for t in receipt.turns] == [out.turn_id]
    actions = {(i.kind, i.action) for _t, i in receipt.items()}
    assert actions == {
        ("data_key", "destroyed"),
        ("turn", "deleted"),
        ("transcript", "deleted"),
        ("interpretation", "deleted"),
        ("actions", "deleted"),
        ("reply", "deleted"),
        ("alarm", "kept"),
    }
    (kept,) = receipt.kept()
    assert kept[1].id == alarm.id
    assert "scope everything" in kept[1].reason
    unreadable(vault, household.id, out.turn_id, artifact_ids(out))
    # the alarm still works and points at the tombstone, which holds no data
    with vault.read_records(household.id) as records:
        record = records.get(alarm.id)
    assert record.origin_turn_id == out.turn_id
    assert record.payload["time"] == "06:45"
    with vault.reading() as conn:
        stone = conn.execute(sa.select(tombstones).where(tombstones.c.turn_id == out.turn_id)).one()
    assert stone.receipt_id == receipt.id
    assert set(stone._mapping) == {
        "turn_id",
        "household_id",
        "member_id",
        "turn_created_at",
        "deleted_at",
        "receipt_id",
    }
    assert find_orphans(vault) == []
    assert [t.id for t in history(vault, household.id)] == [keep.turn_id]
    result = verify_erasure(vault, household.id, receipt.id)
    assert result.ok, result.problems
    assert result.checked >= 7
    assert load_receipt(vault, household.id, receipt.id).verified_at is not None


def test_scope_everything_removes_the_records_too(vault, household, assistant, clock):
    out = ask(assistant, clock, "set an alarm for 6:45 am")
    alarm = next(s for s in out.stored if s.kind == "alarm")
    receipt = forget(
        vault, household.id, Selection("turn", turn_id=out.turn_id), scope="everything", actor="t"
    )
    assert ("alarm", "deleted") in {(i.kind, i.action) for _t, i in receipt.items()}
    assert receipt.kept() == []
    with vault.read_records(household.id) as records, pytest.raises(NotFoundError):
        records.get(alarm.id)
    assert verify_erasure(vault, household.id, receipt.id).ok


def test_scope_everything_later_removes_what_scope_voice_kept(vault, household, assistant, clock):
    out = ask(assistant, clock, "set an alarm for 6:45 am")
    alarm = next(s for s in out.stored if s.kind == "alarm")
    first = forget(vault, household.id, Selection("turn", turn_id=out.turn_id), actor="t")
    assert len(first.kept()) == 1
    second = forget(
        vault,
        household.id,
        Selection("all", household.owner.id),
        scope="everything",
        actor="t",
    )
    # the record goes with its own key: a copy in an older backup is unreadable too
    assert [(i.id, i.action) for _t, i in second.items()] == [
        (alarm.id, "deleted"),
        (f"key_{alarm.id}", "destroyed"),
    ]
    with vault.read_records(household.id) as records, pytest.raises(NotFoundError):
        records.get(alarm.id)
    assert verify_erasure(vault, household.id, first.id).ok
    assert verify_erasure(vault, household.id, second.id).ok
    assert find_orphans(vault) == []


def test_modes_last_today_range_all(vault, household, assistant, clock):
    yesterday = [ask(assistant, clock, "what time is it") for _ in range(2)]
    clock.advance(timedelta(days=1))
    today = [ask(assistant, clock, "set a timer for 7 minutes") for _ in range(3)]
    ben = ask(assistant, clock, "what time is it", member="Ben")
    owner = household.owner.id

    last = forget(vault, household.id, Selection("last", owner), actor="t")
    assert [t.turn_id for t in last.turns] == [today[-1].turn_id]

    clock.advance(timedelta(seconds=1))
    day = forget(vault, household.id, Selection.today(owner, clock.now()), actor="t")
    assert {t.turn_id for t in day.turns} == {o.turn_id for o in today[:2]}

    clock.advance(timedelta(seconds=1))
    span = forget(
        vault,
        household.id,
        Selection(
            "range",
            owner,
            since=yesterday[0].stored[0].created_at,
            until=yesterday[1].stored[0].created_at,
        ),
        actor="t",
    )
    assert [t.turn_id for t in span.turns] == [yesterday[0].turn_id]

    clock.advance(timedelta(seconds=1))
    rest = forget(vault, household.id, Selection("all", owner), actor="t")
    assert [t.turn_id for t in rest.turns] == [yesterday[1].turn_id]
    assert [t.id for t in history(vault, household.id)] == [ben.turn_id]
    for receipt in (last, day, span, rest):
        assert verify_erasure(vault, household.id, receipt.id).ok
    assert [r.id for r in list_receipts(vault, household.id)] == [
        rest.id,
        span.id,
        day.id,
        last.id,
    ]


def test_a_range_without_a_member_covers_the_household(vault, household, assistant, clock):
    start = clock.now().timestamp()
    outs = [ask(assistant, clock, "what time is it", member=m) for m in ("Ada", "Ben", "Cleo")]
    receipt = forget(vault, household.id, Selection("range", since=start), actor="t")
    assert {t.turn_id for t in receipt.turns} == {o.turn_id for o in outs}
    assert history(vault, household.id) == []


def test_nothing_to_forget_gives_an_empty_verified_receipt(vault, household):
    receipt = forget(vault, household.id, Selection("last", household.owner.id), actor="t")
    assert receipt.turns == ()
    assert verify_erasure(vault, household.id, receipt.id).ok


@pytest.mark.parametrize(
    "bad",
    [
        lambda: Selection("yesterday"),
        lambda: Selection("turn"),
        lambda: Selection("range"),
        lambda: Selection("last"),
        lambda: Selection("range", since=10.0, until=5.0),
    ],
)
def test_bad_selections_are_refused(bad):
    with pytest.raises(SelectionError):
        bad()


def test_unknown_turn_or_scope_changes_nothing(vault, household, assistant, clock):
    out = ask(assistant, clock, "what time is it")
    with pytest.raises(NotFoundError):
        forget(vault, household.id, Selection("turn", turn_id="turn_nope"), actor="t")
    with pytest.raises(VaultError):
        forget(vault, household.id, Selection("turn", turn_id=out.turn_id), scope="all", actor="t")
    with pytest.raises(NotFoundError):
        verify_erasure(vault, household.id, "rcpt_nope")
    assert [t.id for t in history(vault, household.id)] == [out.turn_id]
    assert list_receipts(vault, household.id) == []
    assert pending(vault) == []


def test_another_households_turn_cannot_be_forgotten(vault, household, assistant, clock):
    out = ask(assistant, clock, "what time is it")
    other = vault.create_household("Elsewhere")
    with pytest.raises(NotFoundError):
        forget(vault, other.id, Selection("turn", turn_id=out.turn_id), actor="t")
    assert read_artifact(vault, household.id, artifact_ids(out)[0]) == b"what time is it"


def test_an_acknowledged_deletion_is_finished_on_resume(vault_factory, household, clock):
    vault = vault_factory()
    assistant = Assistant(vault, household.id)
    outs = [ask(assistant, clock, "set a timer for 7 minutes") for _ in range(5)]
    done = request(vault, household.id, Selection("all", household.owner.id), actor="t")
    assert done.turns == 5
    assert pending(vault) == [done.receipt_id]
    # a process that dies here has acknowledged it: the next one to open the vault finishes it
    reopened = vault_factory()
    assert resume_pending(reopened) == [done.receipt_id]
    assert pending(reopened) == []
    for out in outs:
        unreadable(reopened, household.id, out.turn_id, artifact_ids(out))
    assert verify_erasure(reopened, household.id, done.receipt_id).ok


def test_a_deletion_in_small_batches_resumes_between_them(vault, household, assistant, clock):
    outs = [ask(assistant, clock, "what time is it") for _ in range(7)]
    with vault.engine.begin() as conn:
        ack = acknowledge(
            vault, conn, household.id, Selection("all", household.owner.id), actor="t"
        )
    from confide.lifecycle import erase_batch

    with vault.engine.begin() as conn:
        assert erase_batch(vault, conn, ack.receipt_id, limit=3)[0] == 3
    half = load_receipt(vault, household.id, ack.receipt_id)
    assert sorted(t.status for t in half.turns) == ["erased"] * 3 + ["planned"] * 4
    problems = verify_erasure(vault, household.id, ack.receipt_id).problems
    assert {p.problem for p in problems} >= {"planned but not erased yet"}
    execute(vault, ack.receipt_id, batch=2)
    assert history(vault, household.id) == []
    assert verify_erasure(vault, household.id, ack.receipt_id).ok
    assert len(load_receipt(vault, household.id, ack.receipt_id).turns) == len(outs)


# -- verification catches what the receipt claims but the stores contradict ------------------
def _deleted_turn(vault, household, assistant, clock):
    out = ask(assistant, clock, "add kumquats to the shopping list")
    with vault.reading() as conn:
        rows = {
            "turn": conn.execute(sa.select(turns).where(turns.c.id == out.turn_id)).one(),
            "key": conn.execute(
                sa.select(data_keys).where(data_keys.c.id == f"key_{out.turn_id}")
            ).one(),
            "artifact": conn.execute(
                sa.select(artifacts).where(artifacts.c.turn_id == out.turn_id)
            ).first(),
        }
    receipt = forget(vault, household.id, Selection("turn", turn_id=out.turn_id), actor="t")
    assert verify_erasure(vault, household.id, receipt.id).ok
    return receipt, rows


@pytest.mark.parametrize("what", ["key", "turn+artifact", "receipt", "blob"])
def test_verification_fails_when_something_came_back(vault, household, assistant, clock, what):
    receipt, rows = _deleted_turn(vault, household, assistant, clock)
    with vault.engine.begin() as conn:
        if what == "key":
            conn.execute(data_keys.insert().values(**rows["key"]._mapping))
        elif what == "turn+artifact":
            conn.execute(tombstones.delete().where(tombstones.c.turn_id == rows["turn"].id))
            conn.execute(data_keys.insert().values(**rows["key"]._mapping))
            conn.execute(turns.insert().values(**rows["turn"]._mapping))
            conn.execute(artifacts.insert().values(**rows["artifact"]._mapping))
        elif what == "receipt":
            conn.execute(
                receipts.update().where(receipts.c.id == receipt.id).values(scope="everything")
            )
    if what == "blob":
        item = receipt.items()[1][1]
        vault.blobs.put(item.id, b"\0" * 32)
        with vault.engine.begin() as conn:  # make the receipt claim a blob was removed
            entries = [
                [i.id, i.kind, "blob:xx/y.blob" if i.id == item.id else i.store, i.action, i.reason]
                for _t, i in receipt.items()
            ]
            from confide.vault.schema import receipt_turns

            conn.execute(
                receipt_turns.update()
                .where(receipt_turns.c.receipt_id == receipt.id)
                .values(entries=json.dumps(entries))
            )
    result = verify_erasure(vault, household.id, receipt.id)
    assert not result.ok
    problems = {p.problem for p in result.problems}
    expected = {
        "key": {"still in db:data_keys", "the key can still be obtained"},
        "turn+artifact": {
            "still in db:turns",
            "still in db:artifacts",
            "the key can still be obtained",
        },
        "receipt": {"the receipt was altered after it was issued"},
        "blob": {"blob file still in xx/y.blob", "the receipt was altered after it was issued"},
    }[what]
    assert expected <= problems, problems


def test_copies_of_a_deleted_record_or_recording_are_unreadable(vault, household, clock):
    """What a backup made before holds - the sealed rows and blobs - cannot be read once the
    record (scope everything) or the recording (retention of audio alone) is gone: each had a
    key of its own, destroyed with it."""
    assistant = Assistant(vault, household.id)
    out = ask(assistant, clock, "set an alarm for 6:45 am")
    alarm = next(s for s in out.stored if s.kind == "alarm")
    with vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "voice")
        audio = session.put_artifact(
            turn, "audio", b"RIFF" + bytes(40_000), own_key=True, expires_at=vault.now() + 60
        )
        session.put_artifact(turn, "transcript", b"hello")
    with vault.reading() as conn:
        record_row = conn.execute(
            sa.select(action_records).where(action_records.c.id == alarm.id)
        ).one()
        audio_row = conn.execute(sa.select(artifacts).where(artifacts.c.id == audio.id)).one()
    audio_blob = vault.blobs.get(audio.id)

    forget(
        vault, household.id, Selection("turn", turn_id=out.turn_id), scope="everything", actor="t"
    )
    clock.advance(timedelta(minutes=5))  # the recording expires; the transcript stays
    acked = request(
        vault, household.id, Selection("turn", turn_id=turn.id), actor="t", kinds=["audio"]
    )
    execute(vault, acked.receipt_id)
    assert verify_erasure(vault, household.id, acked.receipt_id).ok

    # put the old copies back, as a restore of an old backup without the receipts would
    with vault.engine.begin() as conn:
        conn.execute(action_records.insert().values(**record_row._mapping))
        conn.execute(artifacts.insert().values(**audio_row._mapping))
    vault.blobs.put(audio.id, audio_blob)
    fresh = vault
    with fresh.read_records(household.id) as records, pytest.raises(DecryptionError):
        records.get(alarm.id)
    with pytest.raises(DecryptionError):
        read_artifact(fresh, household.id, audio.id)
    # the rest of the turn is still readable under the turn's key
    transcript = next(
        a for a in lineage(vault, household.id, turn.id).artifacts if a.kind == "transcript"
    )
    assert read_artifact(vault, household.id, transcript.id) == b"hello"
