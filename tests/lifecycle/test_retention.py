"""Retention with a controllable clock, on SQLite and PostgreSQL.

Settings and their defaults, expiry dates fixed at write time and visible, the sweep (expired
turns erased whole with scope voice, expired recordings of live turns, finished records past
retention), its receipts and their verification, a changed setting applied to what is already
kept, and the sweep as ``confide sweep`` and as a chore of ``confide serve``.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn
from lifecycle_support import artifact_ids
from lifecycle_support import unreadable as gone

from apiserver import free_port
from clirun import init_home, run_json
from confide import runtime
from confide.assistant import Assistant
from confide.cli import main
from confide.clock import ManualClock
from confide.hub import create_app, server
from confide.lifecycle import (
    MODES,
    Selection,
    SelectionError,
    load_receipt,
    request,
    resume_pending,
    sweep,
    verify_erasure,
)
from confide.lifecycle import retention as retention_module
from confide.vault import (
    MEMBER_SETTINGS,
    NotFoundError,
    SettingError,
    Vault,
    find_orphans,
    history,
    lineage,
    read_artifact,
)
from confide.vault.schema import action_records, artifacts, members, receipts, tombstones, turns
from confide.vault.settings import add_months, months_before
from confide.voice.audio import Audio

THREE_MONTHS_S = 92 * 86400  # at least three calendar months


@pytest.fixture
def assistant(vault, household):
    return Assistant(vault, household.id)


def ask(assistant, clock, text, member=None):
    clock.advance(timedelta(minutes=1))
    return assistant.ask(text, member=member)


def months_later(epoch: float, months: int) -> float:
    return add_months(datetime.fromtimestamp(epoch, UTC), months).timestamp()


def expiry_of(vault, household_id, turn_id) -> dict[str, float | None]:
    """Each artifact kind of a turn -> its expires_at, and "turn" -> the turn's."""
    found = lineage(vault, household_id, turn_id)
    out: dict[str, float | None] = {a.kind: a.expires_at for a in found.artifacts}
    with vault.reading() as conn:
        out["turn"] = conn.execute(
            sa.select(turns.c.expires_at).where(turns.c.id == turn_id)
        ).scalar_one()
    return out


def voice_turn(vault, household_id, member, text: str = "what time is it"):
    """A voice turn stored as the assistant stores one: its transcript, and the recording as
    the speaker's setting says (read in the transaction, by the assistant's own code)."""
    with vault.session(household_id) as session:
        turn = session.start_turn(member.id, "voice")
        transcript = session.put_artifact(turn, "transcript", text.encode())
        stored = Assistant._store_audio(session, turn, member, Audio(b"\x01\x00" * 16000))
    return turn, transcript, stored[0] if stored else None


def receipt_count(vault) -> int:
    with vault.reading() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(receipts)).scalar_one())


def all_verified(vault, household_id, result) -> None:
    for receipt_id in result.receipts:
        receipt = load_receipt(vault, household_id, receipt_id)
        assert receipt.status == "done"
        assert receipt.actor == "retention"
        checked = verify_erasure(vault, household_id, receipt_id)
        assert checked.ok, checked.problems


# -- settings ------------------------------------------------------------------------------
def test_defaults_are_privacy_first(vault, household) -> None:
    assert MEMBER_SETTINGS["transcript_retention"] == ("3_months", "18_months", "until_deleted")
    for member in vault.members(household.id):
        assert member.settings() == {"audio_retention": "off", "transcript_retention": "3_months"}
        assert member.to_dict()["transcript_retention"] == "3_months"
    added = vault.add_member(household.id, "Dora")
    assert added.transcript_retention == "3_months"
    assert vault.member(household.id, "Dora").transcript_retention == "3_months"
    # the database's own default agrees (a row written without the column)
    with vault.engine.begin() as conn:
        conn.execute(
            sa.insert(members).values(
                id="mem_raw",
                household_id=household.id,
                name="Raw",
                name_key="raw",
                role="adult",
                key_id=conn.execute(
                    sa.select(members.c.key_id).where(members.c.id == added.id)
                ).scalar_one(),
                created_at=0.0,
            )
        )
    raw = vault.member(household.id, "Raw")
    assert (raw.audio_retention, raw.transcript_retention) == ("off", "3_months")


