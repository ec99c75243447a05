"""Word automata: epsilon removal, determinisation and minimisation for speech grammars.

pocketsphinx's finite-state-grammar search does not share anything between transitions:
every word leaving an active state is a separate chain of phone models.  A grammar written as
"alternatives of sentences" therefore evaluates "set" once per sentence that starts with it.
Determinising the word automaton merges common prefixes (one "set" leaves the start state)
and minimising merges common suffixes (every "... minutes" ends in one place), which shrinks
the search by an order of magnitude without changing the language it accepts.

Minimisation is Brzozowski's: ``det(rev(det(rev(A))))`` is the minimal deterministic
automaton of ``A``.  Both determinisations work on epsilon-free automata.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

Edge = tuple[int, int, str | None]  # (source, target, word); None is an epsilon move
Arc = tuple[int, int, str]


class PackedEdges(Sequence[Arc]):
    """Edges kept as three arrays (sources, targets, word numbers) and the distinct words.

    A cached automaton of the templates holds some 30,000 edges: as tuples of Python ints
    and strings they take ~2 MB, packed ~0.3 MB.  Reading gives the same tuples back.
    """

    __slots__ = ("_sources", "_symbols", "_targets", "_words")

    def __init__(self, edges: Iterable[Arc]) -> None:
        numbers: dict[str, int] = {}
        self._sources, self._targets, self._symbols = array("i"), array("i"), array("i")
        for src, dst, word in edges:
            self._sources.append(src)
            self._targets.append(dst)
            self._symbols.append(numbers.setdefault(word, len(numbers)))
        self._words = tuple(numbers)

    def __len__(self) -> int:
        return len(self._sources)

    @overload
    def __getitem__(self, index: int) -> Arc: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Arc, ...]: ...
    def __getitem__(self, index: int | slice) -> Arc | tuple[Arc, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        return self._sources[index], self._targets[index], self._words[self._symbols[index]]

    def __iter__(self) -> Iterator[Arc]:
        words = self._words
        for src, dst, symbol in zip(self._sources, self._targets, self._symbols, strict=True):
            yield src, dst, words[symbol]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))


@dataclass(frozen=True)
class Automaton:
    """A word automaton: states ``0..count-1``, one start, a set of final states."""

    count: int
    start: int
    finals: frozenset[int]
    edges: Sequence[Arc]

    def packed(self) -> Automaton:
        """The same automaton with its edges packed (:class:`PackedEdges`), to be kept."""
        return Automaton(self.count, self.start, self.finals, PackedEdges(self.edges))

    def to_fsg(
        self,
        name: str = "command",
        probabilities: Sequence[float] | None = None,
        *,
        loops: Mapping[str, Sequence[str]] | None = None,
        choices: Mapping[str, Sequence[Sequence[str]]] | None = None,
        repeat_p: float = 0.6,
    ) -> str:
        """The pocketsphinx FSG text format; a final state gets an epsilon to one exit.

        ``probabilities`` holds one value per edge and then one per final state's exit (in
        ascending state order), as :func:`confide.voice.weights.transition_probabilities`
        gives them; without it out-going probabilities are uniform per state (counting the
        exit as one choice).  An edge whose symbol is a key of ``loops`` is free text: one or
        more of its words (each equally likely, another word with probability ``repeat_p``),
        written as two fresh states of its own.  An edge whose symbol is a key of
        ``choices`` is one of its phrases (each equally likely), a chain of fresh states each.
        """
        exit_state = self.count
        arcs: list[tuple[int, int, str | None]] = list(self.edges)
        arcs.extend((state, exit_state, None) for state in sorted(self.finals))
        if probabilities is not None and len(probabilities) != len(arcs):
            raise ValueError("one probability per edge and per final state is needed")
        outdegree: dict[int, int] = {}
        for src, _, _ in arcs:
            outdegree[src] = outdegree.get(src, 0) + 1
        loops, choices = loops or {}, choices or {}
        body: list[str] = []
        states = exit_state + 1
        for index, (src, dst, word) in enumerate(arcs):
            value = 1 / outdegree[src] if probabilities is None else probabilities[index]
            if word is not None and word in loops:
                first, more = states, states + 1
                states += 2
                vocabulary = loops[word]
                once, again = 1 / len(vocabulary), repeat_p / len(vocabulary)
                body.append(f"TRANSITION {src} {first} {value:.6g}")
                body.extend(f"TRANSITION {first} {more} {once:.6g} {w}" for w in vocabulary)
                body.extend(f"TRANSITION {more} {more} {again:.6g} {w}" for w in vocabulary)
                body.append(f"TRANSITION {more} {dst} {1 - repeat_p:.6g}")
                continue
            if word is not None and word in choices:
                phrases = choices[word]
                for phrase in phrases:
                    chain = [src, *range(states, states + len(phrase) - 1), dst]
                    states += len(phrase) - 1
                    for step, spoken in enumerate(phrase):
                        p = value / len(phrases) if step == 0 else 1.0
                        body.append(f"TRANSITION {chain[step]} {chain[step + 1]} {p:.6g} {spoken}")
                continue
            body.append(f"TRANSITION {src} {dst} {value:.6g}" + (f" {word}" if word else ""))
        lines = [
            f"FSG_BEGIN {name}",
            f"NUM_STATES {states}",
            f"START_STATE {self.start}",
            f"FINAL_STATE {exit_state}",
            *body,
            "FSG_END",
        ]
        return "\n".join(lines) + "\n"

    def accepts(self, words: Iterable[str]) -> bool:
        """Whether the automaton accepts the word sequence (for tests and checks)."""
        table: dict[tuple[int, str], list[int]] = {}
        for src, dst, word in self.edges:
            table.setdefault((src, word), []).append(dst)
        current = {self.start}
        for word in words:
            current = {dst for state in current for dst in table.get((state, word), ())}
            if not current:
                return False
        return bool(current & self.finals)


def _closures(count: int, edges: Iterable[Edge]) -> list[frozenset[int]]:
    eps: list[list[int]] = [[] for _ in range(count)]
    for src, dst, word in edges:
        if word is None:
            eps[src].append(dst)
    closures: list[frozenset[int]] = []
    for state in range(count):
        seen = {state}
        stack = [state]
        while stack:
            for nxt in eps[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        closures.append(frozenset(seen))
    return closures


def _determinise(
    count: int, starts: frozenset[int], finals: frozenset[int], edges: Iterable[Edge]
) -> Automaton:
    """Subset construction over an automaton that may hold epsilon moves."""
    edges = list(edges)
    closure = _closures(count, edges)
    moves: list[dict[str, set[int]]] = [{} for _ in range(count)]
    for src, dst, word in edges:
        if word is not None:
            moves[src].setdefault(word, set()).add(dst)

    def close(states: Iterable[int]) -> frozenset[int]:
        return frozenset(s for state in states for s in closure[state])

    first = close(starts)
    index: dict[frozenset[int], int] = {first: 0}
    order = [first]
    out: list[tuple[int, int, str]] = []
    position = 0
    while position < len(order):
        subset = order[position]
        targets: dict[str, set[int]] = {}
        for state in subset:
            for word, dsts in moves[state].items():
                targets.setdefault(word, set()).update(dsts)
        for word in sorted(targets):
            target = close(targets[word])
            if target not in index:
                index[target] = len(order)
                order.append(target)
            out.append((position, index[target], word))
        position += 1
    final_subsets = frozenset(i for i, subset in enumerate(order) if subset & finals)
    return Automaton(len(order), 0, final_subsets, tuple(out))


def minimise(count: int, start: int, finals: Iterable[int], edges: Iterable[Edge]) -> Automaton:
    """The minimal deterministic automaton accepting what the given one accepts."""
    edges = list(edges)
    final_set = frozenset(finals)
    forward = _determinise(count, frozenset({start}), final_set, edges)
    backward = _determinise(
        forward.count,
        forward.finals,
        frozenset({forward.start}),
        [(dst, src, word) for src, dst, word in forward.edges],
    )
    reversed_again = [(dst, src, word) for src, dst, word in backward.edges]
    return _determinise(
        backward.count, backward.finals, frozenset({backward.start}), reversed_again
    )
