"""alarm.set, alarm.cancel, alarm.list (the wall clock starts on Sunday 22 November 2026, 8 am)."""

from datetime import datetime

import pytest

from confide.language import HouseholdLists, Recognizer
from confide.skills import SkillError, handle


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer()


def set_alarm(ctx, **slots):
    return handle("alarm.set", slots, ctx())


def test_set_one_off_later_today(ctx, store):
    result = set_alarm(ctx, time="09:30")
    assert result.reply == "Alarm set for 9:30 am today."
    [record] = store.list("alarm")
    assert dict(record.payload) == {"time": "09:30", "next_at": "2026-11-22T09:30:00"}
    assert record.member_id == "mem-alice"
    assert record.origin_turn_id == "turn-1"
    [action] = result.actions
    assert (action.op, action.kind, action.record_id) == ("create", "alarm", record.id)
    assert dict(action.data) == dict(record.payload)


def test_set_time_already_past_today_rings_tomorrow(ctx, store):
    result = set_alarm(ctx, time="06:45")
    assert result.reply == "Alarm set for 6:45 am tomorrow."
    assert store.list("alarm")[0].payload["next_at"] == "2026-11-23T06:45:00"


def test_set_exactly_now_rings_tomorrow(ctx, store):
    set_alarm(ctx, time="08:00")
    assert store.list("alarm")[0].payload["next_at"] == "2026-11-23T08:00:00"


@pytest.mark.parametrize(
    ("date", "time", "reply"),
    [
        ("2026-11-27", "07:00", "Alarm set for 7 am on Friday."),
        ("2026-12-25", "12:00", "Alarm set for 12 pm on Friday, 25 December."),
        ("2027-01-04", "00:15", "Alarm set for 12:15 am on Monday, 4 January 2027."),
        ("2026-11-22", "20:05", "Alarm set for 8:05 pm today."),
    ],
)
def test_set_with_date(ctx, store, date, time, reply):
    assert set_alarm(ctx, time=time, date=date).reply == reply
    payload = store.list("alarm")[0].payload
    assert payload["date"] == date
    assert payload["next_at"] == f"{date}T{time}:00"
    assert "repeat" not in payload


def test_set_with_date_in_the_past_is_refused(ctx, store):
    for date, time in [("2026-11-21", "09:00"), ("2026-11-22", "07:59")]:
        with pytest.raises(SkillError) as err:
            set_alarm(ctx, time=time, date=date)
        assert err.value.code == "bad_slots"
    assert store.all() == []


@pytest.mark.parametrize(
    ("now", "time", "repeat", "next_at", "reply"),
    [
        # Friday evening, weekdays: skips the weekend to Monday.
        (datetime(2026, 11, 27, 20, 0), "06:30", "weekdays", "2026-11-30T06:30:00",
         "Alarm set for 6:30 am on weekdays."),
        # Friday morning before the ring: today still counts.
        (datetime(2026, 11, 27, 6, 0), "06:30", "weekdays", "2026-11-27T06:30:00",
         "Alarm set for 6:30 am on weekdays."),
        # Sunday after the ring, weekends: next Saturday.
        (datetime(2026, 11, 22, 8, 0), "07:00", "weekends", "2026-11-28T07:00:00",
         "Alarm set for 7 am on weekends."),
        # Sunday before the ring, weekends: today.
        (datetime(2026, 11, 22, 8, 0), "09:00", "weekends", "2026-11-22T09:00:00",
         "Alarm set for 9 am on weekends."),
        # Monday after the ring, weekends: Saturday, not Tuesday.
        (datetime(2026, 11, 23, 10, 0), "09:00", "weekends", "2026-11-28T09:00:00",
         "Alarm set for 9 am on weekends."),
        (datetime(2026, 11, 22, 8, 0), "07:00", "daily", "2026-11-23T07:00:00",
         "Alarm set for 7 am every day."),
        (datetime(2026, 11, 22, 8, 0), "07:00", "Mondays", "2026-11-23T07:00:00",
         "Alarm set for 7 am every Monday."),
        # Sunday to Sunday: a week later when today's ring has passed.
        (datetime(2026, 11, 22, 8, 0), "07:00", "sunday", "2026-11-29T07:00:00",
         "Alarm set for 7 am every Sunday."),
    ],
)  # fmt: skip
def test_set_repeating(ctx, store, now, time, repeat, next_at, reply):
    result = handle("alarm.set", {"time": time, "repeat": repeat}, ctx(now=now))
    assert result.reply == reply
    payload = store.list("alarm")[0].payload
    assert payload["next_at"] == next_at
    assert payload["repeat"] == {"Mondays": "monday"}.get(repeat, repeat)