@pytest.mark.parametrize("value", ["3_months", "18_months", "until_deleted"])
def test_an_adult_may_choose_any_transcript_retention(vault, household, value) -> None:
    done = vault.set_member_setting(
        household.id, "Ben", "transcript_retention", value, actor="operator:test"
    )
    assert done.transcript_retention == value
    assert vault.member(household.id, "Ben").transcript_retention == value
    (entry,) = [e for e in vault.audit_entries(household.id) if e.action.startswith("settings.")]
    assert entry.action == "settings.transcript_retention"
    assert list(entry.targets) == [household.adult.id]


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("transcript_retention", "18_months", "3 months at most"),
        ("transcript_retention", "until_deleted", "can only be 3_months"),
        ("audio_retention", "3_months", "recordings are never kept"),
    ],
)
def test_a_child_gets_the_strictest_settings_only(vault, household, key, value, says) -> None:
    with pytest.raises(SettingError) as caught:
        vault.set_member_setting(household.id, "Cleo", key, value, actor="operator:test")
    assert caught.value.code == "child_setting"
    assert says in caught.value.message
    assert vault.member(household.id, "Cleo").settings() == {
        "audio_retention": "off",
        "transcript_retention": "3_months",
    }
    ok = vault.set_member_setting(
        household.id, "Cleo", "transcript_retention", "3_months", actor="operator:test"
    )
    assert ok.transcript_retention == "3_months"


def test_bad_values_name_the_allowed_ones(vault, household) -> None:
    with pytest.raises(SettingError) as caught:
        vault.set_member_setting(
            household.id, "Ben", "transcript_retention", "off", actor="operator:test"
        )
    assert caught.value.code == "bad_setting"
    assert "3_months, 18_months, until_deleted" in caught.value.message


def test_months_before_is_the_exact_inverse_of_add_months() -> None:
    start = datetime(2023, 10, 25, 13, 30, tzinfo=UTC)
    moments = [start + timedelta(hours=11 * i) for i in range(300)]
    for now in moments[::7]:
        for months in (3, 18):
            cut = months_before(now, months)
            assert add_months(cut, months) <= now
            for t in moments:
                assert (add_months(t, months) <= now) == (t <= cut), (t, now, months)


# -- expiry at write time ------------------------------------------------------------------
def test_every_artifact_of_a_turn_expires_with_it_and_show_says_when(
    vault, household, assistant, clock
) -> None:
    out = ask(assistant, clock, "put kumquats on the shopping list")
    created = clock.now().timestamp()
    expiry = expiry_of(vault, household.id, out.turn_id)
    assert expiry["turn"] == months_later(created, 3)
    assert set(expiry) >= {"transcript", "interpretation", "actions", "reply"}
    assert set(expiry.values()) == {months_later(created, 3)}
    shown = {s.kind: s.to_dict() for s in out.stored}
    when = datetime.fromtimestamp(months_later(created, 3), UTC).isoformat()
    assert shown["transcript"]["expires_at"] == when
    # a member who keeps their requests 18 months, and one who keeps them until deleted
    vault.set_member_setting(household.id, "Ben", "transcript_retention", "18_months", actor="t")
    ben = ask(assistant, clock, "what time is it", member="Ben")
    assert set(expiry_of(vault, household.id, ben.turn_id).values()) == {
        months_later(clock.now().timestamp(), 18)
    }
    vault.set_member_setting(
        household.id, "Ben", "transcript_retention", "until_deleted", actor="t"
    )
    kept = ask(assistant, clock, "what time is it", member="Ben")
    assert set(expiry_of(vault, household.id, kept.turn_id).values()) == {None}


def test_a_recording_expires_at_the_earlier_of_its_own_and_its_turns_expiry(
    vault, household, clock
) -> None:
    ada = household.owner
    vault.set_member_setting(household.id, "Ada", "audio_retention", "3_months", actor="t")
    vault.set_member_setting(household.id, "Ada", "transcript_retention", "18_months", actor="t")
    turn, transcript, audio = voice_turn(vault, household.id, ada)
    now = clock.now().timestamp()
    assert audio is not None and audio.location.startswith("blob:")
    assert audio.expires_at == months_later(now, 3)
    assert transcript.expires_at == turn.expires_at == months_later(now, 18)
    # audio kept "until deleted" still goes with its turn
    vault.set_member_setting(household.id, "Ada", "audio_retention", "until_deleted", actor="t")
    vault.set_member_setting(household.id, "Ada", "transcript_retention", "3_months", actor="t")
    clock.advance(timedelta(seconds=5))
    turn2, _t, audio2 = voice_turn(vault, household.id, ada)
    assert audio2 is not None
    assert audio2.expires_at == turn2.expires_at == months_later(clock.now().timestamp(), 3)


