"""JSGF text → the minimal word automaton pocketsphinx searches (its FSG format).

pocketsphinx can read JSGF itself, but it copies a rule at every use and keeps every
alternative as a separate path: with the templates' ``{time}``, ``{date}`` and ``{duration}``
that is 40,000 states whose search is slower than real time.  Here the ``<command>`` rule is
expanded exactly (nothing the templates do not accept is added) into a word automaton, which
:func:`confide.voice.fsa.minimise` turns into its minimal deterministic form: ~1,400 states,
searched at a few percent of real time.

Only the JSGF this package writes is read: rule definitions ``<name> = body;`` on one line,
words, ``<refs>``, ``( | )``, ``[ ]`` and ``+`` (one or more) after a ``<ref>``; no weights,
tags or imports.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache

from confide.voice.fsa import Automaton, Edge, minimise
from confide.voice.weights import sample_sentences, transition_probabilities

_TOKEN_RE = re.compile(r"<[^>]+>|[()\[\]|+]|[^\s()\[\]|<>+]+")
_RULE_RE = re.compile(r"(?:public\s+)?<([^>]+)>\s*=\s*(.*);$")

# A parsed body: ("word", w) | ("ref", name) | ("seq", [nodes]) | ("alt", [nodes]) | ("opt", node)
# | ("plus", node): one or more of node
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
                if pos + 1 < len(tokens) and tokens[pos + 1] == "+":
                    items[-1] = ("plus", items[-1])
                    pos += 1
            elif symbol == "+":
                raise JsgfError("'+' is read after a <rule> reference only")
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

    def __init__(self, rules: Mapping[str, Node], opaque: Collection[str] = ()) -> None:
        self.rules = rules
        self.opaque = opaque  # rules kept as one symbol "<name>" (expanded in the FSG)
        self.count = 1  # state 0 is the start
        self.edges: list[Edge] = []
        self.active: set[str] = set()

    def new(self) -> int:
        self.count += 1
        return self.count - 1

    def repeat(self, node: Node, start: int) -> int:
        """One or more of ``node``, from a fresh loop state that joins no other path."""
        loop = self.new()
        self.edges.append((start, loop, None))
        end = self.build(node, loop)
        self.edges.append((end, loop, None))
        return end

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
        if kind == "plus":
            return self.repeat(value, start)  # type: ignore[arg-type]
        if kind == "opt":
            end = self.build(value, start)  # type: ignore[arg-type]
            self.edges.append((start, end, None))
            return end
        if kind == "alt":
            end = self.new()
            for option in value:  # type: ignore[attr-defined]
                self.edges.append((self.build(option, start), end, None))
            return end
        return self.reference(str(value), start)

    def reference(self, name: str, start: int) -> int:
        """A rule expanded in place (an opaque rule: one symbol ``<name>``)."""
        if name in self.opaque:
            end = self.new()
            self.edges.append((start, end, f"<{name}>"))
            return end
        if name not in self.rules:
            raise JsgfError(f"rule <{name}> is used but not defined")
        if name in self.active:
            raise JsgfError(f"rule <{name}> refers to itself")
        self.active.add(name)
        end = self.build(self.rules[name], start)
        self.active.discard(name)
        return end


def jsgf_automaton(jsgf: str, rule: str = "command", opaque: Collection[str] = ()) -> Automaton:
    """The minimal deterministic word automaton of ``<rule>`` in ``jsgf``.

    Rules named in ``opaque`` stay one symbol ``<name>`` (free text would make the
    determinised automaton explode); :meth:`Automaton.to_fsg` expands them as loops.
    """
    builder = _Builder(parse_rules(jsgf), opaque)
    end = builder.build(("ref", rule), 0)
    return minimise(builder.count, 0, [end], builder.edges)


def _loop_words(rules: Mapping[str, Node], name: str) -> tuple[str, ...]:
    """The words of a loop rule ``<name> = <words>+;`` whose ``<words>`` lists single words."""
    kind, value = _unwrap(rules[name])
    if kind != "plus" or value[0] != "ref":  # type: ignore[index]
        raise JsgfError(f"rule <{name}> is not of the form <words>+")
    kind, options = _unwrap(rules[str(value[1])])  # type: ignore[index]
    alternatives: list[Node] = options if kind == "alt" else [(kind, options)]  # type: ignore[assignment]
    words = [_unwrap(option) for option in alternatives]
    if any(kind != "word" for kind, _ in words):
        raise JsgfError(f"the words of <{name}> must be single words")
    return tuple(str(word) for _, word in words)


def _unwrap(node: Node) -> Node:
    """``node`` without the one-item sequences and alternations around it."""
    kind, value = node
    while kind in ("alt", "seq") and len(value) == 1:  # type: ignore[arg-type]
        kind, value = value[0]  # type: ignore[index]
    return kind, value


def _phrases(rules: Mapping[str, Node], name: str) -> tuple[tuple[str, ...], ...]:
    """The word sequences of a rule that lists phrases (``<list_recipient> = (bob | ...)``)."""
    kind, options = _unwrap(rules[name])
    alternatives: list[Node] = options if kind == "alt" else [(kind, options)]  # type: ignore[assignment]
    phrases = []
    for option in alternatives:
        kind, value = _unwrap(option)
        items: list[Node] = value if kind == "seq" else [(kind, value)]  # type: ignore[assignment]
        if any(item[0] != "word" for item in items):
            raise JsgfError(f"<{name}> must list phrases of plain words")
        phrases.append(tuple(str(word) for _, word in items))
    return tuple(phrases)


#: Rules spliced into the FSG as they are when it is written: the household's names and
#: shopping items.  The automaton is built without them, so a new contact or shopping item
#: does not rebuild (determinise, minimise, weigh) the automaton, only the FSG text.
SPLICED_RULES = ("list_recipient", "list_shopping_item")


def jsgf_to_fsg(
    jsgf: str, rule: str = "command", *, weighted: bool = True, loop_rule: str = "free"
) -> str:
    """The pocketsphinx FSG text of the grammar ``jsgf``.

    The automaton (:func:`jsgf_automaton`) and its transition probabilities are cached by
    the grammar's structure — its text without the household lists and the free-text
    vocabulary — which those lists are spliced into.  ``weighted``: probabilities estimated
    from the templates (:mod:`confide.voice.weights`), else uniform per state.
    ``loop_rule``, when the grammar defines it, is free text: one or more words of its
    vocabulary.
    """
    rules = parse_rules(jsgf)
    loops = {f"<{loop_rule}>": _loop_words(rules, loop_rule)} if loop_rule in rules else {}
    spliced = tuple(name for name in SPLICED_RULES if name in rules)
    choices = {f"<{name}>": _phrases(rules, name) for name in spliced}
    opaque = (*spliced, *((loop_rule,) if loops else ()))
    hidden = {*opaque, *(_loop_inner(rules, loop_rule) for _ in loops)}
    structure = "\n".join(line for line in jsgf.splitlines() if _defines(line) not in hidden)
    automaton, probabilities = _weighted_automaton(structure, rule, opaque, weighted)
    return automaton.to_fsg(rule, probabilities, loops=loops, choices=choices)


def _defines(line: str) -> str | None:
    """The name of the rule a JSGF line defines, if it defines one."""
    match = _RULE_RE.match(line)
    return match.group(1) if match else None


def _loop_inner(rules: Mapping[str, Node], name: str) -> str:
    kind, value = _unwrap(rules[name])
    return str(value[1]) if kind == "plus" else ""  # type: ignore[index]


@lru_cache(maxsize=4)
def _weighted_automaton(
    structure: str, rule: str, opaque: tuple[str, ...], weighted: bool
) -> tuple[Automaton, Sequence[float] | None]:
    """The automaton and its probabilities, kept packed (arrays, not Python objects)."""
    automaton = jsgf_automaton(structure, rule, opaque)
    if not weighted:
        return automaton.packed(), None
    samples = sample_sentences(parse_rules(structure), rule, opaque=opaque)
    probabilities = array("d", transition_probabilities(automaton, samples))
    return automaton.packed(), probabilities


Transition = tuple[int, int, float] | tuple[int, int, float, str]


def fsg_transitions(fsg: str) -> tuple[int, int, list[Transition]]:
    """(start, final, transitions) of FSG text, as ``Decoder.create_fsg`` takes them."""
    start = final = 0
    transitions: list[Transition] = []
    for line in fsg.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "TRANSITION":
            src, dst, prob = int(parts[1]), int(parts[2]), float(parts[3])
            transitions.append((src, dst, prob, parts[4]) if len(parts) > 4 else (src, dst, prob))
        elif parts[0] == "START_STATE":
            start = int(parts[1])
        elif parts[0] == "FINAL_STATE":
            final = int(parts[1])
    return start, final, transitions
