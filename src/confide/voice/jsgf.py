"""JSGF text → the minimal word automaton pocketsphinx searches (its FSG format).

pocketsphinx can read JSGF itself, but it copies a rule at every use and keeps every
alternative as a separate path: with the templates' ``{time}``, ``{date}`` and ``{duration}``
that is 40,000 states whose search is slower than real time.  Here the ``<command>`` rule is
expanded exactly (nothing the templates do not accept is added) into a word automaton, which
:func:`confide.voice.fsa.minimise` turns into its minimal deterministic form: ~1,400 states,
searched at a few percent of real time.

Only the JSGF this package writes is read: rule definitions ``<name> = body;`` on one line,
words, ``<refs>``, ``( | )`` and ``[ ]``; no weights, tags or imports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from confide.voice.fsa import Automaton, Edge, minimise

_TOKEN_RE = re.compile(r"<[^>]+>|[()\[\]|]|[^\s()\[\]|<>]+")
_RULE_RE = re.compile(r"(?:public\s+)?<([^>]+)>\s*=\s*(.*);$")

# A parsed body: ("word", w) | ("ref", name) | ("seq", [nodes]) | ("alt", [nodes]) | ("opt", node)
Node = tuple[str, object]


class JsgfError(ValueError):
    """JSGF text this reader does not understand (a bug in the grammar writer)."""


def parse_rules(jsgf: str) -> dict[str, Node]:
    """Every rule of ``jsgf`` by name."""
    rules: dict[str, Node] = {}
    for line in jsgf.splitlines():
        match = _RULE_RE.match(line)
        if match:
            tokens = _TOKEN_RE.findall(match.group(2))
            node, end = _parse_alternatives(tokens, 0)
            if end != len(tokens):
                raise JsgfError(f"cannot read rule <{match.group(1)}> at token {end}")
            rules[match.group(1)] = node
    return rules


def _parse_alternatives(tokens: list[str], pos: int) -> tuple[Node, int]:
    options: list[Node] = []
    while True:
        items: list[Node] = []
        while pos < len(tokens) and tokens[pos] not in ("|", ")", "]"):
            symbol = tokens[pos]
            if symbol in ("(", "["):
                inner, pos = _parse_alternatives(tokens, pos + 1)
                items.append(("opt", inner) if symbol == "[" else inner)
            elif symbol.startswith("<"):
                items.append(("ref", symbol[1:-1]))
            else:
                items.append(("word", symbol))
            pos += 1
        options.append(("seq", items))
        if pos < len(tokens) and tokens[pos] == "|":
            pos += 1
            continue
        return ("alt", options), pos


class _Builder:
    """Thompson-style construction of an epsilon automaton from parsed rules."""

    def __init__(self, rules: Mapping[str, Node]) -> None:
        self.rules = rules
        self.count = 1  # state 0 is the start
        self.edges: list[Edge] = []
        self.active: set[str] = set()

    def new(self) -> int:
        self.count += 1
        return self.count - 1

    def build(self, node: Node, start: int) -> int:
        kind, value = node
        if kind == "word":
            end = self.new()
            self.edges.append((start, end, str(value)))
            return end
        if kind == "seq":
            for item in value:  # type: ignore[attr-defined]
                start = self.build(item, start)
            return start
        if kind == "opt":
            end = self.build(value, start)  # type: ignore[arg-type]
            self.edges.append((start, end, None))
            return end
        if kind == "alt":
            end = self.new()
            for option in value:  # type: ignore[attr-defined]
                self.edges.append((self.build(option, start), end, None))
            return end
        name = str(value)
        if name not in self.rules:
            raise JsgfError(f"rule <{name}> is used but not defined")
        if name in self.active:
            raise JsgfError(f"rule <{name}> refers to itself")
        self.active.add(name)
        end = self.build(self.rules[name], start)
        self.active.discard(name)
        return end


def jsgf_automaton(jsgf: str, rule: str = "command") -> Automaton:
    """The minimal deterministic word automaton of ``<rule>`` in ``jsgf``."""
    builder = _Builder(parse_rules(jsgf))
    end = builder.build(("ref", rule), 0)
    return minimise(builder.count, 0, [end], builder.edges)


@lru_cache(maxsize=8)
def jsgf_to_fsg(jsgf: str, rule: str = "command") -> str:
    """The pocketsphinx FSG text of :func:`jsgf_automaton` (cached by the grammar text)."""
    return jsgf_automaton(jsgf, rule).to_fsg(rule)