# -- the sweep ------------------------------------------------------------------------------
def test_an_expired_turn_is_erased_whole_and_its_alarm_survives_on_a_tombstone(
    vault, household, assistant, clock
) -> None:
    out = ask(assistant, clock, "set an alarm for 6:45 am")
    alarm = next(s for s in out.stored if s.kind == "alarm")
    later = ask(assistant, clock, "what time is it", member="Ben")
    expires = expiry_of(vault, household.id, out.turn_id)["turn"]
    assert expires is not None

    clock.set(datetime.fromtimestamp(expires - 1, UTC))
    before = sweep(vault, household.id)
    assert before.receipts == () and receipt_count(vault) == 0
    assert lineage(vault, household.id, out.turn_id).turn.id == out.turn_id

    clock.set(datetime.fromtimestamp(expires, UTC))  # due the moment it expires
    result = sweep(vault, household.id)
    assert (result.turns, result.kept) == (1, 1)
    assert len(result.receipts) == 1
    gone(vault, household.id, out.turn_id, artifact_ids(out))
    assert [t.id for t in history(vault, household.id)] == [later.turn_id]
    receipt = load_receipt(vault, household.id, result.receipts[0])
    assert (receipt.mode, receipt.scope, receipt.kinds) == ("expired", "voice", None)
    actions = {(i.kind, i.action) for _t, i in receipt.items()}
    assert {("data_key", "destroyed"), ("turn", "deleted"), ("transcript", "deleted")} <= actions
    assert ("alarm", "kept") in actions
    all_verified(vault, household.id, result)
    with vault.read_records(household.id) as records:
        survivor = records.get(alarm.id)
    assert survivor.status == "active" and survivor.payload["time"] == "06:45"
    with vault.reading() as conn:
        stone = conn.execute(
            sa.select(tombstones).where(tombstones.c.turn_id == survivor.origin_turn_id)
        ).one()
    assert stone.turn_id == out.turn_id and stone.receipt_id == receipt.id
    assert find_orphans(vault) == []
    # nothing more is due: a second sweep writes nothing
    assert sweep(vault, household.id).receipts == ()
    assert receipt_count(vault) == 1


def test_a_recording_goes_before_its_transcript(vault, household, clock) -> None:
    ada = household.owner
    vault.set_member_setting(household.id, "Ada", "audio_retention", "3_months", actor="t")
    vault.set_member_setting(household.id, "Ada", "transcript_retention", "18_months", actor="t")
    turn, transcript, audio = voice_turn(vault, household.id, ada)
    assert audio is not None
    blob = vault.blobs.relative(audio.id)
    assert (vault.home / "blobs" / blob).exists() or vault.blobs.exists(audio.id)

    clock.set(datetime.fromtimestamp(audio.expires_at, UTC) + timedelta(seconds=1))
    result = sweep(vault, household.id)
    assert (result.turns, result.recordings, result.records) == (0, 1, 0)
    receipt = load_receipt(vault, household.id, result.receipts[0])
    assert (receipt.mode, receipt.kinds) == ("expired_items", ("audio",))
    # the recording had a key of its own: destroyed with it (older backups cannot read it)
    assert [(i.id, i.kind, i.action) for _t, i in receipt.items()] == [
        (audio.id, "audio", "deleted"),
        (f"key_{audio.id}", "data_key", "destroyed"),
    ]
    all_verified(vault, household.id, result)
    assert not vault.blobs.exists(audio.id)
    with pytest.raises(NotFoundError):
        read_artifact(vault, household.id, audio.id)
    # the transcript is still there and readable, its expiry unchanged
    assert read_artifact(vault, household.id, transcript.id) == b"what time is it"
    assert [a.kind for a in lineage(vault, household.id, turn.id).artifacts] == ["transcript"]

    clock.set(datetime.fromtimestamp(transcript.expires_at, UTC))
    final = sweep(vault, household.id)
    assert (final.turns, final.recordings) == (1, 0)
    gone(vault, household.id, turn.id, [transcript.id])
    all_verified(vault, household.id, final)


