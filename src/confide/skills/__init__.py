"""Confide's built-in skills: alarms, timers, reminders, calendar, messages, shopping, clock
and privacy, plus the scheduler that makes timers, alarms and reminders go off.

``handle(intent, slots, ctx)`` acts on one recognised intent; every record it keeps goes
through ``ctx.records``, a :class:`RecordStore` bound to the current turn.
"""

from confide.skills.alarms import AlarmSkill
from confide.skills.base import (
    Action,
    Forgetter,
    Forgotten,
    Member,
    RecordKind,
    RecordStatus,
    RecordStore,
    Skill,
    SkillContext,
    SkillError,
    SkillResult,
    StoredRecord,
)
from confide.skills.calendar import CalendarSkill
from confide.skills.clock import ClockSkill
from confide.skills.messages import MessageSkill, inbox
from confide.skills.privacy import PrivacySkill
from confide.skills.registry import BUILTIN_INTENTS, BUILTIN_SKILLS, handle, skill_for
from confide.skills.reminders import ReminderSkill
from confide.skills.scheduler import Fired, due, fire_due
from confide.skills.shopping import ShoppingSkill
from confide.skills.timers import TimerSkill

__all__ = [
    "BUILTIN_INTENTS",
    "BUILTIN_SKILLS",
    "Action",
    "AlarmSkill",
    "CalendarSkill",
    "ClockSkill",
    "Fired",
    "Forgetter",
    "Forgotten",
    "Member",
    "MessageSkill",
    "PrivacySkill",
    "RecordKind",
    "RecordStatus",
    "RecordStore",
    "ReminderSkill",
    "ShoppingSkill",
    "Skill",
    "SkillContext",
    "SkillError",
    "SkillResult",
    "StoredRecord",
    "TimerSkill",
    "due",
    "fire_due",
    "handle",
    "inbox",
    "skill_for",
]
