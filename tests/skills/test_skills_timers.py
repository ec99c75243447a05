"""timer.set / timer.cancel / timer.status with a controllable wall."""

import pytest

from confide.skills import SkillError, handle


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