def test_finished_records_go_after_their_owners_retention(
    vault, household, assistant, clock
) -> None:
    out = ask(assistant, clock, "set an alarm for 6:45 am")
    alarm = next(s for s in out.stored if s.kind == "alarm")
    clock.advance(timedelta(days=100))
    first = sweep(vault, household.id)
    assert (first.turns, first.kept, first.records) == (1, 1, 0)  # the alarm is still set

    cancel = ask(assistant, clock, "cancel my alarm")  # finished now: its clock starts
    cancelled_at = clock.now()
    with vault.read_records(household.id) as records:
        assert records.get(alarm.id).status == "cancelled"
    explain = ask(assistant, clock, "what do you keep about me")
    assert "finished or cancelled" in explain.reply

    clock.set(add_months(cancelled_at, 3) - timedelta(seconds=1))
    assert sweep(vault, household.id).records == 0
    with vault.read_records(household.id) as records:
        records.get(alarm.id)  # still held

    clock.set(add_months(cancelled_at, 3))
    result = sweep(vault, household.id)
    assert result.records == 1
    assert result.turns == 1  # the cancel expired at the same moment (the question a minute on)
    with vault.read_records(household.id) as records, pytest.raises(NotFoundError):
        records.get(alarm.id)
    items = [
        (t.turn_id, i.id, i.kind, i.store, i.action)
        for rid in result.receipts
        for t, i in load_receipt(vault, household.id, rid).items()
        if i.kind == "alarm"
    ]
    # listed once, as deleted, under the tombstone of the turn that set it (never "kept")
    assert items == [(out.turn_id, alarm.id, "alarm", "db:action_records", "deleted")]
    all_verified(vault, household.id, result)
    gone(vault, household.id, cancel.turn_id, artifact_ids(cancel))
    assert find_orphans(vault) == []
    # the privacy skill now tells the truth without that record
    now = ask(assistant, clock, "what do you keep about me")
    assert "finished or cancelled" not in now.reply


def test_a_member_who_keeps_until_deleted_keeps_everything(
    vault, household, assistant, clock
) -> None:
    vault.set_member_setting(
        household.id, "Ben", "transcript_retention", "until_deleted", actor="t"
    )
    out = ask(assistant, clock, "set a timer for 5 minutes", member="Ben")
    ask(assistant, clock, "cancel the timer", member="Ben")
    clock.advance(timedelta(days=3 * 365))
    result = sweep(vault, household.id)
    assert result.receipts == ()
    assert lineage(vault, household.id, out.turn_id).turn.id == out.turn_id
    with vault.reading() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(action_records)).scalar() == 1


def test_nothing_expired_writes_no_receipt_and_no_audit_entry(
    vault, household, assistant, clock
) -> None:
    for text in ("set an alarm for 6:45 am", "set a timer for 5 minutes", "cancel the timer"):
        ask(assistant, clock, text)
    entries = len(vault.audit_entries(household.id))
    clock.advance(timedelta(days=80))
    result = sweep(vault, household.id)
    assert result.receipts == () and not result.found_anything
    assert (result.turns, result.recordings, result.records) == (0, 0, 0)
    assert receipt_count(vault) == 0
    assert len(vault.audit_entries(household.id)) == entries
    assert sweep(vault).receipts == ()  # every household


