"""Dispatch by intent, the public API, and what the skills (never) log."""

import json
import logging

import pytest

import confide.skills as skills
from confide.skills import BUILTIN_INTENTS, BUILTIN_SKILLS, SkillError, handle, skill_for

# The intent table of DESIGN.md §5.
DESIGN_INTENTS = {
    "alarm.set", "alarm.cancel", "alarm.list",
    "timer.set", "timer.cancel", "timer.status",
    "reminder.set", "calendar.add", "calendar.list", "message.send",
    "shopping.add", "shopping.remove", "shopping.list",
    "time.get", "date.get",
    "privacy.forget_last", "privacy.forget_today", "privacy.explain",
}  # fmt: skip

# One valid call per intent, with slot values that must never reach a log line.
CALLS = [
    ("alarm.set", {"time": "06:45", "repeat": "weekdays"}),
    ("alarm.list", {}),
    ("timer.set", {"duration_s": 300, "name": "zucchinifritters"}),
    ("timer.status", {}),
    ("timer.cancel", {}),
    ("reminder.set", {"task": "feed the axolotl", "when": "2026-11-23T09:00"}),
    ("calendar.add", {"title": "Quokka appointment", "start": "2026-11-24T10:00"}),
    ("calendar.list", {}),
    ("calendar.list", {"date": "2026-11-24"}),
    ("message.send", {"recipient": "Bob", "body": "the blue flamingo"}),
    ("message.send", {"recipient": "Grandma", "body": "the purple walrus"}),
    ("shopping.add", {"item": "kumquats"}),
    ("shopping.list", {}),
    ("shopping.remove", {"item": "kumquat"}),
    ("time.get", {}),
    ("date.get", {}),
    ("privacy.explain", {}),
    ("privacy.forget_last", {}),
    ("privacy.forget_today", {}),
    ("alarm.cancel", {"time": "06:45"}),
]
SECRETS = ["zucchini", "axolotl", "Quokka", "flamingo", "walrus", "kumquat", "Grandma", "06:45"]


def test_every_design_intent_is_handled_exactly_once():
    assert BUILTIN_INTENTS == DESIGN_INTENTS
    assert {c[0] for c in CALLS} == DESIGN_INTENTS
    owned = [i for s in BUILTIN_SKILLS for i in s.intents]
    assert len(owned) == len(set(owned))
    for intent in DESIGN_INTENTS:
        assert intent in skill_for(intent).intents


@pytest.mark.parametrize("intent", ["weather.get", "alarm.snooze", "", "acme.order"])
def test_unknown_intent(ctx, store, intent):
    with pytest.raises(SkillError) as err:
        handle(intent, {}, ctx())
    assert err.value.code == "unknown_intent"
    assert repr(intent) in err.value.message
    assert store.all() == []


@pytest.mark.parametrize("skill", BUILTIN_SKILLS, ids=lambda s: type(s).__name__)
def test_a_skill_refuses_intents_it_does_not_own(ctx, skill):
    with pytest.raises(SkillError) as err:
        skill.handle("weather.get", {}, ctx())
    assert err.value.code == "unknown_intent"


def test_slots_must_be_a_mapping(ctx):
    with pytest.raises(SkillError) as err:
        handle("alarm.set", ["06:45"], ctx())
    assert err.value.code == "bad_slots"


def test_public_api():
    assert skills.__all__ == sorted(
        skills.__all__, key=lambda n: (not n.isupper(), not n[0].isupper(), n)
    )
    assert len(set(skills.__all__)) == len(skills.__all__)
    for name in skills.__all__:
        assert getattr(skills, name) is not None
    for name in ("handle", "inbox", "due", "fire_due", "Fired", "BUILTIN_SKILLS", "SkillError"):
        assert name in skills.__all__


def test_all_intents_run_serialise_and_log_no_voice_content(ctx, store, caplog):
    caplog.set_level(logging.DEBUG, logger="confide")
    replies = []
    for intent, slots in CALLS:
        result = handle(intent, slots, ctx())
        assert result.reply and not result.reply[0].islower() and result.reply.endswith((".", "?"))
        replies.append(result.reply)
        json.dumps([a.to_dict() for a in result.actions])
        for action in result.actions:
            assert action.op in {"create", "update", "cancel", "read"}
            if action.record_id is not None:
                assert store.get(action.record_id).kind == action.kind
    assert store.all(), "the calls above must have created records"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged, "skills log ids at debug level"
    for secret in SECRETS:
        assert secret.lower() not in logged.lower()
    for reply in replies:
        assert reply not in logged
    for record in store.all():
        assert record.id in logged
