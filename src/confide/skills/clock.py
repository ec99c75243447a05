"""The clock: ``time.get`` and ``date.get``, read from the household's local ``ctx.now``.

Nothing is stored and nothing is read from the records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from confide.skills._common import clock_phrase, long_date
from confide.skills.base import SkillContext, SkillError, SkillResult


class ClockSkill:
    """Tells the time and the date."""

    intents: frozenset[str] = frozenset({"time.get", "date.get"})

    def handle(self, intent: str, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if intent == "time.get":
            return SkillResult(f"It's {clock_phrase(ctx.now)}.")
        if intent == "date.get":
            return SkillResult(f"Today is {long_date(ctx.now.date())}.")
        raise SkillError(f"The clock skill does not handle {intent!r}.", code="unknown_intent")
