"""Lengths of time: "five minutes", "an hour and a half", "2 minutes 30 seconds" → seconds.

Accepted: any combination of hours, minutes and seconds (each at most once) with amounts in
words or digits ("a"/"an" is one, decimals such as "1.5 hours" are allowed), optionally
joined by "and" or commas; "<unit> and a half", "<n> and a half <units>", "half an hour",
"half a minute", "a quarter of an hour", "three quarters of an hour".  Short units ("min",
"mins", "hr", "hrs", "sec", "secs") count too.  The result must be a positive whole number of
seconds; anything else raises :class:`ValueError`.
"""

from __future__ import annotations

import re
from fractions import Fraction

from confide.language.numbers import parse_number, words

UNITS: dict[str, int] = {
    "hour": 3600,
    "hours": 3600,
    "hr": 3600,
    "hrs": 3600,
    "h": 3600,
    "minute": 60,
    "minutes": 60,
    "min": 60,
    "mins": 60,
    "second": 1,
    "seconds": 1,
    "sec": 1,
    "secs": 1,
    "s": 1,
}
_FRACTIONS: dict[tuple[str, ...], Fraction] = {
    ("half",): Fraction(1, 2),
    ("a", "half"): Fraction(1, 2),
    ("half", "a"): Fraction(1, 2),
    ("half", "an"): Fraction(1, 2),
    ("quarter",): Fraction(1, 4),
    ("a", "quarter"): Fraction(1, 4),
    ("quarter", "of", "an"): Fraction(1, 4),
    ("a", "quarter", "of", "an"): Fraction(1, 4),
    ("three", "quarters", "of", "an"): Fraction(3, 4),
    ("three", "quarters", "of", "a"): Fraction(3, 4),
}
_AND_A_HALF = ["and", "a", "half"]
_DECIMAL = re.compile(r"^\d+\.\d+$")
_GLUED = re.compile(r"(\d)(hours?|hrs?|h|minutes?|mins?|seconds?|secs?|s)\b")
_NOT_A_DURATION = "not a duration"


def _amount(tokens: list[str]) -> Fraction:
    if tokens in (["a"], ["an"]):
        return Fraction(1)
    if tuple(tokens) in _FRACTIONS:
        return _FRACTIONS[tuple(tokens)]
    if tokens[-3:] == _AND_A_HALF and len(tokens) > 3:
        return _amount(tokens[:-3]) + Fraction(1, 2)
    if len(tokens) == 1 and _DECIMAL.match(tokens[0]):
        return Fraction(tokens[0])
    return Fraction(parse_number(" ".join(tokens)))


def parse_duration(text: str) -> int:
    """Parse a duration into whole seconds (see the module docstring)."""
    cleaned = _GLUED.sub(r"\1 \2", text.lower().replace(",", " "))
    tokens = words(cleaned)
    total = Fraction(0)
    seen: set[int] = set()
    amount: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if word not in UNITS:
            if not amount and word == "and":
                i += 1
                continue
            amount.append(word)
            i += 1
            continue
        unit = UNITS[word]
        if not amount or unit in seen:
            raise ValueError(_NOT_A_DURATION)
        seen.add(unit)
        value = _amount(amount)
        if value <= 0:
            raise ValueError(_NOT_A_DURATION)
        amount = []
        i += 1
        if tokens[i : i + 3] == _AND_A_HALF and tokens[i + 3 : i + 4] == []:
            value += Fraction(1, 2)
            i += 3
        elif tokens[i : i + 3] == _AND_A_HALF and tokens[i + 3] not in UNITS:
            raise ValueError(_NOT_A_DURATION)
        total += value * unit
    if amount or total <= 0 or total.denominator != 1:
        raise ValueError(_NOT_A_DURATION)
    return int(total)
