"""Numbers in words and digits."""

from __future__ import annotations

import pytest

from confide.language.numbers import ordinal_suffix, parse_number, parse_ordinal


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("7", 7),
        ("45", 45),
        ("999", 999),
        ("zero", 0),
        ("one", 1),
        ("twelve", 12),
        ("nineteen", 19),
        ("twenty", 20),
        ("forty five", 45),
        ("forty-five", 45),
        ("Ninety Nine", 99),
        ("a hundred", 100),
        ("one hundred", 100),
        ("one hundred and twenty", 120),
        ("two hundred five", 205),
        ("a thousand", 1000),
        ("two thousand five hundred", 2500),
        ("  six  ", 6),
    ],
)
def test_parse_number(text: str, value: int) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "oh",
        "twenty zero",
        "five twenty",
        "forty forty",
        "hundred and",
        "one hundred and",
        "eleven hundred",
        "seven and",
        "lots",
        "5 5",
        "4.5",
        "1234567",
    ],
)
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a number") as info:
        parse_number(text)
    assert text.strip() not in str(info.value) or not text.strip()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("first", 1),
        ("third", 3),
        ("twelfth", 12),
        ("twentieth", 20),
        ("twenty first", 21),
        ("twenty-second", 22),
        ("thirty first", 31),
        ("1st", 1),
        ("2nd", 2),
        ("3rd", 3),
        ("11th", 11),
        ("12th", 12),
        ("13th", 13),
        ("21st", 21),
        ("22nd", 22),
        ("31st", 31),
    ],
)
def test_parse_ordinal(text: str, value: int) -> None:
    assert parse_ordinal(text) == value


@pytest.mark.parametrize("text", ["", "3th", "1nd", "11st", "0th", "first second", "twenty", "3"])
def test_parse_ordinal_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not an ordinal"):
        parse_ordinal(text)


@pytest.mark.parametrize(
    ("value", "suffix"),
    [(1, "st"), (2, "nd"), (3, "rd"), (4, "th"), (11, "th"), (112, "th"), (101, "st")],
)
def test_ordinal_suffix(value: int, suffix: str) -> None:
    assert ordinal_suffix(value) == suffix
