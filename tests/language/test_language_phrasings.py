"""Paraphrases written apart from the templates (phrasings.yaml) and out-of-scope sentences."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from confide.language import HouseholdLists, Recognizer

_DATA = yaml.safe_load(Path(__file__).with_name("phrasings.yaml").read_text(encoding="utf-8"))
PHRASINGS: list[dict[str, Any]] = _DATA["phrasings"]
OUT_OF_SCOPE: list[str] = _DATA["out_of_scope"]

DESIGN_INTENTS = {
    "alarm.set",
    "alarm.cancel",
    "alarm.list",
    "timer.set",
    "timer.cancel",
    "timer.status",
    "reminder.set",
    "calendar.add",
    "calendar.list",
    "message.send",
    "shopping.add",
    "shopping.remove",
    "shopping.list",
    "time.get",
    "date.get",
    "privacy.forget_last",
    "privacy.forget_today",
    "privacy.explain",
}


def test_the_corpus_is_big_enough() -> None:
    assert len(PHRASINGS) >= 150
    assert len(OUT_OF_SCOPE) >= 25
    per_intent = Counter(p["intent"] for p in PHRASINGS)
    assert set(per_intent) == DESIGN_INTENTS
    assert min(per_intent.values()) >= 5
    texts = [p["text"] for p in PHRASINGS]
    assert len(texts) == len(set(texts)), "duplicate phrasings"


@pytest.mark.parametrize("case", PHRASINGS, ids=[p["text"] for p in PHRASINGS])
def test_phrasing(
    case: dict[str, Any], recognizer: Recognizer, lists: HouseholdLists, now: datetime
) -> None:
    got = recognizer.recognize(case["text"], lists, now)
    assert got.to_dict() == {"intent": case["intent"], "slots": case["slots"]}


@pytest.mark.parametrize("text", OUT_OF_SCOPE)
def test_out_of_scope(
    text: str, recognizer: Recognizer, lists: HouseholdLists, now: datetime
) -> None:
    got = recognizer.recognize(text, lists, now)
    assert got.intent is None
    assert got.to_dict() == {"intent": None, "slots": {}}


def test_compiled_matcher_agrees_with_hassil(
    recognizer: Recognizer,
    lists: HouseholdLists,
    now: datetime,
    hassil_reference: Any,
) -> None:
    """hassil.recognize_all on the same templates is the reference for the fast matcher."""
    texts = [p["text"] for p in PHRASINGS] + OUT_OF_SCOPE
    differences = [
        (text, fast.to_dict(), reference.to_dict())
        for text in texts
        if (fast := recognizer.recognize(text, lists, now))
        != (reference := hassil_reference(recognizer, text, lists, now))
    ]
    assert differences == []
