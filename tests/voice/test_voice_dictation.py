"""The dictation pass: free text heard with the general model once the household enrolled."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from tests.speechgen import needs_speech, synthesise

from confide.language.models import HouseholdLists
from confide.voice import adapt
from confide.voice.adapt import Recording, build_model, voice_statistics
from confide.voice.dictation import (
    DICTATION_FEATURES,
    Dictation,
    DictationConfidence,
    DictationPass,
)
from confide.voice.enrollment import MIN_PROMPTS, PROMPTS, spoken_words
from confide.voice.recognizers import PocketsphinxRecognizer

pytestmark = [
    needs_speech,
    pytest.mark.skipif(
        bool(adapt.tools_missing()),
        reason="sphinxtrain and sphinxbase-utils (Debian packages) are not installed",
    ),
]
LISTS = HouseholdLists(members=("alex", "bob"), contacts=("grandma",))
#: Accepts whatever the dictation pass hears (the plumbing, not the judgement, is tested).
N = len(DICTATION_FEATURES)
ACCEPT_ALL = DictationConfidence(
    means=(0.0,) * N, scales=(1.0,) * N, weights=(0.0,) * N, bias=10.0, cut=0.5
)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("dictation")
    recordings = [Recording(synthesise(p, work), spoken_words(p)) for p in PROMPTS[:MIN_PROMPTS]]
    statistics = voice_statistics(recordings, work / "cache")
    return build_model([statistics], work / "model", work / "cache")


def test_dictation_decodes_words_outside_the_grammar(model: Path, tmp_path: Path) -> None:
    recognizer = PocketsphinxRecognizer(LISTS, acoustic_model=model)
    grammar = recognizer.grammar()
    audio = synthesise("remind me tomorrow to water the garden", tmp_path)
    text, evidence, seconds, alternative = DictationPass().decode(audio, model, grammar)
    assert "garden" in text.split() and "garden" not in grammar.words
    assert len(evidence) == len(DICTATION_FEATURES) - 2 and seconds > 0
    assert evidence[4] == len(text.split())  # words
    assert alternative is None  # nothing asked for one


def test_a_rejected_utterance_gets_the_dictation_pass_only_when_enrolled(
    model: Path, tmp_path: Path
) -> None:
    audio = synthesise("send a message to grandma saying the parcel has arrived", tmp_path)
    plain = PocketsphinxRecognizer(LISTS, dictation=Dictation(ACCEPT_ALL))
    assert plain.transcribe(audio).engine == "pocketsphinx"  # no enrolled model: no dictation
    enrolled = PocketsphinxRecognizer(LISTS, acoustic_model=model, dictation=Dictation(ACCEPT_ALL))
    heard = enrolled.transcribe(audio)
    assert heard.engine == "pocketsphinx-dictation" and not heard.rejected
    assert heard.text.startswith("send a message to grandma saying")
    assert "arrived" in heard.text.split()  # not a word of the grammar
    assert heard.features is not None and len(heard.features) == len(DICTATION_FEATURES)
    # Live: the stream keeps the audio for the second pass and gives the same answer.
    with enrolled.stream() as live:
        for start in range(0, len(audio), 3200):
            live.feed(audio[start : start + 3200])
        streamed = live.finish()
    assert streamed.engine == "pocketsphinx-dictation" and streamed.text == heard.text
    # The shipped model judges it (accepted or not, never an error).
    judged = PocketsphinxRecognizer(LISTS, acoustic_model=model).transcribe(audio)
    assert judged.engine in ("pocketsphinx", "pocketsphinx-dictation")
    assert 0.0 <= judged.confidence <= 1.0


def test_commands_the_grammar_accepts_skip_the_dictation_pass(model: Path, tmp_path: Path) -> None:
    recognizer = PocketsphinxRecognizer(
        LISTS, acoustic_model=model, dictation=Dictation(ACCEPT_ALL)
    )
    heard = recognizer.transcribe(synthesise("what time is it", tmp_path))
    assert heard.engine == "pocketsphinx" and heard.text == "what time is it"
    assert not heard.rejected


def test_when_the_best_hypothesis_means_nothing_the_lattice_offers_the_next(
    model: Path, tmp_path: Path
) -> None:
    grammar = PocketsphinxRecognizer(LISTS, acoustic_model=model).grammar()
    audio = synthesise("remind me tomorrow to water the garden", tmp_path)
    asked: list[str] = []

    def means(words: str) -> bool:  # the best hypothesis means nothing, any other does
        asked.append(words)
        return len(asked) > 1

    text, _, _, alternative = DictationPass().decode(audio, model, grammar, means=means)
    assert asked[0] == text  # the best hypothesis is asked about first
    assert alternative is not None and alternative != text and alternative == asked[-1]
    assert alternative.split()  # a hypothesis of the same audio, not an empty one
    # Nothing the lattice offers means a command: no alternative.
    never = DictationPass().decode(audio, model, grammar, means=lambda words: False)
    assert never.alternative is None and never.text == text


class _BestMeansNothing(Dictation):
    """A judge to whom the pass's best hypothesis means nothing (its next-best may)."""

    best: str | None = None

    def means_something(self, words: str, lists: HouseholdLists) -> bool:
        if self.best is None:
            self.best = words
        return words != self.best and super().means_something(words, lists)


def test_an_alternative_of_the_lattice_is_read_back_never_acted_on(
    model: Path, tmp_path: Path
) -> None:
    audio = synthesise("send a message to grandma saying the parcel has arrived", tmp_path)
    judge = _BestMeansNothing(dataclasses.replace(ACCEPT_ALL, read_back=0.5))
    recognizer = PocketsphinxRecognizer(LISTS, acoustic_model=model, dictation=judge)
    heard = recognizer.transcribe(audio)
    assert judge.best is not None and heard.text != judge.best
    assert heard.engine == "pocketsphinx-dictation-alternative"
    assert heard.rejected and heard.tentative  # confident enough to ask, never to act
    assert heard.text.startswith("send a message to grandma")
