"""Random sentences the templates accept, for the template tests.

A module of its own (not conftest.py): ``from conftest import ...`` would find whichever
conftest module pytest imported first when several test directories run together.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

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
)
from hassil.intents import SlotList

from confide.language import HouseholdLists, Recognizer

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
