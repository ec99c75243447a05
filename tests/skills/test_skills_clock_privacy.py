"""time.get / date.get and the privacy intents."""

import dataclasses
from datetime import datetime

import pytest

from confide.skills import Forgotten, handle
from confide.skills.privacy import CANNOT_FORGET


@pytest.mark.parametrize(
    ("now", "reply"),
    [
        (datetime(2026, 11, 22, 15, 5), "It's 3:05 pm."),
        (datetime(2026, 11, 22, 15, 0, 59), "It's 3 pm."),
        (datetime(2026, 11, 22, 0, 10), "It's 12:10 am."),
        (datetime(2026, 11, 22, 12, 0), "It's 12 pm."),
        (datetime(2026, 11, 22, 9, 30), "It's 9:30 am."),
    ],
)
def test_time(ctx, store, now, reply):
    result = handle("time.get", {}, ctx(now=now))
    assert (result.reply, result.actions) == (reply, ())
    assert store.all() == []


@pytest.mark.parametrize(
    ("now", "reply"),
    [
        (datetime(2026, 11, 22, 8, 0), "Today is Sunday, 22 November 2026."),
        (datetime(2027, 1, 1, 23, 59), "Today is Friday, 1 January 2027."),
    ],
)
def test_date(ctx, now, reply):
    assert handle("date.get", {}, ctx(now=now)).reply == reply


def test_explain_with_nothing_kept(ctx):
    result = handle("privacy.explain", {}, ctx())
    assert result.reply.startswith(
        "I keep no alarms, timers, reminders, events, messages or shopping items for you."
    )
    assert "Your history shows" in result.reply
    assert result.actions == ()


def test_explain_counts_the_speakers_records(ctx, store, people):
    handle("alarm.set", {"time": "06:45"}, ctx())
    handle("alarm.set", {"time": "07:45"}, ctx())
    handle("alarm.set", {"time": "08:45"}, ctx())
    handle("alarm.cancel", {"time": "08:45"}, ctx())  # held, but no longer active
    handle("timer.set", {"duration_s": 60}, ctx())
    handle("shopping.add", {"item": "eggs"}, ctx())
    handle("message.send", {"recipient": "Bob", "body": "hi"}, ctx())
    handle("message.send", {"recipient": "me", "body": "note to self"}, ctx())
    handle("message.send", {"recipient": "Alice", "body": "hello"}, ctx(speaker=people.bob))
    handle("message.send", {"recipient": "Alice", "body": "again"}, ctx(speaker=people.bob))
    handle("alarm.set", {"time": "05:00"}, ctx(speaker=people.bob))  # not Alice's
    handle("shopping.add", {"item": "milk"}, ctx(speaker=people.bob))  # not Alice's

    result = handle("privacy.explain", {}, ctx())
    assert result.reply == (
        "Right now I keep 2 alarms, 1 timer, 2 messages you sent, 1 shopping list item you added"
        " and 2 messages for you from others."
        " I also still hold 1 finished or cancelled record until your retention settings"
        " remove it."
        " Your history shows every request I keep and everything made from it."
    )
    counts = {(a.kind, tuple(a.data.items())) for a in result.actions}
    assert ("alarm", (("count", 2),)) in counts
    assert ("message", (("received", 2),)) in counts
    assert all(a.op == "read" for a in result.actions)


@pytest.mark.parametrize("intent", ["privacy.forget_last", "privacy.forget_today"])
def test_forget_without_a_forgetter_is_honest_and_does_nothing(ctx, store, intent):
    handle("alarm.set", {"time": "06:45"}, ctx())
    before = store.all()
    result = handle(intent, {}, ctx())
    assert result.reply == CANNOT_FORGET
    assert "can't delete" in result.reply
    assert result.actions == ()
    assert store.all() == before


@pytest.mark.parametrize(
    ("what", "done", "reply"),
    [
        ("last", Forgotten(0, 0), "There was nothing before this to delete."),
        (
            "today",
            Forgotten(0, 0),
            "You haven't said anything else today, so there was nothing to delete.",
        ),
        (
            "last",
            Forgotten(1, 6, {"alarm": 1}, "rcpt_1"),
            "Done. I deleted your last request and the 6 things stored with it."
            " I kept the alarm you asked for; ask me to cancel or remove it if you don't want it.",
        ),
        (
            "today",
            Forgotten(3, 18, {"alarm": 2, "shopping_item": 1}, "rcpt_2"),
            "Done. I deleted your 3 requests from today and the 18 things stored with them."
            " I kept the 2 alarms and shopping list item you asked for;"
            " ask me to cancel or remove them if you don't want them.",
        ),
        (
            "last",
            Forgotten(1, 1),
            "Done. I deleted your last request and the 1 thing stored with it.",
        ),
    ],
)
def test_forget_replies_say_what_was_removed_and_kept(ctx, what, done, reply):
    asked: list[str] = []

    def forgetter(which):
        asked.append(which)
        return done

    intent = "privacy.forget_last" if what == "last" else "privacy.forget_today"
    result = handle(intent, {}, dataclasses.replace(ctx(), forget=forgetter))
    assert asked == [what]
    assert result.reply == reply
    assert [(a.op, a.kind, a.record_id) for a in result.actions] == [
        ("delete", "turns", done.receipt_id)
    ]
    assert result.actions[0].data == {
        "turns": done.turns,
        "removed": done.removed,
        "kept": dict(done.kept),
    }