def test_set_repeating_from_a_start_date(ctx, store):
    # Tuesday 1 December, weekends: first ring Saturday 5 December.
    result = set_alarm(ctx, time="08:30", date="2026-12-01", repeat="weekends")
    assert result.reply == "Alarm set for 8:30 am on weekends, starting on Saturday, 5 December."
    payload = store.list("alarm")[0].payload
    assert payload["next_at"] == "2026-12-05T08:30:00"
    assert payload["date"] == "2026-12-01"


@pytest.mark.parametrize(
    "slots",
    [
        {},
        {"time": ""},
        {"time": "25:00"},
        {"time": "6:45am"},
        {"time": 645},
        {"time": "06:45", "date": "2026-02-30"},
        {"time": "06:45", "date": "tomorrow"},
        {"time": "06:45", "repeat": "fortnightly"},
    ],
)
def test_set_with_bad_slots(ctx, store, slots):
    with pytest.raises(SkillError) as err:
        handle("alarm.set", slots, ctx())
    assert err.value.code == "bad_slots"
    assert store.all() == []


def test_set_same_alarm_twice_keeps_one(ctx, store):
    set_alarm(ctx, time="06:45")
    result = set_alarm(ctx, time="06:45")
    assert result.reply == "You already have an alarm for 6:45 am tomorrow."
    assert result.actions == ()
    assert len(store.list("alarm")) == 1
    # A different repeat is a different alarm.
    set_alarm(ctx, time="06:45", repeat="weekdays")
    assert len(store.list("alarm")) == 2


def test_list(ctx, people):
    assert handle("alarm.list", {}, ctx()).reply == "You have no alarms."
    set_alarm(ctx, time="07:00", repeat="weekdays")
    assert handle("alarm.list", {}, ctx()).reply == "You have one alarm: 7 am on weekdays."
    set_alarm(ctx, time="06:45")
    handle("alarm.set", {"time": "05:00"}, ctx(speaker=people.bob))
    result = handle("alarm.list", {}, ctx())
    # Sorted by next ring; Bob's alarm is not Alice's.
    assert result.reply == "You have 2 alarms: 6:45 am tomorrow and 7 am on weekdays."
    assert [a.op for a in result.actions] == ["read", "read"]
    assert all(a.kind == "alarm" and a.record_id for a in result.actions)


def test_cancel_when_nothing_is_set(ctx, store):
    result = handle("alarm.cancel", {}, ctx())
    assert result.reply == "You have no alarms."
    assert result.actions == ()
    result = handle("alarm.cancel", {"time": "07:00"}, ctx())
    assert result.reply == "You have no alarm for 7 am."
    assert result.actions == ()
    assert store.updates == []


def test_cancel_without_time_cancels_the_next_one(ctx, store):
    set_alarm(ctx, time="06:45")  # tomorrow
    set_alarm(ctx, time="09:30")  # today: the next one
    result = handle("alarm.cancel", {}, ctx())
    assert result.reply == "I cancelled your alarm for 9:30 am today."
    [action] = result.actions
    assert action.op == "cancel"
    assert store.get(action.record_id).status == "cancelled"
    assert store.get(action.record_id).payload["time"] == "09:30"
    [left] = store.list("alarm")
    assert left.payload["time"] == "06:45"


