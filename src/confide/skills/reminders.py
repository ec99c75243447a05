"""Reminders: ``reminder.set``.

A reminder is an action record of kind ``reminder`` owned by the speaker, with the payload
``{"task": str, "when": "YYYY-MM-DDTHH:MM"}``.  The scheduler (:mod:`confide.skills.scheduler`)
announces it at ``when`` and marks it ``done``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from confide.skills._common import bad_slots, iso_minutes, slot_datetime, slot_text, when_phrase
from confide.skills.base import Action, SkillContext, SkillError, SkillResult

logger = logging.getLogger(__name__)


def clean_task(task: str) -> str:
    """The task without a leading "to" and trailing punctuation ("to call mum." → "call mum")."""
    text = task.rstrip(" .!?")
    if text.lower().startswith("to "):
        text = text[3:].lstrip()
    return text


def reminder_phrase(task: str) -> str:
    """``to call mum`` or ``about the dentist``."""
    return task if task.lower().startswith("about ") else f"to {task}"


class ReminderSkill:
    """Sets reminders for the speaker."""

    intents: frozenset[str] = frozenset({"reminder.set"})

    def handle(self, intent: str, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if intent != "reminder.set":
            raise SkillError(
                f"The reminder skill does not handle {intent!r}.", code="unknown_intent"
            )
        task = clean_task(slot_text(slots, "task"))
        if not task:
            raise bad_slots("The 'task' slot is empty.")
        when = slot_datetime(slots, "when").replace(second=0, microsecond=0)
        if when <= ctx.now:
            raise bad_slots("The reminder time is in the past.")
        payload = {"task": task, "when": iso_minutes(when)}
        for existing in ctx.records.list("reminder", member_id=ctx.speaker.id):
            same_task = str(existing.payload.get("task", "")).lower() == task.lower()
            if same_task and existing.payload.get("when") == payload["when"]:
                return SkillResult("You already have that reminder.")
        record = ctx.records.create("reminder", payload, member_id=ctx.speaker.id)
        logger.debug("reminder %s created", record.id)
        reply = f"I'll remind you {reminder_phrase(task)} at {when_phrase(when, ctx.now)}."
        return SkillResult(reply, (Action("create", "reminder", record.id, payload),))
