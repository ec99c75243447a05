"""The template-to-regex compiler."""

from __future__ import annotations

import re

import pytest
from hassil import Intents, parse_sentence

from confide.language import LanguageError
from confide.language.compiler import compile_sentence, trie_regex
from confide.language.matcher import CompiledIntents, match_sentence


@pytest.mark.parametrize(
    "strings",
    [
        [str(n) for n in range(1, 1000)],
        [str(n) for n in range(0, 60)] + [f"{n:02d}" for n in range(10)],
        ["twenty", "twenty one", "twenty two", "ten", "two", "a hundred"],
        ["x"],
        ["a.b", "a+b", "(c)"],
    ],
)
def test_trie_regex_matches_exactly_the_strings(strings: list[str]) -> None:
    pattern = re.compile(trie_regex(strings))
    assert all(pattern.fullmatch(s) for s in strings)
    for other in ("1000", "0", "twenty three", "tw", "", "ab", "c"):
        assert bool(pattern.fullmatch(other)) == (other in strings)


def test_trie_regex_prefers_the_longest() -> None:
    assert re.match(trie_regex(["twenty", "twenty one"]), "twenty one").group(0) == "twenty one"
    assert trie_regex([str(n) for n in range(1, 1000)]).count("|") == 0


def _intents(sentences: list[str], lists: dict) -> Intents:
    return Intents.from_dict(
        {"language": "en", "intents": {"x.y": {"data": [{"sentences": sentences}]}}, "lists": lists}
    )


def _compile(template: str, lists: dict):
    intents = _intents([template], lists)
    sentence = intents.intents["x.y"].data[0].sentences[0]
    return compile_sentence(sentence, intents.slot_lists, intents.expansion_rules, {}, "t")


LISTS = {
    "thing": {"wildcard": True},
    "colour": {"values": ["red", "dark red", {"in": "(blue|navy)", "out": "blue"}]},
    "n": {"range": {"from": 1, "to": 12, "words": False}},
}


def test_optional_words_and_word_boundaries() -> None:
    compiled = _compile("set [a|an] alarm[s] now", LISTS)
    for text in ("set alarm now", "set an alarm now", "set alarms now"):
        assert match_sentence(compiled, "x.y", text) is not None, text
    for text in ("setalarm now", "set analarm now", "set alarm s now", "set alarm"):
        assert match_sentence(compiled, "x.y", text) is None, text


def test_list_values_and_outputs() -> None:
    compiled = _compile("paint it {colour} [please]", LISTS)
    found = match_sentence(compiled, "x.y", "paint it dark red")
    assert found is not None and found.entities["colour"].value == "dark red"
    found = match_sentence(compiled, "x.y", "paint it navy please")
    assert found is not None and found.entities["colour"].value == "blue"
    assert found.entities["colour"].span == (9, 13)
    assert match_sentence(compiled, "x.y", "paint it green") is None


def test_wildcards_take_the_fewest_words() -> None:
    compiled = _compile("put {thing} at {n}", LISTS)
    found = match_sentence(compiled, "x.y", "put the cat at the door at 5")
    assert found is not None
    assert found.entities["thing"].text == "the cat at the door"
    assert found.entities["thing"].is_wildcard
    assert found.entities["n"].text == "5"
    assert match_sentence(compiled, "x.y", "put the cat at 13") is None
    assert match_sentence(compiled, "x.y", "put at 5") is None


def test_unsupported_constructs_are_refused() -> None:
    with pytest.raises(LanguageError, match="digit ranges"):
        _compile("count {w}", {"w": {"range": {"from": 1, "to": 3}}})
    with pytest.raises(LanguageError, match="unknown list"):
        _compile("count {missing}", {})
    with pytest.raises(LanguageError, match="captures"):
        _compile("count {n:@c}", LISTS)


def test_runtime_lists_are_compiled_separately() -> None:
    intents = _intents(["hello {who}", "bye"], {})
    base = CompiledIntents(intents, {"x.y": "test.yaml"}, {"who"})
    assert [c.intent for c in base.candidates("bye")] == ["x.y"]
    assert list(base.candidates("hello bob")) == []
    from hassil import TextSlotList

    household = base.with_lists({"who": TextSlotList.from_strings(["bob"])})
    found = list(household.candidates("hello bob"))
    assert found and found[0].entities["who"].value == "bob"
    base.compile_all()
    assert parse_sentence("x").expression is not None