def test_a_shorter_setting_applies_to_what_is_already_kept(
    vault, household, assistant, clock
) -> None:
    vault.set_member_setting(household.id, "Ben", "transcript_retention", "18_months", actor="t")
    vault.set_member_setting(household.id, "Ben", "audio_retention", "18_months", actor="t")
    old = ask(assistant, clock, "what time is it", member="Ben")
    old_at = clock.now().timestamp()
    turn, _transcript, audio = voice_turn(vault, household.id, household.adult)
    assert audio is not None
    voice_at = clock.now().timestamp()
    ada = ask(assistant, clock, "what time is it")  # someone else's: untouched
    ada_expiry = expiry_of(vault, household.id, ada.turn_id)

    clock.advance(timedelta(days=120))
    assert sweep(vault, household.id).turns == 1  # only Ada's (3 months)
    recent = ask(assistant, clock, "what time is it", member="Ben")

    vault.set_member_setting(household.id, "Ben", "transcript_retention", "3_months", actor="t")
    assert set(expiry_of(vault, household.id, old.turn_id).values()) == {months_later(old_at, 3)}
    voice = expiry_of(vault, household.id, turn.id)
    assert voice == {
        "turn": months_later(voice_at, 3),
        "transcript": months_later(voice_at, 3),
        "audio": months_later(voice_at, 3),  # min(18 months, its turn's 3)
    }
    result = sweep(vault, household.id)
    assert result.turns == 2
    gone(vault, household.id, old.turn_id, artifact_ids(old))
    gone(vault, household.id, turn.id, [audio.id])
    assert not vault.blobs.exists(audio.id)
    all_verified(vault, household.id, result)
    assert [t.id for t in history(vault, household.id)] == [recent.turn_id]
    with pytest.raises(NotFoundError):
        expiry_of(vault, household.id, ada.turn_id)
    assert ada_expiry["turn"] is not None


def test_turning_audio_off_expires_the_recordings_kept_so_far(vault, household, clock) -> None:
    vault.set_member_setting(household.id, "Ben", "audio_retention", "until_deleted", actor="t")
    vault.set_member_setting(household.id, "Ben", "transcript_retention", "18_months", actor="t")
    turn, transcript, audio = voice_turn(vault, household.id, household.adult)
    assert audio is not None and audio.expires_at == turn.expires_at
    clock.advance(timedelta(days=2))
    vault.set_member_setting(household.id, "Ben", "audio_retention", "off", actor="t")
    assert expiry_of(vault, household.id, turn.id) == {
        "turn": turn.expires_at,
        "transcript": turn.expires_at,
        "audio": clock.now().timestamp(),
    }
    result = sweep(vault, household.id)
    assert (result.recordings, result.turns) == (1, 0)
    assert not vault.blobs.exists(audio.id)
    assert read_artifact(vault, household.id, transcript.id) == b"what time is it"
    all_verified(vault, household.id, result)


def test_a_longer_setting_also_applies(vault, household, assistant, clock) -> None:
    out = ask(assistant, clock, "what time is it", member="Ben")
    at = clock.now().timestamp()
    vault.set_member_setting(household.id, "Ben", "transcript_retention", "18_months", actor="t")
    assert set(expiry_of(vault, household.id, out.turn_id).values()) == {months_later(at, 18)}
    clock.advance(timedelta(days=200))
    assert sweep(vault, household.id).receipts == ()
    vault.set_member_setting(
        household.id, "Ben", "transcript_retention", "until_deleted", actor="t"
    )
    assert set(expiry_of(vault, household.id, out.turn_id).values()) == {None}


def test_a_turn_another_deletion_already_plans_is_not_planned_twice(
    vault, household, assistant, clock
) -> None:
    first = ask(assistant, clock, "what time is it")
    second = ask(assistant, clock, "what time is it")
    clock.advance(timedelta(days=100))
    waiting = request(vault, household.id, Selection("turn", turn_id=first.turn_id), actor="t")
    result = sweep(vault, household.id)
    receipt = load_receipt(vault, household.id, result.receipts[0])
    assert [t.turn_id for t in receipt.turns] == [second.turn_id]
    assert resume_pending(vault) == [waiting.receipt_id]
    assert history(vault, household.id) == []
    assert verify_erasure(vault, household.id, waiting.receipt_id).ok


def test_one_household_or_every_household(vault, household, clock) -> None:
    other = vault.create_household("Babbage Home")
    owner = vault.add_member(other.id, "Charles", role="owner")
    mine = Assistant(vault, household.id).ask("what time is it")
    theirs = Assistant(vault, other.id).ask("what time is it")
    clock.advance(timedelta(seconds=THREE_MONTHS_S))
    only_mine = sweep(vault, household.id)
    assert only_mine.turns == 1
    assert [t.id for t in history(vault, other.id)] == [theirs.turn_id]
    every = sweep(vault)
    assert every.turns == 1
    assert history(vault, other.id) == [] and history(vault, household.id) == []
    assert owner.transcript_retention == "3_months"
    all_verified(vault, other.id, every)
    assert mine.turn_id not in {t.id for t in history(vault, household.id)}


