"""A fast matcher for the hassil templates: each sentence template compiled to a regex.

hassil's own matcher (``hassil.recognize_all``) explores every way a template can match in
Python; with grammar-driven times, dates and durations that costs 1-6 ms per utterance.  The
templates are finite apart from the wildcards, so each one is compiled here, once, into an
anchored regular expression (the household's names are compiled into the few templates that
use them, cached per :class:`HouseholdLists`).  The tests run hassil's matcher on the same
templates and check that both give the same interpretations.

Matching rules, as in hassil: whole-utterance matches only, ``[optional]`` and
``(alternatives)`` anywhere, ``<rules>``, ``{lists}`` of text values (plain or templates,
with ``in``/``out``), digit ``range`` lists, and ``wildcard`` lists, which match the fewest
words that let the rest of the sentence match.  Alternatives are tried longest first, so a
list value takes as many words as it can before a following wildcard starts.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hassil import Expression, IntentData, Intents, Sentence, SlotList, TextChunk, TextSlotList

from confide.language.compiler import CompiledSentence, compile_sentence, trie_regex


@dataclass(frozen=True)
class Entity:
    """One slot of a match: the matched words, the list's output value, where it was."""

    name: str
    text: str
    value: object
    span: tuple[int, int] | None
    is_wildcard: bool = False


@dataclass(frozen=True)
class Candidate:
    """One template that matched."""

    intent: str
    entities: Mapping[str, Entity]
    literal_chars: int


def match_sentence(compiled: CompiledSentence, intent: str, text: str) -> Candidate | None:
    """Match ``text`` (normalised, lower-case) against one compiled template."""
    found = compiled.pattern.fullmatch(text)
    if found is None:
        return None
    groups = found.groupdict()
    entities: dict[str, Entity] = {
        name: Entity(name, "", value, None) for name, value in compiled.fixed_slots.items()
    }
    captured = 0
    for group, capture in compiled.captures.items():
        words = groups.get(group)
        if words is None:
            continue
        captured += len(words.replace(" ", ""))
        value: object = words
        if capture.wildcard:
            value = words.strip()
        else:
            chosen = [out for g, out in capture.value_groups.items() if groups.get(g) is not None]
            value = chosen[0] if chosen else capture.lookup.get(words.strip(), words.strip())
        entities[capture.slot] = Entity(
            capture.slot, words.strip(), value, found.span(group), capture.wildcard
        )
    return Candidate(intent, entities, len(text.replace(" ", "")) - captured)


@dataclass(frozen=True)
class _Block:
    intent: str
    keywords: frozenset[str] | None
    sentences: tuple[CompiledSentence, ...]


@dataclass(frozen=True)
class _Pending:
    """A template that uses runtime lists, waiting for their values."""

    intent: str
    index: int
    number: int
    sentence: Sentence
    data: IntentData


class CompiledIntents:
    """Every template compiled, or only those that use a given set of runtime lists.

    Without ``runtime_values``, the templates that use no runtime list (``recipient``,
    ``shopping_item``) are compiled and the others are set aside by the set of runtime lists
    they use (:attr:`runtime_groups`); :meth:`with_lists` compiles one such group with values.
    """

    def __init__(
        self,
        intents: Intents,
        intent_files: Mapping[str, str],
        runtime_lists: Iterable[str],
    ) -> None:
        self.intents = intents
        self.intent_files = intent_files
        self.runtime = frozenset(runtime_lists)
        # Regexes of list values and rules do not depend on runtime lists: shared.
        self._memo: dict[tuple[int, int], tuple[Expression, str]] = {}
        self._pending: dict[frozenset[str], list[tuple[_Pending, CompiledSentence]]] = {}
        compiled: list[tuple[_Pending, CompiledSentence]] = []
        for intent in intents.intents.values():
            for index, data in enumerate(intent.data):
                rules = {**intents.expansion_rules, **data.expansion_rules}
                for number, sentence in enumerate(data.sentences):
                    pending = _Pending(intent.name, index, number, sentence, data)
                    used = frozenset(sentence.list_names(rules)) & self.runtime
                    item = (pending, self._compile(pending))
                    if used:
                        self._pending.setdefault(used, []).append(item)
                    else:
                        compiled.append(item)
        self._blocks = _blocks(compiled)

    @property
    def runtime_groups(self) -> tuple[tuple[str, ...], ...]:
        """The sets of runtime lists that templates use together, sorted."""
        return tuple(sorted(tuple(sorted(group)) for group in self._pending))

    def _compile(self, pending: _Pending) -> CompiledSentence:
        data = pending.data
        lists = {**self.intents.slot_lists, **data.slot_lists}
        rules = {**self.intents.expansion_rules, **data.expansion_rules}
        file = self.intent_files.get(pending.intent, "?")
        where = (
            f"{file}: intent '{pending.intent}': data[{pending.index}]: sentence {pending.number}"
        )
        return compile_sentence(
            pending.sentence,
            lists,
            rules,
            data.slots,
            where,
            self._memo,
            id(data.expansion_rules),
            self.runtime,
        )

    def with_lists(self, runtime_values: Mapping[str, SlotList]) -> CompiledIntents:
        """The templates that use exactly these runtime lists, filled in with these values.

        Each value list must hold plain text values (not templates).
        """
        filled: dict[str, tuple[str, Mapping[str, object]]] = {}
        for name, slot_list in runtime_values.items():
            if not isinstance(slot_list, TextSlotList):
                raise TypeError(f"runtime list {name} must be a text list")
            lookup = {
                " ".join(v.text_in.text.lower().split()): v.value_out
                for v in slot_list.values
                if isinstance(v.text_in, TextChunk) and v.text_in.text.strip()
            }
            filled[name] = (trie_regex(lookup) if lookup else "(?!)", lookup)
        group = self._pending.get(frozenset(runtime_values), [])
        other = copy.copy(self)
        other._pending = {}
        other._blocks = _blocks([(p, sentence.with_values(filled)) for p, sentence in group])
        return other

    def compile_all(self) -> None:
        """Compile every regex now (servers may call this at start-up; tests check them all)."""
        for block in self._blocks:
            for sentence in block.sentences:
                _ = sentence.pattern

    def candidates(self, text: str) -> Iterable[Candidate]:
        """Every template (at most one reading each) that matches ``text``.

        A block of templates is skipped when none of its ``required_keywords`` is a word of
        ``text``, as hassil does.
        """
        tokens = frozenset(text.split())
        for block in self._blocks:
            if block.keywords is not None and block.keywords.isdisjoint(tokens):
                continue
            for sentence in block.sentences:
                candidate = match_sentence(sentence, block.intent, text)
                if candidate is not None:
                    yield candidate


def _blocks(compiled: list[tuple[_Pending, CompiledSentence]]) -> tuple[_Block, ...]:
    """Group compiled templates by intent data block (for the keyword filter)."""
    blocks: list[_Block] = []
    for _, items in itertools.groupby(compiled, key=lambda c: (c[0].intent, c[0].index)):
        group = list(items)
        first = group[0][0]
        keywords = first.data.required_keywords
        blocks.append(
            _Block(
                first.intent,
                frozenset(keywords) if keywords else None,
                tuple(sentence for _, sentence in group),
            )
        )
    return tuple(blocks)
