"""reminder.set, calendar.add and calendar.list (now: Sunday 22 November 2026, 08:00)."""

import pytest

from confide.skills import SkillError, handle


def test_reminder_set(ctx, store):
    result = handle("reminder.set", {"task": "buy milk", "when": "2026-11-22T18:00"}, ctx())
    assert result.reply == "I'll remind you to buy milk at 6 pm today."
    [record] = store.list("reminder")
    assert dict(record.payload) == {"task": "buy milk", "when": "2026-11-22T18:00"}
    assert record.member_id == "mem-alice"
    [action] = result.actions
    assert (action.op, action.kind, action.record_id) == ("create", "reminder", record.id)
    assert dict(action.data) == dict(record.payload)


@pytest.mark.parametrize(
    ("task", "when", "reply", "stored"),
    [
        ("to call mum.", "2026-11-23T09:15", "I'll remind you to call mum at 9:15 am tomorrow.",
         "call mum"),
        ("about the dentist", "2026-11-26T08:00:00",
         "I'll remind you about the dentist at 8 am on Thursday.", "about the dentist"),
    ],
)  # fmt: skip
def test_reminder_phrasing(ctx, store, task, when, reply, stored):
    assert handle("reminder.set", {"task": task, "when": when}, ctx()).reply == reply
    assert store.list("reminder")[0].payload["task"] == stored


@pytest.mark.parametrize(
    "slots",
    [
        {"when": "2026-11-22T18:00"},
        {"task": "  ", "when": "2026-11-22T18:00"},
        {"task": "buy milk"},
        {"task": "buy milk", "when": "2026-11-22"},
        {"task": "buy milk", "when": "tomorrow at six"},
        {"task": "buy milk", "when": "2026-11-22T18:00+01:00"},
        {"task": "buy milk", "when": "2026-11-22T07:00"},  # in the past
        {"task": "buy milk", "when": "2026-11-22T08:00"},  # now
        {"task": "x" * 1001, "when": "2026-11-22T18:00"},
    ],
)
def test_reminder_bad_slots(ctx, store, slots):
    with pytest.raises(SkillError) as err:
        handle("reminder.set", slots, ctx())
    assert err.value.code == "bad_slots"
    assert store.all() == []


def test_reminder_twice_keeps_one(ctx, store):
    handle("reminder.set", {"task": "buy milk", "when": "2026-11-22T18:00"}, ctx())
    result = handle("reminder.set", {"task": "Buy milk", "when": "2026-11-22T18:00"}, ctx())
    assert (result.reply, result.actions) == ("You already have that reminder.", ())
    handle("reminder.set", {"task": "buy milk", "when": "2026-11-23T18:00"}, ctx())
    assert len(store.list("reminder")) == 2


def test_calendar_add(ctx, store):
    result = handle("calendar.add", {"title": "Dentist", "start": "2026-11-27T15:00"}, ctx())
    assert result.reply == "I added Dentist to your calendar for 3 pm on Friday."
    [record] = store.list("calendar_event")
    assert dict(record.payload) == {"title": "Dentist", "start": "2026-11-27T15:00"}
    [action] = result.actions
    assert (action.op, action.kind, action.record_id) == ("create", "calendar_event", record.id)
    again = handle("calendar.add", {"title": "dentist", "start": "2026-11-27T15:00"}, ctx())
    assert (again.reply, again.actions) == ("That's already on your calendar.", ())
    assert len(store.list("calendar_event")) == 1


@pytest.mark.parametrize(
    "slots",
    [{}, {"title": "Dentist"}, {"start": "2026-11-27T15:00"},
     {"title": "Dentist", "start": "Friday"}, {"title": "...", "start": "2026-11-27T15:00"}],
)  # fmt: skip
def test_calendar_add_bad_slots(ctx, store, slots):
    with pytest.raises(SkillError) as err:
        handle("calendar.add", slots, ctx())
    assert err.value.code == "bad_slots"
    assert store.all() == []


def add(ctx, title, start, **kw):
    handle("calendar.add", {"title": title, "start": start}, ctx(**kw))


def test_calendar_list_default_is_today_and_upcoming(ctx, people):
    assert handle("calendar.list", {}, ctx()).reply == "You have nothing on your calendar."
    add(ctx, "Football", "2026-11-23T17:00")
    add(ctx, "Yoga", "2026-11-21T10:00")  # yesterday: not listed
    add(ctx, "Breakfast", "2026-11-22T07:30")  # earlier today: listed
    add(ctx, "Poker", "2026-11-22T20:00", speaker=people.bob)  # Bob's: not listed
    result = handle("calendar.list", {}, ctx())
    assert result.reply == ("You have Breakfast at 7:30 am today and Football at 5 pm tomorrow.")
    assert [a.op for a in result.actions] == ["read", "read"]


def test_calendar_list_a_day(ctx):
    add(ctx, "Football", "2026-11-27T17:00")
    add(ctx, "Dentist", "2026-11-27T15:00")
    add(ctx, "Haircut", "2026-11-28T10:00")
    result = handle("calendar.list", {"date": "2026-11-27"}, ctx())
    assert result.reply == "On Friday you have Dentist at 3 pm and Football at 5 pm."
    assert len(result.actions) == 2
    empty = handle("calendar.list", {"date": "2026-11-22"}, ctx())
    assert (empty.reply, empty.actions) == ("You have nothing on your calendar today.", ())
    tomorrow = handle("calendar.list", {"date": "2026-11-23"}, ctx())
    assert tomorrow.reply == "You have nothing on your calendar tomorrow."


def test_calendar_list_many_reads_the_next_five(ctx):
    for day in range(23, 30):
        add(ctx, f"Class {day}", f"2026-11-{day}T18:00")
    result = handle("calendar.list", {}, ctx())
    assert result.reply.startswith("You have 7 events coming up. The next 5 are Class 23 at 6 pm")
    assert "Class 27" in result.reply
    assert "Class 28" not in result.reply
    assert len(result.actions) == 5


def test_calendar_list_bad_date(ctx):
    with pytest.raises(SkillError) as err:
        handle("calendar.list", {"date": "next week"}, ctx())
    assert err.value.code == "bad_slots"