def test_cancel_by_time_only_touches_the_speakers_matching_alarms(ctx, store, people):
    set_alarm(ctx, time="06:45")
    set_alarm(ctx, time="07:00", repeat="weekdays")
    handle("alarm.set", {"time": "06:45"}, ctx(speaker=people.bob))
    result = handle("alarm.cancel", {"time": "06:45"}, ctx())
    assert result.reply == "I cancelled your alarm for 6:45 am tomorrow."
    assert [r.payload["time"] for r in store.list("alarm", member_id="mem-alice")] == ["07:00"]
    assert len(store.list("alarm", member_id="mem-bob")) == 1


def test_cancel_repeating_by_time(ctx, store):
    set_alarm(ctx, time="07:00", repeat="weekdays")
    set_alarm(ctx, time="07:00", repeat="weekends")
    result = handle("alarm.cancel", {"time": "07:00"}, ctx())
    assert result.reply == "I cancelled 2 alarms for 7 am."
    assert len(result.actions) == 2
    assert store.list("alarm") == []


def test_cancel_with_bad_time(ctx):
    with pytest.raises(SkillError) as err:
        handle("alarm.cancel", {"time": "noon"}, ctx())
    assert err.value.code == "bad_slots"


def test_cancel_all_cancels_every_alarm_of_the_speaker(ctx, store, people):
    ids = {
        set_alarm(ctx, time="06:45").actions[0].record_id,
        set_alarm(ctx, time="09:30").actions[0].record_id,
        set_alarm(ctx, time="07:00", repeat="weekdays").actions[0].record_id,
    }
    handle("alarm.set", {"time": "06:45"}, ctx(speaker=people.bob))
    result = handle("alarm.cancel", {"all": True}, ctx())
    assert result.reply == "I cancelled your 3 alarms."
    assert [(a.op, a.kind) for a in result.actions] == [("cancel", "alarm")] * 3
    assert {a.record_id for a in result.actions} == ids
    assert all(store.get(i).status == "cancelled" for i in ids)
    assert store.list("alarm", member_id="mem-alice") == []
    assert len(store.list("alarm", member_id="mem-bob")) == 1


def test_cancel_all_with_one_or_no_alarms(ctx, store, people):
    handle("alarm.set", {"time": "06:45"}, ctx(speaker=people.bob))
    result = handle("alarm.cancel", {"all": True}, ctx())
    assert (result.reply, result.actions) == ("You have no alarms to cancel.", ())
    set_alarm(ctx, time="06:45")
    result = handle("alarm.cancel", {"all": True}, ctx())
    assert result.reply == "I cancelled your alarm for 6:45 am tomorrow."
    assert len(result.actions) == 1
    assert store.list("alarm", member_id="mem-alice") == []


def test_cancel_all_at_a_time_keeps_the_others(ctx, store):
    set_alarm(ctx, time="07:00", repeat="weekdays")
    set_alarm(ctx, time="07:00", date="2026-11-28")
    set_alarm(ctx, time="09:30")
    result = handle("alarm.cancel", {"all": True, "time": "07:00"}, ctx())
    assert result.reply == "I cancelled 2 alarms for 7 am."
    assert [r.payload["time"] for r in store.list("alarm")] == ["09:30"]


def test_cancel_with_bad_all(ctx, store):
    set_alarm(ctx, time="07:00")
    with pytest.raises(SkillError) as err:
        handle("alarm.cancel", {"all": "everything"}, ctx())
    assert err.value.code == "bad_slots"
    assert len(store.list("alarm")) == 1


