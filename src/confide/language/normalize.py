"""Text clean-up before matching, keeping a map back to what the person typed or said.

The matcher sees lower-case words separated by single spaces: "7:30pm" reads "7 30 pm",
"a.m." reads "am", "five-minute" reads "five minute", punctuation is gone (apostrophes inside
words stay: "what's", "o'clock") and polite fillers at either end ("hey confide", "please")
are dropped.  Free-text slots (a reminder's task, a message's body) are then cut from the
*original* text through the offset map, so they keep the person's own words, case and
punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_Replacement = Callable[["re.Match[str]"], str]

_EDGE_PUNCTUATION = " \t\n\r.,;:!?¿¡\"'“”‘’«»()[]{}<>-–—…"


@dataclass(frozen=True)
class Normalised:
    """Matchable text plus, for every character of it, its index in ``original``."""

    original: str
    text: str
    offsets: tuple[int, ...]

    def original_slice(self, start: int, end: int) -> str:
        """The original text behind ``text[start:end]``, edge punctuation stripped."""
        if not 0 <= start < end <= len(self.offsets):
            return ""
        first, last = self.offsets[start], self.offsets[end - 1]
        return self.original[first : last + 1].strip(_EDGE_PUNCTUATION)


def _sub(
    text: str, offsets: list[int], pattern: re.Pattern[str], repl: str | _Replacement
) -> tuple[str, list[int]]:
    parts: list[str] = []
    new_offsets: list[int] = []
    pos = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        parts.append(text[pos:start])
        new_offsets.extend(offsets[pos:start])
        replacement = repl if isinstance(repl, str) else repl(match)
        if replacement:
            first = offsets[start] if start < len(offsets) else len(offsets)
            last = offsets[end - 1] if end > start else first
            parts.append(replacement)
            new_offsets.extend([first] * (len(replacement) - 1) + [last])
        pos = end
    if not parts:
        return text, offsets
    parts.append(text[pos:])
    new_offsets.extend(offsets[pos:])
    return "".join(parts), new_offsets


def _joined(match: re.Match[str]) -> str:
    return f"{match.group(1)} {match.group(2)}"


def _meridiem(match: re.Match[str]) -> str:
    return f"{match.group(1)}m"


_RULES: tuple[tuple[re.Pattern[str], str | _Replacement], ...] = (
    (re.compile(r"[\"“”«»()\[\]{}<>|@*_#~^=+\\/]"), " "),
    (re.compile(r"\b([ap])\s?\.\s?m\b\.?", re.IGNORECASE), _meridiem),
    (re.compile(r"(\d)(am|pm)\b", re.IGNORECASE), _joined),
    (re.compile(r"\b(\d{1,2})[:.](\d{2})\b(?![.:]\d)"), _joined),
    (re.compile(r"(\d)(hours?|hrs?|minutes?|mins?|seconds?|secs?)\b", re.IGNORECASE), _joined),
    (re.compile(r"[’‘`´]"), "'"),
    (re.compile(r"[-–—_/,;:!?…¿¡]"), " "),
    (re.compile(r"(?<!\d)\.|\.(?!\d)"), " "),
    (re.compile(r"(?<!\w)'|'(?!\w)"), " "),
    (re.compile(r"\s{2,}|[^\S ]"), " "),
)


def _alternatives(words: Iterable[str]) -> str | None:
    names = sorted({w.strip().lower() for w in words if w.strip()}, key=len, reverse=True)
    if not names:
        return None
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)


_SEP = r"[\s,.!?;:]"


class Normaliser:
    """Normalises utterances.

    ``leading`` fillers are dropped at the start only, ``trailing`` ones at the end only (so
    "tell Bob thanks" keeps its message while "..., please" loses the "please").
    """

    def __init__(self, leading: Iterable[str], trailing: Iterable[str] = ()) -> None:
        head, tail = _alternatives(leading), _alternatives(trailing)
        self._leading = (
            re.compile(rf"^(?:{_SEP}*(?:{head})(?={_SEP}|$))+", re.IGNORECASE) if head else None
        )
        self._trailing = (
            re.compile(rf"(?:(?<={_SEP})(?:{tail}){_SEP}*)+$", re.IGNORECASE) if tail else None
        )

    def normalise(self, text: str) -> Normalised:
        """Clean ``text`` for matching (lower-case, see the module docstring)."""
        original = unicodedata.normalize("NFC", text)
        current, offsets = original, list(range(len(original)))
        for pattern, repl in _RULES:
            current, offsets = _sub(current, offsets, pattern, repl)
        current, offsets = self._strip_edges(current, offsets)
        lowered = current.lower()
        if len(lowered) != len(current):  # a few characters grow when lower-cased ("İ")
            lowered = "".join(c.lower()[0] for c in current)
        return Normalised(original=original, text=lowered, offsets=tuple(offsets))

    def _strip_edges(self, text: str, offsets: list[int]) -> tuple[str, list[int]]:
        for _ in range(4):
            before = text
            if self._leading is not None:
                text, offsets = _sub(text, offsets, self._leading, "")
            if self._trailing is not None:
                text, offsets = _sub(text, offsets, self._trailing, "")
            stripped = text.strip(_EDGE_PUNCTUATION)
            if stripped != text:
                lead = len(text) - len(text.lstrip(_EDGE_PUNCTUATION))
                offsets = offsets[lead : lead + len(stripped)]
                text = stripped
            if text == before:
                break
        return text, offsets


_PLAIN = Normaliser(())
_SIMPLE = re.compile(r"[a-z0-9]+(?: [a-z0-9]+|'[a-z0-9]+)*")


def match_form(text: str) -> str:
    """How ``text`` reads to the matcher (used for names in the runtime lists)."""
    simple = " ".join(text.lower().split())
    if _SIMPLE.fullmatch(simple):  # the common case, without the full clean-up
        return simple
    return _PLAIN.normalise(text).text
