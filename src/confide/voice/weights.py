"""Transition probabilities for the speech grammar, estimated from the templates themselves.

A finite-state grammar with uniform probabilities per state treats "fifth" (the start of a
rare date-first phrasing) as likely as "set" as a first word, and pocketsphinx multiplies
those probabilities by its language weight: the common commands lose their paths in the
beam to the many rarely used branches.  Here each transition's probability is estimated by
sampling sentences from the parsed JSGF as a probabilistic grammar — every intent equally
likely, then every sentence template of that intent, then every alternative of an
alternation; an optional part is said with probability :data:`OPTIONAL_P` (the leading and
trailing politeness words with :data:`SKIP_P`) — and counting which transitions of the
deterministic automaton the samples take.  Counts are smoothed (add-``alpha``) so every
transition the templates allow keeps a non-zero probability: the grammar accepts exactly
the same sentences, only their prior changes.

No data outside the templates is used (no test or benchmark sentences), and the sampling is
seeded, so the same templates and lists always give the same grammar.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator, Mapping, Sequence

from confide.voice.fsa import Automaton

#: Probability that a sampled sentence says an optional part.
OPTIONAL_P = 0.5
#: Probability of the optional parts of the top rule (skip words like "please", "hey").
SKIP_P = 0.15
#: Probability that a repetition (free text: ``<free_word>+``) goes on for one more word.
REPEAT_P = 0.6
#: Sentences sampled per grammar.
SAMPLES = 20000

# A parsed JSGF body, as in confide.voice.jsgf: ("word", w) | ("ref", name) | ("seq", [..])
# | ("alt", [..]) | ("opt", node) | ("plus", node)
Node = tuple[str, object]


class _Sampler:
    """Random sentences of a parsed grammar, read as a probabilistic grammar."""

    def __init__(
        self, rules: Mapping[str, Node], rng: random.Random, opaque: Collection[str] = ()
    ) -> None:
        self.rules = rules
        self.rng = rng
        self.opaque = opaque  # rules sampled as their one symbol "<name>"

    def words(self, node: Node, out: list[str], optional_p: float = OPTIONAL_P) -> None:
        kind, value = node
        if kind == "word":
            out.append(str(value))
        elif kind == "seq":
            for item in value:  # type: ignore[attr-defined]
                self.words(item, out, optional_p)
        elif kind == "alt":
            options: Sequence[Node] = value  # type: ignore[assignment]
            self.words(options[self.rng.randrange(len(options))], out)
        elif kind == "plus":
            self.words(value, out)  # type: ignore[arg-type]
            while self.rng.random() < REPEAT_P:
                self.words(value, out)  # type: ignore[arg-type]
        elif kind == "opt":
            if self.rng.random() < optional_p:
                self.words(value, out)  # type: ignore[arg-type]
        elif str(value) in self.opaque:
            out.append(f"<{value}>")
        else:  # a rule reference
            self.words(self.rules[str(value)], out)

    def sentence(self, top: str) -> list[str]:
        """One sentence of rule ``top``; its own optional parts use :data:`SKIP_P`."""
        out: list[str] = []
        kind, value = self.rules[top]
        if kind == "alt" and len(value) == 1:  # type: ignore[arg-type]
            kind, value = value[0]  # type: ignore[index]
        items = value if kind == "seq" else [(kind, value)]
        for item in items:  # type: ignore[attr-defined]
            self.words(item, out, SKIP_P if item[0] == "opt" else OPTIONAL_P)
        return out


def sample_sentences(
    rules: Mapping[str, Node],
    top: str,
    count: int = SAMPLES,
    seed: int = 0,
    opaque: Collection[str] = (),
) -> Iterator[list[str]]:
    """``count`` random sentences of ``<top>`` (seeded: the same rules give the same ones).

    A rule named in ``opaque`` is sampled as its one symbol ``<name>``.
    """
    sampler = _Sampler(rules, random.Random(seed), opaque)  # noqa: S311 - a prior, not a secret
    for _ in range(count):
        yield sampler.sentence(top)


def transition_probabilities(
    automaton: Automaton, sentences: Iterator[list[str]], alpha: float = 0.5
) -> list[float]:
    """One probability per edge of ``automaton`` (then one per final state's exit).

    Probabilities leaving a state sum to one, counting its exit when it is final.  A
    sentence the automaton does not accept is a bug in the caller and raises ``ValueError``.
    """
    table = {(src, word): i for i, (src, _, word) in enumerate(automaton.edges)}
    edge_counts = [0] * len(automaton.edges)
    exit_counts: dict[int, int] = dict.fromkeys(automaton.finals, 0)
    for words in sentences:
        state = automaton.start
        for word in words:
            index = table.get((state, word))
            if index is None:
                raise ValueError("a sampled sentence is not in the grammar")
            edge_counts[index] += 1
            state = automaton.edges[index][1]
        if state not in exit_counts:
            raise ValueError("a sampled sentence ends in a non-final state")
        exit_counts[state] += 1
    totals: dict[int, float] = {}
    arity: dict[int, int] = {}
    for (src, _, _), count in zip(automaton.edges, edge_counts, strict=True):
        totals[src] = totals.get(src, 0.0) + count
        arity[src] = arity.get(src, 0) + 1
    for state, count in exit_counts.items():
        totals[state] = totals.get(state, 0.0) + count
        arity[state] = arity.get(state, 0) + 1
    probabilities = [
        (count + alpha) / (totals[src] + alpha * arity[src])
        for (src, _, _), count in zip(automaton.edges, edge_counts, strict=True)
    ]
    probabilities.extend(
        (exit_counts[state] + alpha) / (totals[state] + alpha * arity[state])
        for state in sorted(automaton.finals)
    )
    return probabilities
