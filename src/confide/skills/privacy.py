"""Privacy by voice: ``privacy.explain``, ``privacy.forget_last``, ``privacy.forget_today``.

``privacy.explain`` ("what do you keep about me?") counts the speaker's action records by kind:
the active ones they own, the messages waiting for them from others, and, honestly, the
finished or cancelled records still held until retention removes them.  Recordings and
transcripts are not visible to skills; the reply points to the history (CLI, API) for those.

Deleting by voice comes later: the two ``forget`` intents say so and do nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from confide.skills._common import join_words, plural
from confide.skills.base import Action, RecordKind, SkillContext, SkillError, SkillResult

#: The reply to ``privacy.forget_last`` and ``privacy.forget_today``.
CANNOT_FORGET = "I can't delete by voice yet."

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
            return SkillResult(CANNOT_FORGET)
        raise SkillError(f"The privacy skill does not handle {intent!r}.", code="unknown_intent")

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
