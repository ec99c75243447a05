"""Grammar transition probabilities sampled from the templates, free-text loops, spliced lists."""

from __future__ import annotations

import math
import re

from confide.language.models import HouseholdLists
from confide.voice import jsgf
from confide.voice.fsa import minimise
from confide.voice.grammar import grammar_for
from confide.voice.jsgf import jsgf_automaton, jsgf_to_fsg, parse_rules
from confide.voice.weights import sample_sentences, transition_probabilities

SMALL = """#JSGF V1.0;
grammar t;
public <command> = [please] (<timer> | <alarm>);
<timer> = set a timer for (one | two | three) minutes;
<alarm> = (set | cancel) [my] alarm;
"""

_TRANSITION = re.compile(r"TRANSITION (\d+) (\d+) (\S+)(?: (\S+))?")


def _fsg_sums(fsg: str) -> dict[int, float]:
    sums: dict[int, float] = {}
    for match in _TRANSITION.finditer(fsg):
        sums[int(match.group(1))] = sums.get(int(match.group(1)), 0.0) + float(match.group(3))
    return sums


def test_sampled_sentences_are_in_the_grammar_and_repeatable() -> None:
    rules = parse_rules(SMALL)
    automaton = jsgf_automaton(SMALL)
    first = list(sample_sentences(rules, "command", count=200, seed=3))
    assert first == list(sample_sentences(rules, "command", count=200, seed=3))
    assert all(automaton.accepts(words) for words in first)
    assert {"timer", "alarm"} <= {w for words in first for w in words}


def test_probabilities_leaving_each_state_sum_to_one_and_favour_what_the_templates_say() -> None:
    automaton = jsgf_automaton(SMALL)
    probabilities = transition_probabilities(
        automaton, sample_sentences(parse_rules(SMALL), "command", count=2000)
    )
    assert all(p > 0 for p in probabilities)  # smoothing: nothing the templates allow is lost
    sums: dict[int, float] = {}
    arcs = [*automaton.edges, *((s, -1, "") for s in sorted(automaton.finals))]
    for (src, _, _), p in zip(arcs, probabilities, strict=True):
        sums[src] = sums.get(src, 0.0) + p
    assert all(math.isclose(total, 1.0) for total in sums.values())
    first = {
        word: p
        for (src, _, word), p in zip(automaton.edges, probabilities, strict=False)
        if src == automaton.start
    }
    assert first["set"] > first["please"]  # "please" is optional at the start: rarely said
    assert first["set"] > first["cancel"]  # both intents start with "set"; one with "cancel"


def test_an_unaccepted_sentence_is_a_bug_not_a_count() -> None:
    automaton = jsgf_automaton(SMALL)
    try:
        transition_probabilities(automaton, iter([["set", "a", "banana"]]))
    except ValueError:
        return
    raise AssertionError("a sentence outside the grammar was counted")


def test_a_weighted_fsg_is_a_proper_distribution() -> None:
    fsg = jsgf_to_fsg(SMALL)
    assert all(math.isclose(total, 1.0, rel_tol=1e-4) for total in _fsg_sums(fsg).values())
    assert fsg != jsgf_to_fsg(SMALL, weighted=False)


def test_free_text_is_a_loop_over_its_vocabulary() -> None:
    grammar = SMALL.replace("<alarm> =", "<alarm> = remind me to <free> | ")
    grammar += "<free> = <free_word>+;\n<free_word> = (milk | buy | the | call);\n"
    fsg = jsgf_to_fsg(grammar)
    loops = {
        int(m.group(1))
        for m in _TRANSITION.finditer(fsg)
        if m.group(1) == m.group(2) and m.group(4)
    }
    assert len(loops) == 1  # one self-looping state: any number of words
    (state,) = loops
    looped = {
        m.group(4) for m in _TRANSITION.finditer(fsg) if m.group(1) == str(state) and m.group(4)
    }
    assert looped == {"milk", "buy", "the", "call"}
    assert all(math.isclose(total, 1.0, rel_tol=1e-4) for total in _fsg_sums(fsg).values())
    automaton = jsgf_automaton(grammar, opaque=("free",))
    assert automaton.accepts(["remind", "me", "to", "<free>"])


def test_a_new_contact_or_item_is_spliced_in_without_rebuilding_the_automaton() -> None:
    before = HouseholdLists(members=("bob",), contacts=("grandma",), shopping_items=("milk",))
    after = HouseholdLists(
        members=("bob",), contacts=("grandma", "aunt mary"), shopping_items=("milk", "olive oil")
    )
    old = jsgf_to_fsg(grammar_for(before).jsgf)
    hits = jsgf._weighted_automaton.cache_info().hits
    new = jsgf_to_fsg(grammar_for(after).jsgf)
    assert jsgf._weighted_automaton.cache_info().hits == hits + 1  # same structure: reused
    spoken = {m.group(4) for m in _TRANSITION.finditer(new)}
    assert {"aunt", "mary", "olive", "oil"} <= spoken
    assert "aunt" not in {m.group(4) for m in _TRANSITION.finditer(old)}
    assert all(math.isclose(total, 1.0, rel_tol=1e-4) for total in _fsg_sums(new).values())


def test_minimise_keeps_the_language_with_a_loop() -> None:
    # 0 -a-> 1, 1 -b-> 1 (loop), 1 -c-> 2 final
    automaton = minimise(3, 0, [2], [(0, 1, "a"), (1, 1, "b"), (1, 2, "c")])
    assert automaton.accepts(["a", "c"])
    assert automaton.accepts(["a", "b", "b", "b", "c"])
    assert not automaton.accepts(["a", "b"])
