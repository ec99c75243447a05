"""The built-in skills and the dispatch of a recognised intent to the one that handles it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from confide.skills.alarms import AlarmSkill
from confide.skills.base import Skill, SkillContext, SkillError, SkillResult
from confide.skills.calendar import CalendarSkill
from confide.skills.clock import ClockSkill
from confide.skills.messages import MessageSkill
from confide.skills.privacy import PrivacySkill
from confide.skills.reminders import ReminderSkill
from confide.skills.shopping import ShoppingSkill
from confide.skills.timers import TimerSkill

logger = logging.getLogger(__name__)

#: One instance of every built-in skill.
BUILTIN_SKILLS: tuple[Skill, ...] = (
    AlarmSkill(),
    TimerSkill(),
    ReminderSkill(),
    CalendarSkill(),
    MessageSkill(),
    ShoppingSkill(),
    ClockSkill(),
    PrivacySkill(),
)


def _by_intent(skills: tuple[Skill, ...]) -> dict[str, Skill]:
    table: dict[str, Skill] = {}
    for skill in skills:
        for intent in skill.intents:
            if intent in table:
                raise RuntimeError(f"two built-in skills handle {intent!r}")
            table[intent] = skill
    return table


_BY_INTENT = _by_intent(BUILTIN_SKILLS)

#: Every intent the built-in skills handle.
BUILTIN_INTENTS: frozenset[str] = frozenset(_BY_INTENT)


def skill_for(intent: str) -> Skill:
    """The built-in skill that handles ``intent``; :class:`SkillError` if none does."""
    skill = _BY_INTENT.get(intent)
    if skill is None:
        raise SkillError(f"No built-in skill handles the intent {intent!r}.", code="unknown_intent")
    return skill


def handle(intent: str, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
    """Act on one recognised intent with the built-in skill that handles it.

    Raises :class:`SkillError`: ``unknown_intent``, ``bad_slots`` (a missing or malformed slot)
    or ``unknown_recipient`` (``message.send`` to someone Confide does not know).
    """
    skill = skill_for(intent)
    if not isinstance(slots, Mapping):
        raise SkillError("The slots must be a mapping of names to values.", code="bad_slots")
    result = skill.handle(intent, slots, ctx)
    logger.debug(
        "intent %s handled for member %s: %s",
        intent,
        ctx.speaker.id,
        ",".join(f"{a.op}:{a.kind}:{a.record_id}" for a in result.actions) or "no actions",
    )
    return result