def test_a_sweep_that_dies_is_finished_on_the_next_open(
    vault_factory, vault, household, assistant, clock, monkeypatch
) -> None:
    ask(assistant, clock, "set a timer for 5 minutes")
    ask(assistant, clock, "cancel the timer")
    clock.advance(timedelta(days=100))

    def die(*_args, **_kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(retention_module, "execute", die)
    with pytest.raises(SystemExit):
        sweep(vault, household.id)
    monkeypatch.undo()
    with vault.reading() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(action_records)).scalar()
    assert left == 0  # the record was removed and listed in the same transaction
    reopened = vault_factory()
    finished = resume_pending(reopened)
    assert len(finished) == 1
    assert verify_erasure(reopened, household.id, finished[0]).ok
    result = sweep(reopened, household.id)  # the turns that were not reached
    assert result.turns == 2
    all_verified(reopened, household.id, result)
    assert history(reopened, household.id) == []


def test_the_retention_modes_are_the_sweeps_own() -> None:
    assert MODES == ("turn", "last", "range", "today", "all")
    with pytest.raises(SelectionError):
        Selection("expired")
    with pytest.raises(SelectionError):
        Selection("all", "mem_x", expired_by=1.0)
    with pytest.raises(SelectionError) as caught:
        Selection("retention")
    assert "expired" not in caught.value.message
    chosen = Selection("expired", expired_by=5.0)
    assert Selection.from_json(chosen.to_json()) == chosen
    # the sweep never takes the records that survived earlier deletions this way
    assert "false" in str(chosen.survivors_query("hh")).lower()


def test_sweeping_a_large_backlog_works_in_batches(vault, household, clock, monkeypatch) -> None:
    monkeypatch.setattr(retention_module, "BATCH_RECORDS", 3)
    monkeypatch.setattr(retention_module, "BATCH_TURNS", 4)
    assistant = Assistant(vault, household.id)
    made = []
    for i in range(7):
        made.append(ask(assistant, clock, f"set a timer for {i + 2} minutes"))
        ask(assistant, clock, "cancel the timer")
    clock.advance(timedelta(days=100))
    result = sweep(vault, household.id)
    assert (result.turns, result.records, result.kept) == (14, 7, 0)
    kinds = {
        (i.kind, i.action)
        for rid in result.receipts
        for _t, i in load_receipt(vault, household.id, rid).items()
    }
    assert ("timer", "deleted") in kinds and ("timer", "kept") not in kinds
    all_verified(vault, household.id, result)
    with vault.reading() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(action_records)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(artifacts)).scalar() == 0


# -- confide sweep and confide serve ----------------------------------------------------------
@pytest.fixture
def home(tmp_path: Path) -> Path:
    return init_home(tmp_path / "home")


def made_long_ago(home: Path, days: int, texts: list[str]) -> list[str]:
    """Turns made ``days`` ago in the home's household (a vault with an earlier clock)."""
    clock = ManualClock(datetime.now(UTC) - timedelta(days=days))
    vault = Vault.open(home, clock=clock)
    try:
        household = runtime.household_of(vault)
        assert household is not None
        assistant = Assistant(vault, household.id)
        ids = []
        for text in texts:
            clock.advance(timedelta(seconds=1))
            ids.append(assistant.ask(text).turn_id)
        return ids
    finally:
        vault.close()


def test_show_displays_the_expiry_and_settings_show_the_retention(home, capsys) -> None:
    out = run_json(capsys, "ask", "put eggs on the shopping list", "--home", str(home))
    shown = run_json(capsys, "show", out["turn_id"], "--home", str(home))
    by_kind = {item["kind"]: item for item in shown["stored"]}
    turn_key = next(i for i in shown["stored"] if i["id"] == f"key_{out['turn_id']}")
    created = datetime.fromisoformat(turn_key["created_at"])  # made with the turn
    for kind in ("transcript", "interpretation", "reply"):
        assert by_kind[kind]["expires_at"] == add_months(created, 3).isoformat()
    settings = run_json(capsys, "settings", "--home", str(home))
    assert settings["settings"]["transcript_retention"] == "3_months"
    assert settings["allowed"]["transcript_retention"] == ["3_months", "18_months", "until_deleted"]
    capsys.readouterr()
    assert main(["settings", "transcript_retention", "forever", "--home", str(home)]) == 2
    assert "3_months, 18_months, until_deleted" in capsys.readouterr().err


