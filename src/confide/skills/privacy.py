"""Privacy by voice: ``privacy.explain``, ``privacy.forget_last``, ``privacy.forget_today``.

``privacy.explain`` ("what do you keep about me?") counts the speaker's action records by kind:
the active ones they own, the messages waiting for them from others, and, honestly, the
finished or cancelled records still held until retention removes them.  Recordings and
transcripts are not visible to skills; the reply points to the history (CLI, API) for those.

``privacy.forget_last`` ("delete what I just said") and ``privacy.forget_today`` ("forget
everything I said today") forget the speaker's turns through ``ctx.forget`` (given by the
assistant: a durable deletion with scope voice and a receipt), and the reply says what was
removed and what was kept - in counts and kinds, never quoting what was said (the reply is
itself stored, and must not copy deleted content into a new turn).  Without ``ctx.forget`` (a
caller that cannot delete) the skill says so and does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from confide.skills._common import join_words, plural
from confide.skills.base import (
    Action,
    Forgotten,
    RecordKind,
    SkillContext,
    SkillError,
    SkillResult,
)

#: The reply to ``privacy.forget_*`` when this turn cannot delete (no ``ctx.forget``).
CANNOT_FORGET = "I can't delete from here; use your history in the app to delete it."

#: Each record kind with its spoken singular and plural, in the order they are read out.
KIND_NAMES: tuple[tuple[RecordKind, str, str], ...] = (
    ("alarm", "alarm", "alarms"),
    ("timer", "timer", "timers"),
    ("reminder", "reminder", "reminders"),
    ("calendar_event", "calendar event", "calendar events"),
    ("message", "message you sent", "messages you sent"),
    ("shopping_item", "shopping list item you added", "shopping list items you added"),
)


class PrivacySkill:
    """Explains what is kept about the speaker; points elsewhere for deletion."""

    intents: frozenset[str] = frozenset(
        {"privacy.explain", "privacy.forget_last", "privacy.forget_today"}
    )

    def handle(self, intent: str, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if intent == "privacy.explain":
            return self._explain(ctx)
        if intent in ("privacy.forget_last", "privacy.forget_today"):
            return self._forget("last" if intent == "privacy.forget_last" else "today", ctx)
        raise SkillError(f"The privacy skill does not handle {intent!r}.", code="unknown_intent")

    def _forget(self, what: Literal["last", "today"], ctx: SkillContext) -> SkillResult:
        if ctx.forget is None:
            return SkillResult(CANNOT_FORGET)
        done = ctx.forget(what)
        action = Action(
            "delete",
            "turns",
            record_id=done.receipt_id,
            data={"turns": done.turns, "removed": done.removed, "kept": dict(done.kept)},
        )
        return SkillResult(forget_reply(what, done), (action,))

    def _explain(self, ctx: SkillContext) -> SkillResult:
        me = ctx.speaker.id
        parts: list[str] = []
        actions: list[Action] = []
        inactive = 0
        for kind, one, many in KIND_NAMES:
            active = ctx.records.count(kind, member_id=me)
            inactive += ctx.records.count(kind, member_id=me, status=None) - active
            if active:
                parts.append(plural(active, one, many))
                actions.append(Action("read", kind, data={"count": active}))
        received = [r for r in ctx.records.list("message", audience_member_id=me)
                    if r.member_id != me]  # fmt: skip
        if received:
            parts.append(plural(len(received), "message", "messages") + " for you from others")
            actions.append(Action("read", "message", data={"received": len(received)}))

        if parts:
            reply = f"Right now I keep {join_words(parts)}."
        else:
            reply = (
                "I keep no alarms, timers, reminders, events, messages or shopping items for you."
            )
        if inactive:
            pronoun = "it" if inactive == 1 else "them"
            reply += (
                f" I also still hold {plural(inactive, 'finished or cancelled record')}"
                f" until your retention settings remove {pronoun}."
            )
        reply += " Your history shows every request I keep and everything made from it."
        return SkillResult(reply, tuple(actions))


#: Spoken names of records that survive a deletion with scope voice.
KEPT_NAMES: dict[str, tuple[str, str]] = {
    "alarm": ("alarm", "alarms"),
    "timer": ("timer", "timers"),
    "reminder": ("reminder", "reminders"),
    "calendar_event": ("calendar event", "calendar events"),
    "message": ("message", "messages"),
    "shopping_item": ("shopping list item", "shopping list items"),
}


def _kept_phrase(kept: Mapping[str, int]) -> str:
    parts = []
    for kind, count in sorted(kept.items()):
        one, many = KEPT_NAMES.get(kind, ("record", "records"))
        parts.append(one if count == 1 else f"{count} {many}")
    return join_words(parts)


def forget_reply(what: Literal["last", "today"], done: Forgotten) -> str:
    """The spoken confirmation: what was removed and what was kept, as counts and kinds."""
    if not done.turns:
        return (
            "There was nothing before this to delete."
            if what == "last"
            else "You haven't said anything else today, so there was nothing to delete."
        )
    stored = plural(done.removed, "thing", "things")
    if what == "last":
        reply = f"Done. I deleted your last request and the {stored} stored with it."
    else:
        requests = plural(done.turns, "request")
        reply = f"Done. I deleted your {requests} from today and the {stored} stored with them."
    if done.kept:
        pronoun = "it" if sum(done.kept.values()) == 1 else "them"
        reply += (
            f" I kept the {_kept_phrase(done.kept)} you asked for;"
            f" ask me to cancel or remove {pronoun} if you don't want {pronoun}."
        )
    return reply
