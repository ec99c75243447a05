"""timer.set / timer.cancel / timer.status with a controllable wall."""

import pytest

from confide.language import HouseholdLists, Recognizer
from confide.skills import SkillError, handle


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer()


def test_set(ctx, store, wall):
    result = handle("timer.set", {"duration_s": 300}, ctx())
    assert result.reply == "Timer set for 5 minutes."
    [record] = store.list("timer")
    assert dict(record.payload) == {
        "duration_s": 300,
        "started_at": "2026-11-22T08:00:00",
        "ends_at": "2026-11-22T08:05:00",
    }
    assert record.member_id == "mem-alice"
    [action] = result.actions
    assert (action.op, action.kind, action.record_id) == ("create", "timer", record.id)
    assert dict(action.data) == dict(record.payload)


@pytest.mark.parametrize(
    ("slots", "reply", "name"),
    [
        ({"duration_s": 300, "name": "pasta"}, "Pasta timer set for 5 minutes.", "pasta"),
        ({"duration_s": 300, "name": "the Pasta timer"}, "Pasta timer set for 5 minutes.", "Pasta"),
        ({"duration_s": "90"}, "Timer set for 1 minute 30 seconds.", None),
        ({"duration_s": 3600}, "Timer set for 1 hour.", None),
        ({"duration_s": 5400, "name": " "}, "Timer set for 1 hour 30 minutes.", None),
        ({"duration_s": 1}, "Timer set for 1 second.", None),
    ],
)
def test_set_phrasing_and_names(ctx, store, slots, reply, name):
    assert handle("timer.set", slots, ctx()).reply == reply
    assert store.list("timer")[0].payload.get("name") == name


@pytest.mark.parametrize(
    "slots",
    [
        {},
        {"duration_s": 0},
        {"duration_s": -5},
        {"duration_s": "five"},
        {"duration_s": True},
        {"duration_s": 2.5},
        {"duration_s": 24 * 3600 + 1},
        {"duration_s": 60, "name": 7},
    ],
)
def test_set_with_bad_slots(ctx, store, slots):
    with pytest.raises(SkillError) as err:
        handle("timer.set", slots, ctx())
    assert err.value.code == "bad_slots"
    assert store.all() == []


def test_status_counts_down_as_time_passes(ctx, wall):
    handle("timer.set", {"duration_s": 300, "name": "pasta"}, ctx())
    wall.advance(seconds=48)
    result = handle("timer.status", {}, ctx())
    assert result.reply == "4 minutes 12 seconds left on your pasta timer."
    assert [a.op for a in result.actions] == ["read"]
    wall.advance(seconds=251.5)
    assert handle("timer.status", {}, ctx()).reply == "1 second left on your pasta timer."
    wall.advance(seconds=1)
    assert handle("timer.status", {}, ctx()).reply == "Your pasta timer is done."


def test_status_of_several_timers_soonest_first(ctx, wall):
    handle("timer.set", {"duration_s": 600}, ctx())
    handle("timer.set", {"duration_s": 2 * 3600 + 30, "name": "bread"}, ctx())
    handle("timer.set", {"duration_s": 120, "name": "eggs"}, ctx())
    wall.advance(seconds=30)
    assert handle("timer.status", {}, ctx()).reply == (
        "1 minute 30 seconds left on your eggs timer, "
        "9 minutes 30 seconds left on your 10 minute timer "
        "and 2 hours left on your bread timer."
    )
    assert handle("timer.status", {"name": "Bread"}, ctx()).reply == (
        "2 hours left on your bread timer."
    )


def test_status_and_cancel_without_timers(ctx, store, people):
    handle("timer.set", {"duration_s": 60}, ctx(speaker=people.bob))
    assert handle("timer.status", {}, ctx()).reply == "You have no timers."
    result = handle("timer.cancel", {}, ctx())
    assert (result.reply, result.actions) == ("You have no timers.", ())
    assert handle("timer.cancel", {"name": "pasta"}, ctx()).reply == "You have no pasta timer."
    assert store.updates == []


