"""The scheduler: due() and fire_due() make timers, alarms and reminders go off."""

from datetime import datetime

from confide.skills import Fired, due, fire_due, handle


def test_nothing_due_in_an_empty_store(store, wall):
    assert due(store, wall.now) == []
    assert fire_due(store, wall.now) == []


def test_timer_fires_once_at_its_end(ctx, store, wall):
    handle("timer.set", {"duration_s": 300, "name": "pasta"}, ctx())
    assert fire_due(store, wall.advance(seconds=299)) == []
    assert due(store, wall.now) == []
    now = wall.advance(seconds=1)
    [record] = due(store, now)
    assert record.kind == "timer"
    [fired] = fire_due(store, now)
    assert fired == Fired(
        record_id=record.id,
        kind="timer",
        member_id="mem-alice",
        text="Your pasta timer is done.",
        due_at=datetime(2026, 11, 22, 8, 5),
    )
    assert store.get(record.id).status == "done"
    assert fire_due(store, wall.advance(seconds=1)) == []
    assert handle("timer.status", {}, ctx()).reply == "You have no timers."


def test_unnamed_timer_announcement(ctx, store, wall):
    handle("timer.set", {"duration_s": 90}, ctx())
    [fired] = fire_due(store, wall.advance(minutes=2))
    assert fired.text == "Your 1 minute 30 second timer is done."


def test_cancelled_timer_never_fires(ctx, store, wall):
    handle("timer.set", {"duration_s": 60}, ctx())
    handle("timer.cancel", {}, ctx())
    assert fire_due(store, wall.advance(minutes=5)) == []


def test_one_off_alarm_fires_and_is_done(ctx, store, wall):
    handle("alarm.set", {"time": "06:45"}, ctx())  # Monday 06:45
    assert fire_due(store, datetime(2026, 11, 23, 6, 44, 59)) == []
    [fired] = fire_due(store, datetime(2026, 11, 23, 6, 45, 0, 400000))
    assert (fired.kind, fired.text, fired.next_at) == (
        "alarm",
        "Your 6:45 am alarm is ringing.",
        None,
    )
    assert store.get(fired.record_id).status == "done"
    assert fire_due(store, datetime(2026, 11, 24, 6, 45)) == []


def test_repeating_alarm_advances_across_the_weekend(ctx, store):
    friday = datetime(2026, 11, 27, 6, 0)
    handle("alarm.set", {"time": "06:30", "repeat": "weekdays"}, ctx(now=friday))
    [fired] = fire_due(store, datetime(2026, 11, 27, 6, 30, 1))
    assert fired.text == "Your 6:30 am alarm is ringing."
    assert fired.due_at == datetime(2026, 11, 27, 6, 30)
    assert fired.next_at == datetime(2026, 11, 30, 6, 30)  # Monday
    record = store.get(fired.record_id)
    assert record.status == "active"
    assert record.payload["next_at"] == "2026-11-30T06:30:00"
    assert record.payload["repeat"] == "weekdays"
    assert record.payload["time"] == "06:30"
    # Nothing more over the weekend; Monday it rings again and moves to Tuesday.
    assert fire_due(store, datetime(2026, 11, 29, 23, 59)) == []
    [monday] = fire_due(store, datetime(2026, 11, 30, 6, 30))
    assert monday.next_at == datetime(2026, 12, 1, 6, 30)


def test_repeating_alarm_missed_for_days_rings_once_and_moves_past_now(ctx, store):
    handle("alarm.set", {"time": "07:00", "repeat": "daily"}, ctx())  # Monday 07:00
    later = datetime(2026, 11, 26, 9, 0)  # Thursday, the server was down
    [fired] = fire_due(store, later)
    assert fired.due_at == datetime(2026, 11, 23, 7, 0)
    assert fired.next_at == datetime(2026, 11, 27, 7, 0)
    assert fire_due(store, later) == []


def test_reminder_fires_and_is_done(ctx, store):
    handle("reminder.set", {"task": "call mum", "when": "2026-11-22T18:00"}, ctx())
    [fired] = fire_due(store, datetime(2026, 11, 22, 18, 0))
    assert (fired.kind, fired.text) == ("reminder", "Here's your reminder to call mum.")
    assert store.get(fired.record_id).status == "done"


def test_fires_everything_due_earliest_first_with_owners(ctx, store, people):
    handle("reminder.set", {"task": "call mum", "when": "2026-11-22T08:30"}, ctx())
    handle("timer.set", {"duration_s": 600}, ctx(speaker=people.bob))  # 08:10
    handle("alarm.set", {"time": "08:20"}, ctx(speaker=people.cara))
    handle("alarm.set", {"time": "09:00"}, ctx())  # not yet
    handle("calendar.add", {"title": "Dentist", "start": "2026-11-22T08:15"}, ctx())  # never fires
    fired = fire_due(store, datetime(2026, 11, 22, 8, 45))
    assert [(f.kind, f.member_id) for f in fired] == [
        ("timer", "mem-bob"),
        ("alarm", "mem-cara"),
        ("reminder", "mem-alice"),
    ]
    assert [r.payload["time"] for r in store.list("alarm")] == ["09:00"]
    assert len(store.list("calendar_event")) == 1


def test_unreadable_records_are_skipped(store, wall):
    store.create("timer", {"duration_s": 60}, member_id="mem-alice")
    store.create("alarm", {"time": "06:45", "next_at": "soon"}, member_id="mem-alice")
    good = store.create(
        "reminder", {"task": "x", "when": "2026-11-22T07:00"}, member_id="mem-alice"
    )
    assert [r.id for r in due(store, wall.now)] == [good.id]
    assert [f.record_id for f in fire_due(store, wall.now)] == [good.id]


def test_a_record_that_cannot_be_updated_does_not_stop_the_others(store, monkeypatch):
    first = store.create(
        "timer", {"duration_s": 1, "ends_at": "2026-11-22T08:00"}, member_id="mem-alice"
    )
    second = store.create(
        "timer", {"duration_s": 1, "ends_at": "2026-11-22T08:01"}, member_id="mem-alice"
    )
    real_update = store.update

    def update(record_id, **kw):
        if record_id == first.id:  # deleted between listing and updating
            store.delete(first.id)
        return real_update(record_id, **kw)

    monkeypatch.setattr(store, "update", update)
    fired = fire_due(store, datetime(2026, 11, 22, 9, 0))
    assert [f.record_id for f in fired] == [second.id]
    assert store.get(second.id).status == "done"
