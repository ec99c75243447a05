"""The speech grammar compiled from the real templates and the household lists."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pocketsphinx")

from confide.language.loader import Templates, load_templates
from confide.language.models import HouseholdLists
from confide.voice.grammar import (
    compile_grammar,
    compile_jsgf,
    grammar_for,
    load_dictionary,
    number_words,
    write_dictionary,
)
from confide.voice.jsgf import jsgf_to_fsg


@pytest.fixture(scope="module")
def templates() -> Templates:
    return load_templates()


def test_grammar_compiles_from_the_real_templates(templates: Templates) -> None:
    grammar = compile_grammar(templates, HouseholdLists(members=("alice",)))
    assert grammar.jsgf.startswith("#JSGF V1.0;")
    assert "public <command> =" in grammar.jsgf
    for intent in ("alarm_set", "timer_set", "reminder_set", "message_send", "shopping_list"):
        assert f"<intent_{intent}>" in grammar.jsgf
    dictionary = load_dictionary()
    assert grammar.words <= dictionary
    # digits-only lists and spellings the dictionary lacks are dropped, and reported
    assert {"oclock", "msg", "1st"} <= grammar.missing_words


def test_every_word_is_lower_case_and_known(templates: Templates) -> None:
    grammar = compile_grammar(templates, HouseholdLists(), wildcards="exclude")
    assert all(w == w.lower() for w in grammar.words)
    assert "<free>" not in grammar.jsgf


def test_a_new_contact_rebuilds_the_grammar(templates: Templates) -> None:
    before = grammar_for(HouseholdLists(members=("alice",)), templates)
    assert grammar_for(HouseholdLists(members=("alice",)), templates) is before  # cached
    after = grammar_for(HouseholdLists(members=("alice",), contacts=("gordon",)), templates)
    assert after.digest != before.digest
    assert "gordon" in after.jsgf and "gordon" not in before.jsgf
    assert "gordon" in compile_jsgf(templates, HouseholdLists(contacts=("gordon",)))


def test_names_the_dictionary_lacks_get_a_made_pronunciation(templates: Templates) -> None:
    lists = HouseholdLists(members=("alice", "zephyrine"), shopping_items=("kombucha",))
    grammar = compile_grammar(templates, lists)
    assert {"zephyrine", "kombucha"} <= grammar.words
    assert not {"zephyrine", "kombucha"} & load_dictionary()
    assert set(grammar.pronunciations) == {"zephyrine", "kombucha"}
    assert grammar.pronunciations["zephyrine"].startswith("Z ")
    assert "zephyrine" in grammar.jsgf and "kombucha" in grammar.jsgf


def test_names_that_cannot_be_pronounced_are_dropped_and_reported(templates: Templates) -> None:
    grammar = compile_grammar(templates, HouseholdLists(members=("alice", "r2d2")))
    assert "r2d2" in grammar.missing_words
    assert "r2d2" not in grammar.jsgf and "r2d2" not in grammar.pronunciations


def test_the_decoder_dictionary_holds_the_made_pronunciations(
    templates: Templates, tmp_path: Path
) -> None:
    grammar = compile_grammar(templates, HouseholdLists(members=("zephyrine",)))
    path = tmp_path / "command.dict"
    written, _ = write_dictionary(grammar.words, path, extra=grammar.pronunciations)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == written
    assert f"zephyrine {grammar.pronunciations['zephyrine']}" in lines
    assert {line.split(" ", 1)[0].split("(", 1)[0] for line in lines} == set(grammar.words)


def test_the_fsg_accepts_template_sentences(templates: Templates) -> None:
    import pocketsphinx  # type: ignore[import-untyped]

    grammar = compile_grammar(templates, HouseholdLists(members=("alice",)), wildcards="exclude")
    fsg_text = jsgf_to_fsg(grammar.jsgf)
    decoder = pocketsphinx.Decoder(loglevel="FATAL")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.fsg"
        path.write_text(fsg_text)
        fsg = decoder.read_fsg(str(path))
    for sentence in (
        "set an alarm for seven thirty am",
        "what time is it",
        "set a timer for ten minutes",
        "please cancel all my alarms",
        "what's on my calendar tomorrow",
    ):
        assert fsg.accept(sentence), sentence
    assert not fsg.accept("the cat sat on the mat")


@pytest.mark.parametrize(
    ("number", "words"),
    [(0, "zero"), (7, "seven"), (45, "forty five"), (120, "one hundred twenty")],
)
def test_number_words(number: int, words: str) -> None:
    assert number_words(number) == words


def test_household_words_never_go_into_the_dictionary_file(
    templates: Templates, tmp_path: Path
) -> None:
    grammar = compile_grammar(templates, HouseholdLists(members=("zephyrine", "bob")))
    path = tmp_path / "command.dict"
    _, private = write_dictionary(
        grammar.words, path, extra=grammar.pronunciations, private=grammar.household_words
    )
    text = path.read_text(encoding="utf-8")
    assert "zephyrine" not in text and "\nbob " not in text and not text.startswith("bob ")
    assert dict(private)["zephyrine"] == grammar.pronunciations["zephyrine"]
    assert dict(private)["bob"]  # from the bundled dictionary


def test_the_cached_automaton_is_packed_and_reads_back_the_same(templates: Templates) -> None:
    from confide.voice.fsa import PackedEdges
    from confide.voice.jsgf import jsgf_automaton

    grammar = compile_grammar(templates, HouseholdLists(), wildcards="exclude")
    automaton = jsgf_automaton(grammar.jsgf)
    packed = automaton.packed()
    assert isinstance(packed.edges, PackedEdges) and packed == automaton
    assert list(packed.edges) == list(automaton.edges) and len(packed.edges) > 10_000
    assert packed.edges[5] == automaton.edges[5] and packed.edges[-1] == automaton.edges[-1]
    assert packed.edges[2:4] == automaton.edges[2:4]
    assert packed.to_fsg() == automaton.to_fsg()
    assert packed.accepts(["what", "time", "is", "it"])
