"""Cardinal and ordinal numbers written as English words or digits.

``parse_number("forty five") == 45``, ``parse_number("45") == 45``,
``parse_ordinal("twenty first") == 21``, ``parse_ordinal("3rd") == 3``.
Every parser raises :class:`ValueError` for text it does not understand; the message never
repeats the text.
"""

from __future__ import annotations

import re

UNITS: dict[str, int] = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEENS: dict[str, int] = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
ORDINAL_UNITS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
}
ORDINAL_TEENS: dict[str, int] = {
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
}
ORDINAL_TENS: dict[str, int] = {
    "twentieth": 20,
    "thirtieth": 30,
    "fortieth": 40,
    "fiftieth": 50,
}

_DIGITS = re.compile(r"^\d{1,6}$")
_ORDINAL_DIGITS = re.compile(r"^(\d{1,3})(st|nd|rd|th)$")
_SEPARATORS = re.compile(r"[\s\-]+")
_NOT_A_NUMBER = "not a number"


def words(text: str) -> list[str]:
    """Lower-case words of ``text``; hyphens separate words ("forty-five")."""
    return [w for w in _SEPARATORS.split(text.strip().lower()) if w]


def parse_number(text: str) -> int:
    """Parse a cardinal from 0 to 999 999 written in words or digits.

    Accepts "7", "45", "forty five", "forty-five", "a hundred", "one hundred and twenty",
    "two thousand five hundred".  Raises :class:`ValueError` otherwise.
    """
    tokens = words(text)
    if len(tokens) == 1 and _DIGITS.match(tokens[0]):
        return int(tokens[0])
    return _parse_number_words(tokens)


def _parse_below_hundred(tokens: list[str]) -> int:
    if len(tokens) == 1:
        word = tokens[0]
        for table in (UNITS, TEENS, TENS):
            if word in table and word != "oh":
                return table[word]
    elif (
        len(tokens) == 2
        and tokens[0] in TENS
        and tokens[1] in UNITS
        and tokens[1] not in ("zero", "oh")
    ):
        return TENS[tokens[0]] + UNITS[tokens[1]]
    raise ValueError(_NOT_A_NUMBER)


def _parse_below_thousand(tokens: list[str]) -> int:
    if "hundred" in tokens:
        at = tokens.index("hundred")
        head, tail = tokens[:at], tokens[at + 1 :]
        hundreds = 1 if head in (["a"], ["one"]) else _parse_below_hundred(head)
        if not 1 <= hundreds <= 9:
            raise ValueError(_NOT_A_NUMBER)
        if tail[:1] == ["and"]:
            tail = tail[1:]
            if not tail:
                raise ValueError(_NOT_A_NUMBER)
        return hundreds * 100 + (_parse_below_hundred(tail) if tail else 0)
    return _parse_below_hundred(tokens)


def _parse_number_words(tokens: list[str]) -> int:
    if not tokens:
        raise ValueError(_NOT_A_NUMBER)
    if "thousand" in tokens:
        at = tokens.index("thousand")
        head, tail = tokens[:at], tokens[at + 1 :]
        thousands = 1 if head in (["a"], ["one"]) else _parse_below_thousand(head)
        if thousands < 1:
            raise ValueError(_NOT_A_NUMBER)
        if tail[:1] == ["and"]:
            tail = tail[1:]
            if not tail:
                raise ValueError(_NOT_A_NUMBER)
        return thousands * 1000 + (_parse_below_thousand(tail) if tail else 0)
    return _parse_below_thousand(tokens)


def parse_ordinal(text: str) -> int:
    """Parse an ordinal from 1 to 99: "first", "twenty first", "21st", "3rd", "30th".

    Raises :class:`ValueError` otherwise (including a wrong suffix such as "3th").
    """
    tokens = words(text)
    if len(tokens) == 1:
        match = _ORDINAL_DIGITS.match(tokens[0])
        if match:
            value = int(match.group(1))
            if value < 1 or match.group(2) != ordinal_suffix(value):
                raise ValueError("not an ordinal")
            return value
        word = tokens[0]
        for table in (ORDINAL_UNITS, ORDINAL_TEENS, ORDINAL_TENS):
            if word in table:
                return table[word]
    elif len(tokens) == 2 and tokens[0] in TENS and tokens[1] in ORDINAL_UNITS:
        return TENS[tokens[0]] + ORDINAL_UNITS[tokens[1]]
    raise ValueError("not an ordinal")


def ordinal_suffix(value: int) -> str:
    """The English suffix of an ordinal written in digits: 1 → "st", 12 → "th", 23 → "rd"."""
    if 10 <= value % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