@pytest.mark.parametrize(
    "text", ["cancel all my alarms", "delete all alarms", "turn off all my alarms"]
)
def test_spoken_cancel_all_alarms(recognizer, ctx, store, text):
    """From the words to the records: "all" cancels every alarm, not just the next one."""
    set_alarm(ctx, time="06:45")
    set_alarm(ctx, time="09:30")
    got = recognizer.recognize(text, HouseholdLists(), ctx().now)
    assert (got.intent, dict(got.slots)) == ("alarm.cancel", {"all": True})
    result = handle(got.intent, got.slots, ctx())
    assert result.reply == "I cancelled your 2 alarms."
    assert store.list("alarm") == []


@pytest.mark.parametrize("text", ["cancel my alarms", "turn off my alarms", "disable the alarms"])
def test_spoken_plural_cancels_every_alarm(recognizer, ctx, store, text):
    """A plural noun is every alarm, not just the next one."""
    set_alarm(ctx, time="06:45")
    set_alarm(ctx, time="09:30")
    got = recognizer.recognize(text, HouseholdLists(), ctx().now)
    result = handle(got.intent, got.slots, ctx())
    assert result.reply == "I cancelled your 2 alarms."
    assert store.list("alarm") == []


# Now is Sunday 22 November, 8 am: tomorrow is Monday 23, Friday is 27.


def test_cancel_on_a_date_only_touches_that_day(ctx, store):
    set_alarm(ctx, time="09:30")  # today: the next to ring, must stay
    tomorrow = set_alarm(ctx, time="06:45", date="2026-11-23").actions[0].record_id
    set_alarm(ctx, time="07:00", date="2026-11-27")
    result = handle("alarm.cancel", {"date": "2026-11-23"}, ctx())
    assert result.reply == "I cancelled your alarm for 6:45 am tomorrow."
    assert [a.record_id for a in result.actions] == [tomorrow]
    assert [r.payload["time"] for r in store.list("alarm")] == ["09:30", "07:00"]


def test_cancel_on_a_date_without_alarms_that_day_cancels_nothing(ctx, store):
    set_alarm(ctx, time="09:30")
    result = handle("alarm.cancel", {"date": "2026-11-23"}, ctx())
    assert (result.reply, result.actions) == ("You have no alarm for tomorrow.", ())
    result = handle("alarm.cancel", {"date": "2026-11-27", "all": True}, ctx())
    assert (result.reply, result.actions) == ("You have no alarm on Friday.", ())
    result = handle("alarm.cancel", {"date": "2026-11-22", "time": "10:00"}, ctx())
    assert (result.reply, result.actions) == ("You have no alarm for 10 am today.", ())
    assert store.updates == []


def test_cancel_on_a_date_with_several_asks_which(ctx, store):
    set_alarm(ctx, time="06:45", date="2026-11-23")
    set_alarm(ctx, time="07:15", date="2026-11-23")
    result = handle("alarm.cancel", {"date": "2026-11-23"}, ctx())
    assert result.actions == ()
    assert result.reply == (
        "You have 2 alarms for tomorrow: 6:45 am and 7:15 am. "
        "Which one should I cancel? Say its time, or all of them."
    )
    assert len(store.list("alarm")) == 2


def test_cancel_all_on_a_date(ctx, store, people):
    set_alarm(ctx, time="06:45", date="2026-11-23")
    set_alarm(ctx, time="07:15", date="2026-11-23")
    set_alarm(ctx, time="09:30")  # today
    handle("alarm.set", {"time": "06:45", "date": "2026-11-23"}, ctx(speaker=people.bob))
    result = handle("alarm.cancel", {"date": "2026-11-23", "all": True}, ctx())
    assert result.reply == "I cancelled your 2 alarms for tomorrow."
    assert [r.payload["time"] for r in store.list("alarm", member_id="mem-alice")] == ["09:30"]
    assert len(store.list("alarm", member_id="mem-bob")) == 1


