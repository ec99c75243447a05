"""A turn end to end: language -> skills -> vault, on real SQLite files."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from confide import runtime
from confide.assistant import NOT_UNDERSTOOD, Assistant, AssistantError
from confide.clock import ManualClock
from confide.vault import Vault, find_orphans, history, lineage, read_artifact
from confide.vault.schema import action_records, artifacts, turns

START = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def assistant(home: Path, clock: ManualClock):
    vault = Vault.open(home, clock=clock)
    household, _token = runtime.create_demo(vault)
    yield Assistant(vault, household.id)
    vault.close()


def count(vault: Vault, table: sa.Table) -> int:
    with vault.reading() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_alarm_turn_acts_and_stores_everything_linked(assistant: Assistant) -> None:
    out = assistant.ask("set an alarm for seven thirty am")
    assert out.intent == "alarm.set"
    assert out.slots["time"] == "07:30"
    assert [a.kind for a in out.actions] == ["alarm"]
    assert out.reply and out.reply != NOT_UNDERSTOOD
    kinds = sorted(item.kind for item in out.stored)
    assert kinds == ["actions", "alarm", "interpretation", "reply", "transcript"]
    found = lineage(assistant.vault, assistant.household_id, out.turn_id)
    linked = {i.id for i in found.items()}
    assert {i.id for i in out.stored} <= linked
    transcript = next(a for a in found.artifacts if a.kind == "transcript")
    data = read_artifact(assistant.vault, assistant.household_id, transcript.id)
    assert data == b"set an alarm for seven thirty am"


def test_not_understood_acts_on_nothing(assistant: Assistant) -> None:
    before = count(assistant.vault, action_records)
    out = assistant.ask("tell me a joke about penguins")
    assert out.intent is None
    assert out.slots == {}
    assert out.actions == ()
    assert out.reply == NOT_UNDERSTOOD
    assert count(assistant.vault, action_records) == before
    assert {i.kind for i in out.stored} == {"transcript", "interpretation", "reply"}


def test_message_lands_in_the_recipients_inbox(assistant: Assistant) -> None:
    out = assistant.ask("tell Bob I'll be late", member="Alex")
    assert out.intent == "message.send"
    assert out.slots["recipient"] == "Bob"
    bob = assistant.member("Bob")
    with assistant.vault.session(assistant.household_id) as session:
        inbox = session.records(None).list("message", audience_member_id=bob.id)
    assert len(inbox) == 1
    assert inbox[0].origin_turn_id == out.turn_id


def test_shopping_list_keeps_state_across_turns(assistant: Assistant) -> None:
    assistant.ask("put eggs on the shopping list")
    assistant.ask("add milk to my shopping list", member="Bob")
    listed = assistant.ask("what's on the shopping list")
    assert listed.intent == "shopping.list"
    assert "eggs" in listed.reply and "milk" in listed.reply
    removed = assistant.ask("take eggs off the shopping list")
    assert removed.intent == "shopping.remove"
    assert "eggs" not in assistant.ask("what is on my shopping list").reply


def test_timer_fires_when_its_time_comes(assistant: Assistant, clock: ManualClock) -> None:
    out = assistant.ask("set a timer for five minutes")
    assert out.slots == {"duration_s": 300}
    assert assistant.fire_due() == []
    clock.advance(timedelta(minutes=5, seconds=1))
    fired = assistant.fire_due()
    assert [f.kind for f in fired] == ["timer"]
    assert assistant.fire_due() == []  # fires once
    status = assistant.ask("how much time is left on my timer")
    assert status.intent == "timer.status"


def test_bad_input_stores_nothing(assistant: Assistant) -> None:
    before = count(assistant.vault, turns)
    for text in ("", "   ", "x" * 1001, "set an alarm\x00 for seven"):
        with pytest.raises(AssistantError):
            assistant.ask(text)
    with pytest.raises(AssistantError):
        assistant.ask("set an alarm for seven", member="Nobody")
    assert count(assistant.vault, turns) == before


def test_history_lists_turns_by_member(assistant: Assistant, clock: ManualClock) -> None:
    first = assistant.ask("what time is it")
    clock.advance(timedelta(minutes=1))
    second = assistant.ask("what's the date today", member="Sam")
    everyone = history(assistant.vault, assistant.household_id)
    assert [t.id for t in everyone] == [second.turn_id, first.turn_id]
    sam = assistant.member("Sam")
    assert [t.id for t in history(assistant.vault, assistant.household_id, member_id=sam.id)] == [
        second.turn_id
    ]


WORKLOAD = [
    "set an alarm for six forty five",
    "wake me up at half past seven tomorrow",
    "start a ten minute timer",
    "put {item} on the shopping list",
    "remind me to {task} at five pm",
    "add {task} to my calendar on friday at three pm",
    "tell {who} {task}",
    "what time is it",
    "blorp the frobnicator",
    "what's on my calendar tomorrow",
]
ITEMS = ["quinoa", "saffron", "parsnips", "kumquats"]
TASKS = ["water the ficus", "call the plumber", "pick up the dry cleaning", "feed the axolotl"]


def run_workload(assistant: Assistant, clock: ManualClock, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    speakers = ["Alex", "Bob", "Sam"]
    ids = []
    for _ in range(n):
        text = rng.choice(WORKLOAD).format(
            item=rng.choice(ITEMS), task=rng.choice(TASKS), who=rng.choice(["Bob", "Alex"])
        )
        ids.append(assistant.ask(text, member=rng.choice(speakers)).turn_id)
        clock.advance(timedelta(seconds=rng.randint(1, 600)))
    return ids


def test_random_workload_leaves_no_orphan_and_all_is_reachable(
    assistant: Assistant, clock: ManualClock
) -> None:
    turn_ids = run_workload(assistant, clock, 120, seed=7)
    vault = assistant.vault
    assert find_orphans(vault) == []
    reachable: set[str] = set()
    for turn_id in turn_ids:
        reachable |= {i.id for i in lineage(vault, assistant.household_id, turn_id).items()}
    with vault.reading() as conn:
        art_ids = {r.id for r in conn.execute(sa.select(artifacts.c.id))}
        rec_ids = {r.id for r in conn.execute(sa.select(action_records.c.id))}
    assert art_ids and rec_ids
    assert art_ids | rec_ids <= reachable


def test_no_plaintext_at_rest_after_a_workload(
    assistant: Assistant, clock: ManualClock, home: Path, scan_home
) -> None:
    run_workload(assistant, clock, 60, seed=11)
    assistant.ask("remind me to telephone the zeppelin mechanic at six pm")
    needles = [t.encode() for t in TASKS + ITEMS] + [
        b"telephone the zeppelin mechanic",
        b"blorp the frobnicator",
        b"wake me up",
        b"06:45",
        b"Alarm",
    ]
    assistant.vault.close()
    marker = b"CONFIDE-POSITIVE-CONTROL-7f3a"
    (home / "blobs").mkdir(exist_ok=True)
    (home / "blobs" / "planted.txt").write_bytes(b"xx" + marker + b"yy")
    hits = scan_home(home, [*needles, marker])
    assert hits[marker], "positive control not found: the scan is not reading the files"
    leaked = {n.decode(): [str(p) for p in hits[n]] for n in needles if hits[n]}
    assert leaked == {}


def test_invisible_characters_do_not_make_a_second_item(assistant: Assistant) -> None:
    assistant.ask("put eggs on the shopping list")
    again = assistant.ask("put \u200beggs on the shopping list")
    assert again.transcript == "put eggs on the shopping list"
    assert again.actions == ()  # already on the list: nothing new stored


def test_members_added_elsewhere_are_understood(
    assistant: Assistant, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Vault.open(home)  # e.g. the CLI beside `serve`
    other.add_member(assistant.household_id, "Carol")
    other.close()
    monkeypatch.setattr("confide.assistant.RECHECK_SECONDS", 0.0)
    out = assistant.ask("tell Carol the keys are under the mat")
    assert out.intent == "message.send"
    assert out.slots["recipient"] == "Carol"