def test_confide_sweep(home, capsys) -> None:
    old = made_long_ago(home, 100, ["set a timer for 5 minutes", "cancel the timer"])
    fresh = run_json(capsys, "ask", "what time is it", "--home", str(home))
    done = run_json(capsys, "sweep", "--home", str(home))
    assert (done["turns_erased"], done["records_erased"], done["recordings_erased"]) == (2, 1, 0)
    assert len(done["receipts"]) == 2
    for receipt_id in done["receipts"]:
        capsys.readouterr()
        assert main(["verify-erasure", receipt_id, "--home", str(home)]) == 0
    turns = run_json(capsys, "history", "--home", str(home))
    assert [t["turn_id"] for t in turns] == [fresh["turn_id"]]
    assert not set(old) & {t["turn_id"] for t in turns}
    listed = run_json(capsys, "receipts", "--home", str(home))
    assert {r["requested_by"] for r in listed} == {"retention"}
    capsys.readouterr()
    assert main(["sweep", "--home", str(home)]) == 0
    assert "Nothing has expired" in capsys.readouterr().out
    assert run_json(capsys, "sweep", "--home", str(home))["receipts"] == []


def test_serve_runs_the_sweep_every_20_seconds(home, monkeypatch) -> None:
    """``run`` hands ``create_app`` the retention chore; running it sweeps that household."""
    made_long_ago(home, 100, ["what time is it"])
    captured = {}

    class Stop(Exception):
        pass

    class QuietAssistant:
        def __init__(self, vault, household_id):
            self.recognizer = type("R", (), {"warm_up": lambda _self: None})()

    def fake_create_app(vault, household_id, assistant, **kwargs):
        captured.update(kwargs, vault=vault, household_id=household_id)
        raise Stop

    monkeypatch.setattr(server, "Assistant", QuietAssistant)
    monkeypatch.setattr(server, "create_app", fake_create_app)
    with pytest.raises(Stop):
        server.run(home=home, db_url=None, host="127.0.0.1", port=0, wyoming_port=0)
    (chore,) = [c for c in captured["chores"] if c.name == "retention sweep"]
    assert 0 < chore.every <= 20
    chore.run()  # what the app's worker thread runs
    vault = Vault.open(home)
    try:
        household_id = captured["household_id"]
        assert history(vault, household_id) == []
        (receipt,) = [r for r in load_receipt_ids(vault, household_id)]
        assert verify_erasure(vault, household_id, receipt).ok
    finally:
        vault.close()


def load_receipt_ids(vault, household_id) -> list[str]:
    with vault.reading() as conn:
        return list(
            conn.execute(
                sa.select(receipts.c.id).where(receipts.c.household_id == household_id)
            ).scalars()
        )


def test_the_chore_sweeps_inside_a_running_app(vault, household, clock) -> None:
    """Under a real uvicorn, the app's background chore erases what expires while it runs."""
    out = Assistant(vault, household.id).ask("what time is it")
    chore = dataclasses.replace(server.retention_chore(vault, household.id), every=0.05)
    app = create_app(vault, household.id, tick_seconds=None, chores=[chore])
    uv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not uv.started:
            assert time.monotonic() < deadline, "API server did not start"
            time.sleep(0.02)
        time.sleep(0.3)  # several sweeps with nothing expired
        assert lineage(vault, household.id, out.turn_id).turn.id == out.turn_id
        assert receipt_count(vault) == 0
        clock.advance(timedelta(seconds=THREE_MONTHS_S))
        deadline = time.monotonic() + 20
        while history(vault, household.id):
            assert time.monotonic() < deadline, "the chore never swept"
            time.sleep(0.05)
    finally:
        uv.should_exit = True
        thread.join(10)
    (receipt_id,) = load_receipt_ids(vault, household.id)
    assert verify_erasure(vault, household.id, receipt_id).ok
