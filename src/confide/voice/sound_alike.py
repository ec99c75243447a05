"""Words of the templates that a dictated word sounds like: repairs to read back, never to act on.

The dictation pass (:mod:`confide.voice.dictation`) hears free text with a general language
model, which prefers common English to the templates' own words: "remind me" comes out as
"reminds me", "seven am" as "seven i'm", "add tomatoes" as "and tomatoes", "send bob" as
"send bomb".  The text recogniser then finds no command at all.  :class:`SoundAlike` offers,
for such a transcript, the same words with one or two of them replaced by a word of the
grammar (the templates' words and the household's names) whose pronunciation differs by at
most one phone (:func:`phone_distance`), nearest first.

A repair changes what was heard without hearing it again, so a repaired transcript is never
acted on directly: at most it is *read back* (``Transcript.tentative``), and only the
speaker's "yes" acts on it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence

__all__ = ["MAX_REPAIRS", "SoundAlike", "edit_distance", "parse_dictionary", "phone_distance"]

#: At most this many words of a transcript are replaced.
MAX_REPAIRS = 2
#: At most this many repaired transcripts are offered (nearest first).
MAX_CANDIDATES = 200


def edit_distance(one: Sequence[str], other: Sequence[str]) -> int:
    """Levenshtein distance between two sequences (insert, delete, substitute: 1 each)."""
    previous = list(range(len(other) + 1))
    for i, a in enumerate(one, 1):
        current = [i]
        for j, b in enumerate(other, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1]


#: The distance between two pronunciations: edits of their phones.
phone_distance = edit_distance


def parse_dictionary(text: str) -> dict[str, list[tuple[str, ...]]]:
    """``word -> [phones, ...]`` of a pocketsphinx dictionary's text ("read(2)" joins "read")."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for line in text.splitlines():
        head, _, phones = line.partition(" ")
        if phones.strip():
            found.setdefault(head.split("(", 1)[0], []).append(tuple(phones.split()))
    return found


class SoundAlike:
    """Repairs of dictated transcripts towards the grammar's words.

    ``pronunciations`` are the phones of every word that may be heard or offered;
    ``targets`` the words a heard word may be replaced by (the grammar's).
    """

    def __init__(
        self, pronunciations: Mapping[str, Sequence[tuple[str, ...]]], targets: Iterable[str]
    ) -> None:
        self._phones = pronunciations
        self._targets = sorted(t for t in set(targets) if t in pronunciations)
        self._alike: dict[str, list[tuple[int, str]]] = {}

    def alternatives(self, word: str) -> list[tuple[int, str]]:
        """``(distance, target)`` for the targets within one phone of ``word`` (not itself)."""
        cached = self._alike.get(word)
        if cached is not None:
            return cached
        heard = self._phones.get(word, ())
        found: list[tuple[int, str]] = []
        for target in self._targets:
            if target == word:
                continue
            best = min(
                (phone_distance(h, t) for h in heard for t in self._phones[target]
                 if abs(len(h) - len(t)) <= 1),
                default=2,
            )  # fmt: skip
            if best <= 1:
                found.append((best, target))
        found.sort()
        if len(self._alike) > 20_000:  # words heard: bounded by the dictation's vocabulary
            self._alike.clear()
        self._alike[word] = found
        return found

    def repairs(self, words: Sequence[str]) -> Iterator[tuple[str, ...]]:
        """``words`` with one, then two of them replaced (nearest first), at most
        :data:`MAX_CANDIDATES` of them."""
        options = [(i, self.alternatives(w)) for i, w in enumerate(words)]
        options = [(i, alts) for i, alts in options if alts]
        candidates: list[tuple[int, int, tuple[str, ...]]] = []
        for count in range(1, MAX_REPAIRS + 1):
            for chosen in itertools.combinations(options, count):
                for picks in itertools.product(*(alts for _, alts in chosen)):
                    changed = list(words)
                    for (index, _), (_, target) in zip(chosen, picks, strict=True):
                        changed[index] = target
                    cost = sum(distance for distance, _ in picks)
                    candidates.append((count, cost, tuple(changed)))
                    if len(candidates) >= 20 * MAX_CANDIDATES:
                        break
        candidates.sort(key=lambda c: (c[0], c[1]))
        for _, _, repaired in candidates[:MAX_CANDIDATES]:
            yield repaired
