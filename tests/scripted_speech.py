"""A speech engine plugged through the engine interface that hears what a test scripts.

For the read-back tests: whether a transcript is heard surely or only tentatively is what
they are about, and a real recogniser cannot be told which to be.
"""

from __future__ import annotations

from confide.language.models import HouseholdLists
from confide.voice.transcript import Transcript


class ScriptedSpeech:
    """Hears the next scripted ``(text, sure)``: sure is accepted, else rejected but
    tentative (to be read back)."""

    engine_name = "scripted"

    def __init__(self) -> None:
        self.next: list[tuple[str, bool]] = []

    def hears(self, text: str, *, sure: bool) -> None:
        self.next.append((text, sure))

    def transcribe(self, samples: bytes, lists: HouseholdLists | None = None) -> Transcript:
        text, sure = self.next.pop(0)
        return Transcript(
            text, 0.9 if sure else 0.7, rejected=not sure, tentative=not sure, engine="scripted"
        )
