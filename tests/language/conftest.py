"""Fixtures for the confide.language tests: one recogniser, the phrasings file, hassil."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hassil import (
    Alternative,
    Expression,
    ListReference,
    RangeSlotList,
    RuleReference,
    Sentence,
    Sequence,
    TextChunk,
    TextSlotList,
    recognize_all,
)
from hassil.intents import SlotList

from confide.language import HouseholdLists, Interpretation, Recognizer
from confide.language.matcher import Candidate, Entity
from confide.language.recognizer import household_slot_lists

PHRASINGS_FILE = Path(__file__).with_name("phrasings.yaml")

#: What a sampled sentence puts where a template has free text or a runtime list.
SAMPLE_FILLERS: Mapping[str, str] = {
    "task": "water the plants",
    "body": "dinner is ready",
    "title": "dentist appointment",
    "item": "brown rice",
    "recipient": "Bob",
    "shopping_item": "milk",
}
SAMPLE_LISTS = HouseholdLists(members=("Bob",), shopping_items=("milk",))


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


def sample_expression(
    expression: Expression,
    lists: Mapping[str, SlotList],
    rules: Mapping[str, Sentence],
    rng: random.Random,
) -> str:
    """One random sentence a template accepts (free text and runtime lists filled in)."""
    if isinstance(expression, TextChunk):
        return expression.text
    if isinstance(expression, Alternative):
        return sample_expression(rng.choice(expression.items), lists, rules, rng)
    if isinstance(expression, Sequence):
        return "".join(sample_expression(item, lists, rules, rng) for item in expression.items)
    if isinstance(expression, RuleReference):
        return sample_expression(rules[expression.rule_name].expression, lists, rules, rng)
    if isinstance(expression, ListReference):
        if expression.list_name in SAMPLE_FILLERS:
            return SAMPLE_FILLERS[expression.list_name]
        slot_list = lists[expression.list_name]
        if isinstance(slot_list, RangeSlotList):
            return str(rng.choice(range(slot_list.start, slot_list.stop + 1, slot_list.step)))
        assert isinstance(slot_list, TextSlotList)
        value = rng.choice(slot_list.values)
        return sample_expression(value.text_in, lists, rules, rng)
    raise AssertionError(f"unexpected template element {expression!r}")


def template_samples(
    recognizer: Recognizer, per_template: int, seed: int = 7
) -> list[tuple[str, int, str]]:
    """(intent, template index, sentence) for ``per_template`` samples of every template."""
    rng = random.Random(seed)
    intents = recognizer._templates.intents
    samples = []
    for intent in intents.intents.values():
        index = 0
        for data in intent.data:
            rules = {**intents.expansion_rules, **data.expansion_rules}
            lists = {**intents.slot_lists, **data.slot_lists}
            for sentence in data.sentences:
                for _ in range(per_template):
                    text = " ".join(
                        sample_expression(sentence.expression, lists, rules, rng).split()
                    )
                    samples.append((intent.name, index, text))
                index += 1
    return samples