def test_cancel_cancels_the_one_ending_first(ctx, store):
    handle("timer.set", {"duration_s": 600, "name": "pasta"}, ctx())
    handle("timer.set", {"duration_s": 300}, ctx())
    result = handle("timer.cancel", {}, ctx())
    assert result.reply == "I cancelled your 5 minute timer."
    [action] = result.actions
    assert action.op == "cancel"
    assert store.get(action.record_id).status == "cancelled"
    assert [r.payload.get("name") for r in store.list("timer")] == ["pasta"]
    assert handle("timer.status", {}, ctx()).reply == "10 minutes left on your pasta timer."


def test_cancel_by_name(ctx, store):
    handle("timer.set", {"duration_s": 60}, ctx())
    handle("timer.set", {"duration_s": 600, "name": "pasta"}, ctx())
    result = handle("timer.cancel", {"name": "pasta timer"}, ctx())
    assert result.reply == "I cancelled your pasta timer."
    assert [r.payload["duration_s"] for r in store.list("timer")] == [60]


def test_cancel_stops_a_timer_that_has_ended(ctx, store, wall):
    handle("timer.set", {"duration_s": 60, "name": "tea"}, ctx())
    wall.advance(minutes=5)
    assert handle("timer.cancel", {}, ctx()).reply == "I cancelled your tea timer."
    assert store.list("timer") == []


def test_cancel_all_cancels_every_timer_of_the_speaker(ctx, store, people):
    ids = {handle("timer.set", {"duration_s": s}, ctx()).actions[0].record_id for s in (60, 300)}
    ids.add(handle("timer.set", {"duration_s": 90, "name": "pasta"}, ctx()).actions[0].record_id)
    handle("timer.set", {"duration_s": 60}, ctx(speaker=people.bob))
    result = handle("timer.cancel", {"all": True}, ctx())
    assert result.reply == "I cancelled your 3 timers."
    assert [(a.op, a.kind) for a in result.actions] == [("cancel", "timer")] * 3
    assert {a.record_id for a in result.actions} == ids
    assert all(store.get(i).status == "cancelled" for i in ids)
    assert store.list("timer", member_id="mem-alice") == []
    assert len(store.list("timer", member_id="mem-bob")) == 1


def test_cancel_all_with_one_or_no_timers(ctx, store, people):
    handle("timer.set", {"duration_s": 60}, ctx(speaker=people.bob))
    result = handle("timer.cancel", {"all": True}, ctx())
    assert (result.reply, result.actions) == ("You have no timers to cancel.", ())
    handle("timer.set", {"duration_s": 600, "name": "pasta"}, ctx())
    result = handle("timer.cancel", {"all": "true"}, ctx())
    assert result.reply == "I cancelled your pasta timer."
    assert len(result.actions) == 1
    assert store.list("timer", member_id="mem-alice") == []


def test_cancel_all_of_one_name(ctx, store):
    handle("timer.set", {"duration_s": 60, "name": "pasta"}, ctx())
    handle("timer.set", {"duration_s": 120, "name": "pasta"}, ctx())
    handle("timer.set", {"duration_s": 180, "name": "rice"}, ctx())
    result = handle("timer.cancel", {"all": True, "name": "pasta"}, ctx())
    assert result.reply == "I cancelled your 2 pasta timers."
    assert len(result.actions) == 2
    assert [r.payload["name"] for r in store.list("timer")] == ["rice"]
    result = handle("timer.cancel", {"all": True, "name": "egg"}, ctx())
    assert (result.reply, result.actions) == ("You have no egg timers to cancel.", ())


@pytest.mark.parametrize("flag", [False, "false", None])
def test_all_false_cancels_one(ctx, store, flag):
    handle("timer.set", {"duration_s": 60}, ctx())
    handle("timer.set", {"duration_s": 120}, ctx())
    assert len(handle("timer.cancel", {"all": flag}, ctx()).actions) == 1
    assert len(store.list("timer")) == 1


