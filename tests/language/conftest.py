"""Fixtures for the confide.language tests: one recogniser, the phrasings file, hassil."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hassil import recognize_all

from confide.language import HouseholdLists, Interpretation, Recognizer
from confide.language.matcher import Candidate, Entity
from confide.language.recognizer import household_slot_lists

PHRASINGS_FILE = Path(__file__).with_name("phrasings.yaml")


@pytest.fixture(scope="session")
def recognizer() -> Recognizer:
    return Recognizer()


@pytest.fixture(scope="session")
def phrasings() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PHRASINGS_FILE.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def now(phrasings: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(phrasings["now"])


@pytest.fixture(scope="session")
def lists(phrasings: dict[str, Any]) -> HouseholdLists:
    spec = phrasings["lists"]
    return HouseholdLists(
        members=tuple(spec["members"]),
        contacts=tuple(spec["contacts"]),
        shopping_items=tuple(spec["shopping_items"]),
    )


def hassil_interpret(
    recognizer: Recognizer, text: str, lists: HouseholdLists, now: datetime
) -> Interpretation:
    """The same pipeline with hassil's own matcher (recognize_all) instead of the compiled one.

    It is the reference: the compiled matcher must give the same interpretations.
    """
    norm = recognizer._normalise(text)
    if not norm.text:
        return Interpretation(None, {})
    candidates = []
    for result in recognize_all(
        norm.text, recognizer._templates.intents, slot_lists=household_slot_lists(lists)
    ):
        entities = {
            name: Entity(name, e.text.strip(), e.value, e.text_span, e.is_wildcard)
            for name, e in result.entities.items()
        }
        candidates.append(Candidate(result.intent.name, entities, result.text_chunks_matched))
    best = recognizer._best(candidates)
    if best is None:
        return Interpretation(None, {})
    return recognizer._interpret(best, norm, now)


@pytest.fixture(scope="session")
def hassil_reference() -> Callable[[Recognizer, str, HouseholdLists, datetime], Interpretation]:
    return hassil_interpret
