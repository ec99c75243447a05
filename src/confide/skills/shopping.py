"""The household shopping list: ``shopping.add``, ``shopping.remove``, ``shopping.list``.

Each item is an action record of kind ``shopping_item`` with the payload ``{"item": str}``,
owned by the member who added it; the list itself is shared by the whole household.
Items match case-insensitively and tolerate simple English plurals ("eggs" is "egg",
"tomatoes" is "tomato", "berries" is "berry"), so the list never holds the same thing twice.
Removing an item cancels its record.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from confide.skills._common import bad_slots, join_words, slot_text
from confide.skills.base import Action, SkillContext, SkillError, SkillResult, StoredRecord

logger = logging.getLogger(__name__)

_LEADING = ("a ", "an ", "some ", "the ", "more ")


def clean_item(item: str) -> str:
    """The item without a leading article and trailing punctuation ("some eggs." → "eggs")."""
    text = item.strip(" .!?,")
    lowered = text.lower()
    for word in _LEADING:
        if lowered.startswith(word) and len(text) > len(word):
            return text[len(word) :].strip()
    return text


def _variants(key: str) -> set[str]:
    """The key and the singulars it may be the plural of."""
    forms = {key}
    if key.endswith("s") and not key.endswith("ss") and len(key) > 2:
        forms.add(key[:-1])
        if key.endswith("es"):
            forms.add(key[:-2])
        if key.endswith("ies") and len(key) > 4:
            forms.add(key[:-3] + "y")
    return forms


def same_item(a: str, b: str) -> bool:
    """Whether two spoken items name the same thing (case and plural aside)."""
    ka, kb = " ".join(a.casefold().split()), " ".join(b.casefold().split())
    return ka == kb or ka in _variants(kb) or kb in _variants(ka)


def _item(record: StoredRecord) -> str:
    value = record.payload.get("item")
    return value if isinstance(value, str) else ""


class ShoppingSkill:
    """Keeps the household's shopping list."""

    intents: frozenset[str] = frozenset({"shopping.add", "shopping.remove", "shopping.list"})

    def handle(self, intent: str, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if intent == "shopping.list":
            return self._list(ctx)
        if intent not in self.intents:
            raise SkillError(
                f"The shopping skill does not handle {intent!r}.", code="unknown_intent"
            )
        item = clean_item(slot_text(slots, "item"))
        if not item:
            raise bad_slots("The 'item' slot is empty.")
        if intent == "shopping.add":
            return self._add(item, ctx)
        return self._remove(item, ctx)

    def _items(self, ctx: SkillContext) -> list[StoredRecord]:
        return ctx.records.list("shopping_item", member_id=None)

    def _add(self, item: str, ctx: SkillContext) -> SkillResult:
        for existing in self._items(ctx):
            if same_item(_item(existing), item):
                reply = f"You already have {_item(existing)} on the shopping list."
                return SkillResult(reply)
        payload = {"item": item}
        record = ctx.records.create("shopping_item", payload, member_id=ctx.speaker.id)
        logger.debug("shopping_item %s created", record.id)
        reply = f"I added {item} to the shopping list."
        return SkillResult(reply, (Action("create", "shopping_item", record.id, payload),))

    def _remove(self, item: str, ctx: SkillContext) -> SkillResult:
        matches = [r for r in self._items(ctx) if same_item(_item(r), item)]
        if not matches:
            return SkillResult(f"I couldn't find {item} on the shopping list.")
        actions = []
        for record in matches:
            ctx.records.update(record.id, status="cancelled")
            logger.debug("shopping_item %s removed", record.id)
            actions.append(Action("cancel", "shopping_item", record.id, dict(record.payload)))
        reply = f"I removed {_item(matches[0])} from the shopping list."
        return SkillResult(reply, tuple(actions))

    def _list(self, ctx: SkillContext) -> SkillResult:
        items = self._items(ctx)
        if not items:
            return SkillResult("Your shopping list is empty.")
        names = [_item(r) for r in items]
        actions = tuple(Action("read", "shopping_item", r.id) for r in items)
        return SkillResult(f"Your shopping list has {join_words(names)}.", actions)