@pytest.mark.parametrize("flag", [1, "yes", "all", [True]])
def test_cancel_with_bad_all(ctx, store, flag):
    handle("timer.set", {"duration_s": 60}, ctx())
    with pytest.raises(SkillError) as err:
        handle("timer.cancel", {"all": flag}, ctx())
    assert err.value.code == "bad_slots"
    assert store.updates == []


def test_named_cancel_never_cancels_another_timer(ctx, store):
    # The rice timer ends first: without the name it would be the one cancelled.
    handle("timer.set", {"duration_s": 60, "name": "rice"}, ctx())
    pasta = handle("timer.set", {"duration_s": 600, "name": "pasta"}, ctx()).actions[0]
    result = handle("timer.cancel", {"name": "pasta"}, ctx())
    assert result.reply == "I cancelled your pasta timer."
    assert [a.record_id for a in result.actions] == [pasta.record_id]
    assert [r.payload["name"] for r in store.list("timer")] == ["rice"]
    result = handle("timer.cancel", {"name": "egg"}, ctx())
    assert (result.reply, result.actions) == ("You have no egg timer.", ())
    assert [r.payload["name"] for r in store.list("timer")] == ["rice"]


def test_names_match_ignoring_case_and_plural(ctx, store):
    handle("timer.set", {"duration_s": 60, "name": "rice"}, ctx())
    handle("timer.set", {"duration_s": 600, "name": "eggs"}, ctx())
    handle("timer.set", {"duration_s": 300, "name": "potato"}, ctx())
    assert handle("timer.status", {"name": "Egg"}, ctx()).reply == (
        "10 minutes left on your eggs timer."
    )
    assert handle("timer.cancel", {"name": "potatoes"}, ctx()).reply == (
        "I cancelled your potato timer."
    )
    assert [r.payload["name"] for r in store.list("timer")] == ["rice", "eggs"]


def test_named_status_reads_only_that_timer(ctx, wall):
    handle("timer.set", {"duration_s": 60, "name": "rice"}, ctx())
    pasta = handle("timer.set", {"duration_s": 600, "name": "pasta"}, ctx()).actions[0]
    wall.advance(minutes=2)
    result = handle("timer.status", {"name": "pasta"}, ctx())
    assert result.reply == "8 minutes left on your pasta timer."
    assert [(a.op, a.record_id) for a in result.actions] == [("read", pasta.record_id)]
    assert handle("timer.status", {"name": "rice"}, ctx()).reply == "Your rice timer is done."
    result = handle("timer.status", {"name": "tea"}, ctx())
    assert (result.reply, result.actions) == ("You have no tea timer.", ())


@pytest.mark.parametrize(
    ("text", "reply", "left"),
    [
        ("cancel the pasta timer", "I cancelled your pasta timer.", ["rice", "egg"]),
        ("stop the egg timer", "I cancelled your egg timer.", ["rice", "pasta"]),
        ("cancel all my timers", "I cancelled your 3 timers.", []),
        ("cancel my timers", "I cancelled your 3 timers.", []),
        ("stop the timers", "I cancelled your 3 timers.", []),
        ("cancel the pasta timers", "I cancelled your pasta timer.", ["rice", "egg"]),
        ("cancel the timer", "I cancelled your rice timer.", ["pasta", "egg"]),
        ("how long is left on the pasta timer", "10 minutes left on your pasta timer.", None),
        ("what's left on the egg timer", "20 minutes left on your egg timer.", None),
    ],
)
def test_spoken_timer_commands_touch_the_right_timers(recognizer, ctx, store, text, reply, left):
    """From the words to the records: the recogniser's slots drive the skill."""
    handle("timer.set", {"duration_s": 60, "name": "rice"}, ctx())
    handle("timer.set", {"duration_s": 600, "name": "pasta"}, ctx())
    handle("timer.set", {"duration_s": 1200, "name": "egg"}, ctx())
    got = recognizer.recognize(text, HouseholdLists(), ctx().now)
    assert got.intent is not None
    assert handle(got.intent, got.slots, ctx()).reply == reply
    if left is not None:
        assert [r.payload["name"] for r in store.list("timer")] == left
