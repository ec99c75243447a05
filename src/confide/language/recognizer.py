"""The recogniser: text → :class:`Interpretation`, from the hassil sentence templates.

One call: normalise the text (:mod:`.normalize`), find every template that matches it
(:mod:`.matcher`; the household's names fill the ``recipient`` and ``shopping_item`` lists),
keep the best match, and turn its entities into slots (:mod:`.slots`).

The best match has the fewest wildcards, then the least text inside wildcards (so grammar
slots win over free text: "tell Bob that I'm late" has the body "I'm late"), then the most
literal text, then the intent defined first.  Only the best match is read: if one of its
values cannot be understood ("set an alarm for 25:99") the answer is "not understood" rather
than a second-best reading, so that Confide never acts on a guess.

Nothing here logs or keeps the text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from hassil import TextSlotList, TextSlotValue
from hassil.expression import TextChunk
from hassil.intents import SlotList, WildcardSlotList

from confide.language.errors import LanguageError
from confide.language.loader import RUNTIME_LISTS, Templates, load_templates
from confide.language.matcher import Candidate, CompiledIntents
from confide.language.models import NOT_UNDERSTOOD, HouseholdLists, Interpretation
from confide.language.normalize import Normalised, Normaliser, match_form
from confide.language.slots import Match, build_slots, clean_item

_LOGGER = logging.getLogger(__name__)

#: Longer input is not a command; it is not matched at all.
MAX_TEXT_LENGTH = 1000
_HOUSEHOLD_CACHE_SIZE = 32


def _text_list(name: str, pairs: Iterable[tuple[str, str]]) -> TextSlotList:
    values: list[TextSlotValue] = []
    seen: set[str] = set()
    for spoken, out in pairs:
        key = match_form(spoken)
        if key and key not in seen:
            seen.add(key)
            values.append(TextSlotValue(text_in=TextChunk(key), value_out=out))
    return TextSlotList(name=name, values=values)


def _recipients(lists: HouseholdLists) -> TextSlotList:
    people = [(n, n.strip()) for n in (*lists.members, *lists.contacts) if n.strip()]
    return _text_list("recipient", people)


def _shopping_items(lists: HouseholdLists) -> TextSlotList:
    items: list[tuple[str, str]] = []
    for item in lists.shopping_items:
        try:
            items.append((item, clean_item(item)))
        except ValueError:
            continue
    return _text_list("shopping_item", items)


#: How each runtime list is made, and which fields of HouseholdLists it depends on.
_RUNTIME: dict[str, tuple[Callable[[HouseholdLists], SlotList], tuple[str, ...]]] = {
    "recipient": (_recipients, ("members", "contacts")),
    "shopping_item": (_shopping_items, ("shopping_items",)),
}


def household_slot_lists(lists: HouseholdLists) -> dict[str, SlotList]:
    """The runtime slot lists of ``lists``: ``recipient`` and ``shopping_item``."""
    return {name: make(lists) for name, (make, _) in _RUNTIME.items()}


_Values = tuple[tuple[str, ...], ...]


def _fields(group: tuple[str, ...]) -> tuple[str, ...]:
    """The fields of HouseholdLists that the runtime lists of ``group`` depend on."""
    return tuple(sorted({field for name in group for field in _RUNTIME[name][1]}))


def score(candidate: Candidate, order: dict[str, int]) -> tuple[int, int, int, int]:
    """Sort key of a match: lower is better (see the module docstring)."""
    wildcards = [e for e in candidate.entities.values() if e.is_wildcard]
    return (
        len(wildcards),
        sum(len(e.text) for e in wildcards),
        -candidate.literal_chars,
        order.get(candidate.intent, len(order)),
    )


class Recognizer:
    """Understands one utterance at a time; loads, checks and compiles the templates once.

    Safe to share between threads once constructed.
    """

    def __init__(self, templates_dir: Path | None = None) -> None:
        self._templates: Templates = load_templates(templates_dir)
        intents = self._templates.intents
        self._order = {name: index for index, name in enumerate(self._templates.intent_names)}
        self._normaliser = Normaliser(
            self._templates.skip_words, self._templates.trailing_skip_words
        )
        self._wildcards = frozenset(
            name
            for name, slot_list in intents.slot_lists.items()
            if isinstance(slot_list, WildcardSlotList)
        )
        self._compiled = CompiledIntents(intents, self._templates.intent_files, RUNTIME_LISTS)
        # Templates that use runtime lists are compiled per group of lists they use, and
        # cached by those lists' values only: a new shopping list recompiles the few
        # templates that name shopping items, nothing else.
        self._groups = tuple((group, _fields(group)) for group in self._compiled.runtime_groups)
        self._group_cache: Callable[[tuple[str, ...], _Values], CompiledIntents] = lru_cache(
            maxsize=_HOUSEHOLD_CACHE_SIZE
        )(self._compile_group)
        for group, fields in self._groups:  # compile now: template errors show at start-up
            self._group_cache(group, tuple(() for _ in fields))
        _LOGGER.debug("loaded %d intents", len(self._order))

    def warm_up(self) -> None:
        """Compile every template's regex now instead of on first use (servers call this)."""
        self._compiled.compile_all()

    def _compile_group(self, group: tuple[str, ...], values: _Values) -> CompiledIntents:
        lists = HouseholdLists(**dict(zip(_fields(group), values, strict=True)))
        return self._compiled.with_lists({name: _RUNTIME[name][0](lists) for name in group})

    # The methods below are internal; tests and tools use them to look inside.

    def _normalise(self, text: str) -> Normalised:
        """The text as the matcher sees it."""
        return self._normaliser.normalise(text)

    def _candidates(self, norm: Normalised, lists: HouseholdLists) -> list[Candidate]:
        """Every template that matches (at most one reading per template)."""
        found = list(self._compiled.candidates(norm.text))
        for group, fields in self._groups:
            values: _Values = tuple(getattr(lists, field) for field in fields)
            found.extend(self._group_cache(group, values).candidates(norm.text))
        return found

    def _interpret(self, candidate: Candidate, norm: Normalised, now: datetime) -> Interpretation:
        """The interpretation of one match (not understood if a value is invalid)."""
        match = Match(entities=candidate.entities, norm=norm, now=now)
        try:
            slots = build_slots(candidate.intent, match, self._wildcards)
        except (ValueError, KeyError, OverflowError):
            return NOT_UNDERSTOOD
        return Interpretation(candidate.intent, slots)

    def _best(self, candidates: Iterable[Candidate]) -> Candidate | None:
        """The best of several matches, or None."""
        return min(candidates, key=lambda c: score(c, self._order), default=None)

    def recognize(self, text: str, lists: HouseholdLists, now: datetime) -> Interpretation:
        """Interpret ``text`` said at ``now`` (a naive local datetime) in this household."""
        if not isinstance(text, str):
            raise LanguageError("text must be a string", code="language_bad_input")
        if not isinstance(lists, HouseholdLists):
            raise LanguageError("lists must be HouseholdLists", code="language_bad_input")
        if not isinstance(now, datetime) or now.tzinfo is not None:
            raise LanguageError("now must be a naive local datetime", code="language_bad_input")
        if len(text) > MAX_TEXT_LENGTH:
            return NOT_UNDERSTOOD
        norm = self._normaliser.normalise(text)
        if not norm.text:
            return NOT_UNDERSTOOD
        best = self._best(self._candidates(norm, lists))
        if best is None:
            return NOT_UNDERSTOOD
        return self._interpret(best, norm, now)
