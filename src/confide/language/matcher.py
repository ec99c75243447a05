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

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hassil import (
    Alternative,
    Expression,
    Intents,
    ListReference,
    Permutation,
    RangeSlotList,
    RuleReference,
    Sentence,
    Sequence,
    SlotList,
    TextChunk,
    TextSlotList,
    WildcardSlotList,
)

from confide.language.errors import LanguageError

_SEP = r"(?:\s|\b)"
_WORD_SPLIT = re.compile(r"(\s+)")


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


@dataclass
class _Capture:
    slot: str
    wildcard: bool = False
    lookup: dict[str, object] = field(default_factory=dict)
    #: group name of a template value -> its output value
    value_groups: dict[str, object] = field(default_factory=dict)


class CompiledSentence:
    """A sentence template as a regex, with what each named group means.

    The regex source is built (and checked) up front; ``re.compile`` runs on first use, so
    that a one-shot command line only pays for the templates it needs.
    """

    __slots__ = ("_pattern", "captures", "fixed_slots", "source", "where")

    def __init__(
        self,
        source: str,
        captures: Mapping[str, _Capture],
        fixed_slots: Mapping[str, object],
        where: str,
    ) -> None:
        self.source = source
        self.captures = captures
        self.fixed_slots = fixed_slots
        self.where = where
        self._pattern: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled regex (compiled once; a benign race between threads)."""
        pattern = self._pattern
        if pattern is None:
            try:
                pattern = re.compile(self.source, re.DOTALL)
            except re.error as err:  # a bug in this module, not in the templates
                raise LanguageError(
                    f"sentence templates: {self.where}: cannot compile ({err.msg})",
                    code="language_templates",
                ) from None
            self._pattern = pattern
        return pattern


class _Compiler:
    """Compiles one sentence: expressions to regex source, collecting capture groups."""

    def __init__(
        self,
        lists: Mapping[str, SlotList],
        rules: Mapping[str, Sentence],
        where: str,
        memo: dict[tuple[int, int], tuple[Expression, str]] | None = None,
        scope: int = 0,
    ) -> None:
        self.lists = lists
        self.rules = rules
        self.where = where
        self.captures: dict[str, _Capture] = {}
        self._counter = itertools.count()
        # Inside list values nothing is captured, so their regex can be shared between
        # sentences with the same rules (``scope``).
        self._memo = memo if memo is not None else {}
        self._scope = scope

    def _group(self) -> str:
        return f"g{next(self._counter)}"

    def compile(self, expression: Expression, depth: int = 0) -> str:
        if depth:
            key = (id(expression), self._scope)
            entry = self._memo.get(key)
            if entry is None or entry[0] is not expression:
                entry = self._memo[key] = (expression, self._compile(expression, depth))
            return entry[1]
        return self._compile(expression, depth)

    def _compile(self, expression: Expression, depth: int) -> str:
        if isinstance(expression, TextChunk):
            return _chunk(expression.text)
        if isinstance(expression, Sequence):
            parts = []
            for index, item in enumerate(expression.items):
                parts.append(self.compile(item, depth))
                if self._is_wildcard(item):
                    parts.append(self._lookahead(expression.items[index + 1 :]))
            return "".join(parts)
        if isinstance(expression, Alternative):
            return _alternation([self.compile(item, depth) for item in expression.items])
        if isinstance(expression, Permutation):
            orders = itertools.permutations(expression.items)
            return _alternation(
                [_SEP.join(self.compile(item, depth) for item in order) for order in orders]
            )
        if isinstance(expression, RuleReference):
            if expression.rule_name not in self.rules:
                raise self._error(f"unknown expansion rule <{expression.rule_name}>")
            return self.compile(self.rules[expression.rule_name].expression, depth)
        if isinstance(expression, ListReference):
            return self._list(expression, depth)
        raise self._error(f"unsupported template element {type(expression).__name__}")

    def _is_wildcard(self, expression: Expression) -> bool:
        return isinstance(expression, ListReference) and isinstance(
            self.lists.get(expression.list_name), WildcardSlotList
        )

    def _lookahead(self, rest: list[Expression]) -> str:
        """After a wildcard: a cheap check that what follows can start here.

        Without it the regex engine tries every date, time and duration form at every word
        the wildcard could end on.  Only added when the words that can follow are known.
        """
        starts: set[str] = set()
        for item in rest:
            first = self._first(item, 0)
            if first is None:
                return ""
            words, nullable = first
            starts |= words
            if not nullable:
                return rf"(?=\s(?:{'|'.join(sorted(starts))}))"
        return ""

    def _first(self, expression: Expression, depth: int) -> tuple[set[str], bool] | None:
        """Regexes for how ``expression`` can begin, and whether it can be empty."""
        if depth > 50:
            return None
        if isinstance(expression, TextChunk):
            words = expression.text.lower().split()
            return ({re.escape(words[0])}, False) if words else (set(), True)
        if isinstance(expression, RuleReference):
            rule = self.rules.get(expression.rule_name)
            return None if rule is None else self._first(rule.expression, depth + 1)
        if isinstance(expression, Sequence):
            starts: set[str] = set()
            for item in expression.items:
                first = self._first(item, depth + 1)
                if first is None:
                    return None
                starts |= first[0]
                if not first[1]:
                    return starts, False
            return starts, True
        if isinstance(expression, Alternative):
            starts, nullable = set(), False
            for item in expression.items:
                first = self._first(item, depth + 1)
                if first is None:
                    return None
                starts |= first[0]
                nullable = nullable or first[1]
            return starts, nullable
        if isinstance(expression, ListReference):
            slot_list = self.lists.get(expression.list_name)
            if isinstance(slot_list, RangeSlotList):
                return {r"\d"}, False
            if not isinstance(slot_list, TextSlotList):
                return None
            starts = set()
            for value in slot_list.values:
                first = self._first(value.text_in, depth + 1)
                if first is None or first[1]:
                    return None
                starts |= first[0]
            return starts, False
        return None

    def _error(self, problem: str) -> LanguageError:
        return LanguageError(
            f"sentence templates: {self.where}: {problem}", code="language_templates"
        )

    def _list(self, ref: ListReference, depth: int) -> str:
        if ref.is_capture or ref.prefix or ref.suffix:
            raise self._error(f"list {{{ref.list_name}}}: captures/affixes are not supported")
        slot_list = self.lists.get(ref.list_name)
        if slot_list is None:
            raise self._error(f"unknown list {{{ref.list_name}}}")
        if isinstance(slot_list, WildcardSlotList):
            if depth:
                raise self._error(f"wildcard {{{ref.list_name}}} inside a list value")
            group = self._group()
            self.captures[group] = _Capture(ref.slot_name, wildcard=True)
            return f"(?P<{group}>.+?)"
        if isinstance(slot_list, RangeSlotList):
            body = self._range(slot_list)
            if depth:
                return body
            group = self._group()
            self.captures[group] = _Capture(ref.slot_name)
            return f"(?P<{group}>{body})"
        if not isinstance(slot_list, TextSlotList):
            raise self._error(f"list {{{ref.list_name}}}: unsupported list type")
        capture = _Capture(ref.slot_name) if not depth else None
        options: list[str] = []  # template values first, in file order
        plain: list[str] = []
        for value in slot_list.values:
            if isinstance(value.text_in, TextChunk):
                text = " ".join(value.text_in.text.lower().split())
                if not text:
                    continue
                if capture is not None:
                    out = value.value_out if value.value_out is not None else text
                    capture.lookup.setdefault(text, out)
                plain.append(text)
                continue
            source = self.compile(value.text_in, depth + 1)
            if capture is not None and value.value_out is not None:
                group = self._group()
                capture.value_groups[group] = value.value_out
                source = f"(?P<{group}>{source})"
            options.append(source)
        if plain:
            options.append(trie_regex(plain))
        if not options:
            return "(?!)"  # an empty list matches nothing
        body = options[0] if len(options) == 1 else _alternation(options)
        if capture is None:
            return body
        group = self._group()
        self.captures[group] = capture
        return f"(?P<{group}>{body})"

    def _range(self, slot_list: RangeSlotList) -> str:
        if slot_list.words or slot_list.multiplier is not None or slot_list.fraction_type:
            raise self._error(
                f"range list {{{slot_list.name}}}: only digit ranges ('words: false') are supported"
            )
        numbers = range(slot_list.start, slot_list.stop + 1, slot_list.step)
        texts = {str(n) for n in numbers} | {f"{n:02d}" for n in numbers if 0 <= n < 10}
        return trie_regex(texts) + r"(?!\d)"


def trie_regex(strings: Iterable[str]) -> str:
    """A regex matching exactly ``strings``, longest match first, with shared prefixes factored.

    Sibling branches that continue the same way become a character class, so the digits
    1-999 read ``[1-9](?:[0-9][0-9]?)?`` rather than a thousand alternatives.
    """
    root: dict[str, Any] = {}
    for text in strings:
        node = root
        for char in text:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(root) or "(?!)"


def _trie_node(node: dict[str, Any]) -> str:
    ends_here = "" in node
    by_suffix: dict[str, list[str]] = {}
    for char, child in node.items():
        if char:
            by_suffix.setdefault(_trie_node(child), []).append(char)
    branches = []
    for suffix, chars in sorted(by_suffix.items(), key=lambda item: (-len(item[0]), item[0])):
        if len(chars) == 1:
            head = re.escape(chars[0])
        else:
            head = "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"
        branches.append(head + suffix)
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if not ends_here:
        return body
    if len(branches) == 1 and len(body) == 1 or body.startswith("(?:") and len(branches) > 1:
        return body + "?"
    return "(?:" + body + ")?"


def _chunk(text: str) -> str:
    parts = []
    for piece in _WORD_SPLIT.split(text.lower()):
        if not piece:
            continue
        parts.append(_SEP if piece.isspace() else re.escape(piece))
    return "".join(parts)


def _alternation(options: list[str]) -> str:
    return "(?:" + "|".join(options) + ")"


def compile_sentence(
    sentence: Sentence,
    lists: Mapping[str, SlotList],
    rules: Mapping[str, Sentence],
    fixed_slots: Mapping[str, object],
    where: str,
    memo: dict[tuple[int, int], tuple[Expression, str]] | None = None,
    scope: int = 0,
) -> CompiledSentence:
    """Compile one template (``where`` names it in errors)."""
    compiler = _Compiler(lists, rules, where, memo, scope)
    source = compiler.compile(sentence.expression)
    return CompiledSentence(rf"\s*{source}\s*", dict(compiler.captures), dict(fixed_slots), where)


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


class CompiledIntents:
    """Every template compiled; runtime lists are compiled in per :meth:`with_lists`."""

    def __init__(
        self,
        intents: Intents,
        intent_files: Mapping[str, str],
        runtime_lists: Iterable[str],
        runtime_values: Mapping[str, SlotList] | None = None,
    ) -> None:
        self.intents = intents
        self.intent_files = intent_files
        self.runtime = frozenset(runtime_lists)
        values = dict(runtime_values or {})
        blocks: list[_Block] = []
        memo: dict[tuple[int, int], tuple[Expression, str]] = {}
        for intent in intents.intents.values():
            for index, data in enumerate(intent.data):
                lists: dict[str, SlotList] = {**intents.slot_lists, **data.slot_lists, **values}
                rules = {**intents.expansion_rules, **data.expansion_rules}
                compiled = []
                for number, sentence in enumerate(data.sentences):
                    names = set(sentence.list_names(rules))
                    if (names & self.runtime) and not values:
                        continue  # compiled later, with the household's lists
                    if values and not names & self.runtime:
                        continue
                    where = f"{intent_files.get(intent.name, '?')}: intent '{intent.name}': data[{index}]: sentence {number}"
                    compiled.append(
                        compile_sentence(
                            sentence,
                            lists,
                            rules,
                            data.slots,
                            where,
                            memo,
                            id(data.expansion_rules),
                        )
                    )
                keywords = frozenset(data.required_keywords) if data.required_keywords else None
                if compiled:
                    blocks.append(_Block(intent.name, keywords, tuple(compiled)))
        self._blocks = tuple(blocks)

    def with_lists(self, runtime_values: Mapping[str, SlotList]) -> CompiledIntents:
        """Only the templates that use runtime lists, compiled with these values."""
        return CompiledIntents(self.intents, self.intent_files, self.runtime, runtime_values)

    def compile_all(self) -> None:
        """Compile every regex now (servers call this at start-up; tests check them all)."""
        for block in self._blocks:
            for sentence in block.sentences:
                _ = sentence.pattern

    def candidates(self, text: str) -> Iterable[Candidate]:
        """Every template (at most one reading each) that matches ``text``."""
        tokens = frozenset(text.split())
        for block in self._blocks:
            if block.keywords is not None and block.keywords.isdisjoint(tokens):
                continue
            for sentence in block.sentences:
                candidate = match_sentence(sentence, block.intent, text)
                if candidate is not None:
                    yield candidate