def test_cancel_at_a_time_on_a_date(ctx, store):
    set_alarm(ctx, time="07:00", date="2026-11-23")
    friday = set_alarm(ctx, time="07:00", date="2026-11-27").actions[0].record_id
    result = handle("alarm.cancel", {"date": "2026-11-27", "time": "07:00"}, ctx())
    assert result.reply == "I cancelled your alarm for 7 am on Friday."
    assert [a.record_id for a in result.actions] == [friday]
    assert [r.payload["date"] for r in store.list("alarm")] == ["2026-11-23"]


def test_a_date_never_cancels_a_repeating_alarm(ctx, store):
    set_alarm(ctx, time="07:00", repeat="weekdays")
    result = handle("alarm.cancel", {"date": "2026-11-23"}, ctx())
    assert result.actions == ()
    assert result.reply == (
        "I cancelled nothing. Your alarm for 7 am on weekdays repeats, so I left it on. "
        "To stop it altogether, say: cancel my 7 am alarm."
    )
    set_alarm(ctx, time="06:00", date="2026-11-23")
    result = handle("alarm.cancel", {"date": "2026-11-23", "all": True}, ctx())
    assert result.reply.startswith("I cancelled your alarm for 6 am tomorrow. Your alarm for")
    assert [r.payload["time"] for r in store.list("alarm")] == ["07:00"]
    # Sunday: the weekday alarm does not ring, so it is not mentioned.
    result = handle("alarm.cancel", {"date": "2026-11-29", "all": True}, ctx())
    assert (result.reply, result.actions) == ("You have no alarm on Sunday, 29 November.", ())
    assert len(store.list("alarm")) == 1


def test_cancel_with_bad_date(ctx, store):
    set_alarm(ctx, time="07:00")
    for bad in ("tomorrow", "2026-02-30"):
        with pytest.raises(SkillError) as err:
            handle("alarm.cancel", {"date": bad}, ctx())
        assert err.value.code == "bad_slots"
    assert len(store.list("alarm")) == 1


_DAY = ["09:30", "06:45", "07:15", "07:00"]  # today, tomorrow, tomorrow, Friday


@pytest.mark.parametrize(
    ("text", "reply", "cancelled"),
    [
        ("cancel my alarms for tomorrow", "I cancelled your 2 alarms for tomorrow.",
         ["06:45", "07:15"]),
        ("cancel tomorrow's alarm at 6:45", "I cancelled your alarm for 6:45 am tomorrow.",
         ["06:45"]),
        ("turn off my alarm for tomorrow at 7:15",
         "I cancelled your alarm for 7:15 am tomorrow.", ["07:15"]),
        ("cancel my alarm on friday", "I cancelled your alarm for 7 am on Friday.", ["07:00"]),
        ("cancel friday's alarm", "I cancelled your alarm for 7 am on Friday.", ["07:00"]),
    ],
)  # fmt: skip
def test_spoken_cancel_with_a_date_touches_only_that_day(
    recognizer, ctx, store, text, reply, cancelled
):
    """From the words to the records: the next alarm (today 9:30) is never the one cancelled."""
    set_alarm(ctx, time="09:30")
    set_alarm(ctx, time="06:45", date="2026-11-23")
    set_alarm(ctx, time="07:15", date="2026-11-23")
    set_alarm(ctx, time="07:00", date="2026-11-27")
    got = recognizer.recognize(text, HouseholdLists(), ctx().now)
    assert got.intent == "alarm.cancel"
    assert handle(got.intent, got.slots, ctx()).reply == reply
    assert [r.payload["time"] for r in store.list("alarm")] == [
        t for t in _DAY if t not in cancelled
    ]


def test_spoken_singular_cancel_for_a_day_with_two_alarms_asks(recognizer, ctx, store):
    set_alarm(ctx, time="06:45", date="2026-11-23")
    set_alarm(ctx, time="07:15", date="2026-11-23")
    got = recognizer.recognize("cancel tomorrow's alarm", HouseholdLists(), ctx().now)
    result = handle(got.intent, got.slots, ctx())
    assert result.actions == ()
    assert len(store.list("alarm")) == 2
