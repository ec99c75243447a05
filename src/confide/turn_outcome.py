"""What one turn did: the stages it went through and the outcome the interfaces print."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from confide.language import Interpretation
from confide.skills import Action
from confide.vault import StoredItem
from confide.voice.transcript import Transcript

__all__ = ["Stage", "TurnOutcome"]


class Stage(StrEnum):
    """The stages of a turn, in order (decode and transcribe: voice turns only)."""

    DECODE = "decode"
    TRANSCRIBE = "transcribe"
    UNDERSTAND = "understand"
    ACT = "act"
    STORE = "store"


@dataclass(frozen=True)
class TurnOutcome:
    """What one turn did: the contract of ``confide ask --json`` and ``POST /v1/turns``."""

    turn_id: str
    member: str
    transcript: str
    intent: str | None
    slots: Mapping[str, Any]
    reply: str
    actions: tuple[Action, ...]
    stored: tuple[StoredItem, ...]
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    speech: Transcript | None = None  # what the speech engine heard (voice turns)
    #: What the turn asks the speaker to confirm instead of acting (a tentative transcript).
    read_back: Interpretation | None = None
    #: The turn whose read-back this turn answered ("yes": its intent is acted on here).
    confirms: str | None = None

    def with_timing(self, stage: str, ms: float) -> TurnOutcome:
        """A copy with ``stage`` timed first: a stage run before the turn (e.g. decode)."""
        return dataclasses.replace(self, timings_ms={stage: round(ms, 3), **self.timings_ms})

    def to_dict(self) -> dict[str, Any]:
        out = {
            "turn_id": self.turn_id,
            "member": self.member,
            "transcript": self.transcript,
            "intent": self.intent,
            "slots": dict(self.slots),
            "reply": self.reply,
            "actions": [a.to_dict() for a in self.actions],
            "stored": [s.to_dict() for s in self.stored],
            "timings_ms": dict(self.timings_ms),
        }
        if self.read_back is not None:
            out["awaiting_confirmation"] = self.read_back.to_dict()
        if self.confirms is not None:
            out["confirms"] = self.confirms
        if self.speech is not None:
            confidence = self.speech.confidence
            out["speech"] = {
                "engine": self.speech.engine,
                "confidence": round(confidence, 3) if math.isfinite(confidence) else None,
                "rejected": self.speech.rejected,
                "tentative": self.speech.tentative,
            }
        return out
