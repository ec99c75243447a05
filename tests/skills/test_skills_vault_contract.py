"""The same skill scenario on the in-memory fake and on the vault's real record store.

If the two disagree, either the fake no longer behaves like the vault or a skill relies on
something only one of them does.
"""

from datetime import datetime

from confide.skills import Member, SkillContext, fire_due, handle, inbox

NOW = datetime(2026, 11, 22, 8, 0)

SCENARIO = [
    ("alarm.set", {"time": "06:45"}, "Ada"),
    ("alarm.set", {"time": "07:00", "repeat": "weekdays"}, "Ada"),
    ("alarm.list", {}, "Ada"),
    ("alarm.cancel", {}, "Ada"),
    ("timer.set", {"duration_s": 300, "name": "pasta"}, "Ben"),
    ("timer.status", {}, "Ben"),
    ("reminder.set", {"task": "call mum", "when": "2026-11-22T09:00"}, "Ada"),
    ("calendar.add", {"title": "Dentist", "start": "2026-11-27T15:00"}, "Ada"),
    ("calendar.list", {}, "Ada"),
    ("message.send", {"recipient": "ben", "body": "Dinner at seven"}, "Ada"),
    ("message.send", {"recipient": "Grandma", "body": "Hello"}, "Cleo"),
    ("shopping.add", {"item": "eggs"}, "Ada"),
    ("shopping.add", {"item": "Egg"}, "Ben"),
    ("shopping.add", {"item": "milk"}, "Cleo"),
    ("shopping.remove", {"item": "eggs"}, "Ben"),
    ("shopping.list", {}, "Ada"),
    ("privacy.explain", {}, "Ada"),
]


def run(records, members):
    by_name = {m.name: m for m in members}
    out = []
    for intent, slots, speaker in SCENARIO:
        ctx = SkillContext(NOW, by_name[speaker], members, ("Grandma",), records)
        result = handle(intent, slots, ctx)
        out.append((result.reply, [(a.op, a.kind, dict(a.data)) for a in result.actions]))
    fired = fire_due(records, datetime(2026, 11, 23, 12, 0))
    out.append([(f.kind, f.member_id == by_name["Ada"].id, f.text, f.next_at) for f in fired])
    out.append([r.payload["body"] for r in inbox(records, by_name["Ben"].id)])
    return out


def test_fake_and_vault_agree(vault, household, fake_store):
    members = tuple(
        Member(m.id, m.name, m.role) for m in (household.owner, household.adult, household.child)
    )
    with vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "text")
        records = session.records(turn)
        real = run(records, members)
        created = records.list("alarm", status=None)
        assert created
        assert all(r.origin_turn_id == turn.id for r in created)

    fake = run(fake_store({m.id for m in members}), members)
    for step, (got, want) in enumerate(zip(real, fake, strict=True)):
        assert got == want, step
    # Sanity: the scenario did something on both.
    assert fake[-2], "something fired"
    assert fake[-1] == ["Dinner at seven"]


def test_scenario_replies(fake_store):
    """The scenario's replies, pinned on the fake, so the comparison above is not vacuous."""
    members = (
        Member("a", "Ada", "owner"),
        Member("b", "Ben", "adult"),
        Member("c", "Cleo", "child"),
    )
    replies = [step[0] for step in run(fake_store({"a", "b", "c"}), members)[:-2]]
    assert replies[3] == "I cancelled your alarm for 6:45 am tomorrow."
    assert replies[12] == "You already have eggs on the shopping list."
    assert replies[15] == "Your shopping list has milk."
