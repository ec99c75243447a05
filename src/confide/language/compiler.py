"""Compiling hassil sentence templates into regular expressions.

Each template becomes one anchored regex over the normalised text (lower-case words, single
spaces).  Whitespace in a template matches a space or a word boundary, so "set [a] alarm"
reads "set alarm" or "set a alarm" but never "setalarm"; ``[optional]`` and
``(alternatives)`` become regex groups tried in order; ``<rules>`` are inlined; a ``{list}``
becomes the alternation of its values (plain values as a prefix tree, longest first;
template values in file order); a digit ``range`` list becomes a character-class tree; a
``wildcard`` list becomes a lazy match of at least one word, followed by a look-ahead for the
words that can come next.  Only the slots a sentence names directly are captured; the words
inside a list value (the hour inside a time) are not.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hassil import (
    Alternative,
    Expression,
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
_MAX_DEPTH = 50
_WORD_SPLIT = re.compile(r"(\s+)")


@functools.lru_cache(maxsize=4096)
def _compile_source(source: str) -> re.Pattern[str]:
    """Compiled regexes by source, shared: a shopping list that returns to an earlier state
    (eggs added, bought, added again) reuses the patterns compiled for it."""
    return re.compile(source, re.DOTALL)


@dataclass
class Capture:
    """What a named group of a sentence regex holds."""

    slot: str
    wildcard: bool = False
    #: matched words -> output value, for plain list values
    lookup: dict[str, object] = field(default_factory=dict)
    #: group name of a template value -> its output value
    value_groups: dict[str, object] = field(default_factory=dict)
    #: the runtime list whose values fill this group in (see CompiledSentence.with_values)
    runtime: str | None = None


def _placeholder(list_name: str) -> str:
    return f"\x00{list_name}\x00"


class CompiledSentence:
    """A sentence template as a regex, with what each named group means.

    The regex source is built (and checked) up front; ``re.compile`` runs on first use, so
    that a one-shot command line only pays for the templates it needs.
    """

    __slots__ = ("_pattern", "captures", "fixed_slots", "source", "where")

    def __init__(
        self,
        source: str,
        captures: Mapping[str, Capture],
        fixed_slots: Mapping[str, object],
        where: str,
    ) -> None:
        self.source = source
        self.captures = captures
        self.fixed_slots = fixed_slots
        self.where = where
        self._pattern: re.Pattern[str] | None = None

    def with_values(
        self, values: Mapping[str, tuple[str, Mapping[str, object]]]
    ) -> CompiledSentence:
        """This template with its runtime lists filled in.

        ``values`` maps a runtime list to its regex (see :func:`trie_regex`) and its lookup
        from matched words to output value.  Cheap: a string substitution; the regex itself is
        compiled on first use.
        """
        source = self.source
        captures = dict(self.captures)
        for group, capture in self.captures.items():
            if capture.runtime is None:
                continue
            body, lookup = values.get(capture.runtime, ("(?!)", {}))
            source = source.replace(_placeholder(capture.runtime), body)
            captures[group] = Capture(capture.slot, lookup=dict(lookup))
        return CompiledSentence(source, captures, self.fixed_slots, self.where)

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled regex (compiled once; a benign race between threads)."""
        pattern = self._pattern
        if pattern is None:
            try:
                pattern = _compile_source(self.source)
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
        runtime: frozenset[str] = frozenset(),
    ) -> None:
        self.lists = lists
        self.runtime = runtime
        self.rules = rules
        self.where = where
        self.captures: dict[str, Capture] = {}
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
            return self._sequence(expression, depth)
        if isinstance(expression, Alternative):
            return _alternation([self.compile(item, depth) for item in expression.items])
        if isinstance(expression, Permutation):
            orders = itertools.permutations(expression.items)
            return _alternation(
                [_SEP.join(self.compile(item, depth) for item in order) for order in orders]
            )
        return self._reference(expression, depth)

    def _sequence(self, expression: Sequence, depth: int) -> str:
        parts = []
        for index, item in enumerate(expression.items):
            parts.append(self.compile(item, depth))
            if self._is_wildcard(item):
                parts.append(self._lookahead(expression.items[index + 1 :]))
        return "".join(parts)

    def _reference(self, expression: Expression, depth: int) -> str:
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
                return rf"(?=\s?(?:{'|'.join(sorted(starts))}))"
        return ""

    def _first(self, expression: Expression, depth: int) -> tuple[set[str], bool] | None:
        """Regexes for how ``expression`` can begin, and whether it can be empty.

        None when unknown (a wildcard, or too deep).
        """
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expression, TextChunk):
            words = expression.text.lower().split()
            return ({re.escape(words[0])}, False) if words else (set(), True)
        if isinstance(expression, RuleReference):
            rule = self.rules.get(expression.rule_name)
            return None if rule is None else self._first(rule.expression, depth + 1)
        if isinstance(expression, (Sequence, Alternative)):
            return self._first_group(expression, depth)
        if isinstance(expression, ListReference):
            return self._first_list(expression, depth)
        return None

    def _first_group(
        self, expression: Sequence | Alternative, depth: int
    ) -> tuple[set[str], bool] | None:
        starts: set[str] = set()
        in_sequence = isinstance(expression, Sequence)
        nullable = in_sequence
        for item in expression.items:
            first = self._first(item, depth + 1)
            if first is None:
                return None
            starts |= first[0]
            if in_sequence and not first[1]:
                return starts, False
            nullable = nullable or first[1]
        return starts, nullable

    def _first_list(self, ref: ListReference, depth: int) -> tuple[set[str], bool] | None:
        slot_list = self.lists.get(ref.list_name)
        if isinstance(slot_list, RangeSlotList):
            return {r"\d"}, False
        if not isinstance(slot_list, TextSlotList):
            return None
        starts: set[str] = set()
        for value in slot_list.values:
            first = self._first(value.text_in, depth + 1)
            if first is None or first[1]:
                return None
            starts |= first[0]
        return starts, False

    def _error(self, problem: str) -> LanguageError:
        return LanguageError(
            f"sentence templates: {self.where}: {problem}", code="language_templates"
        )

    def _list(self, ref: ListReference, depth: int) -> str:
        if ref.is_capture or ref.prefix or ref.suffix:
            raise self._error(f"list {{{ref.list_name}}}: captures/affixes are not supported")
        if ref.list_name in self.runtime:
            if depth:
                raise self._error(f"runtime list {{{ref.list_name}}} inside a list value")
            runtime = Capture(ref.slot_name, runtime=ref.list_name)
            return self._captured(runtime, _placeholder(ref.list_name))
        slot_list = self.lists.get(ref.list_name)
        if slot_list is None:
            raise self._error(f"unknown list {{{ref.list_name}}}")
        if isinstance(slot_list, WildcardSlotList):
            if depth:
                raise self._error(f"wildcard {{{ref.list_name}}} inside a list value")
            # at least one word, starting and ending on a non-space, as few as possible
            return self._captured(Capture(ref.slot_name, wildcard=True), r"\S(?:.*?\S)?")
        if isinstance(slot_list, RangeSlotList):
            body = self._range(slot_list)
            return body if depth else self._captured(Capture(ref.slot_name), body)
        if not isinstance(slot_list, TextSlotList):
            raise self._error(f"list {{{ref.list_name}}}: unsupported list type")
        capture = Capture(ref.slot_name) if not depth else None
        body = self._text_values(slot_list, capture, depth)
        return body if capture is None else self._captured(capture, body)

    def _captured(self, capture: Capture, body: str) -> str:
        group = self._group()
        self.captures[group] = capture
        return f"(?P<{group}>{body})"

    def _text_values(self, slot_list: TextSlotList, capture: Capture | None, depth: int) -> str:
        options: list[str] = []  # template values first, in file order
        plain: list[str] = []
        for value in slot_list.values:
            if isinstance(value.text_in, TextChunk):
                text = " ".join(value.text_in.text.lower().split())
                if text:
                    plain.append(text)
                    if capture is not None:
                        out = value.value_out if value.value_out is not None else text
                        capture.lookup.setdefault(text, out)
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
        return options[0] if len(options) == 1 else _alternation(options)

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
    if (len(branches) == 1 and len(body) == 1) or (body.startswith("(?:") and len(branches) > 1):
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
    runtime: frozenset[str] = frozenset(),
) -> CompiledSentence:
    """Compile one template (``where`` names it in errors).

    Lists named in ``runtime`` are left as placeholders for :meth:`CompiledSentence.with_values`.
    """
    compiler = _Compiler(lists, rules, where, memo, scope, runtime)
    source = compiler.compile(sentence.expression)
    return CompiledSentence(rf"\s*{source}\s*", dict(compiler.captures), dict(fixed_slots), where)
