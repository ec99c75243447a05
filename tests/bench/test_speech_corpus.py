"""The spoken-command corpus (bench/speech_corpus.py) and the scoring of bench/speech_accuracy.py.

No audio: the corpus's expected meanings are checked against the text recogniser, and the
scoring is checked on hand-made transcripts.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from confide.language import Recognizer
from confide.language.loader import DEFAULT_TEMPLATES_DIR
from confide.voice.recognizers import Transcript
from speech_accuracy import (
    judge,
    normalise_words,
    score_utterance,
    summarise,
    sweep,
    word_errors,
)
from speech_corpus import IN_SCOPE, LISTS, NOW, OUT_OF_SCOPE, SENTENCES, VOICES, Sentence, select

#: The built-in intents of DESIGN §5.
DESIGN_INTENTS = frozenset(
    {
        "alarm.set",
        "alarm.cancel",
        "alarm.list",
        "timer.set",
        "timer.cancel",
        "timer.status",
        "reminder.set",
        "calendar.add",
        "calendar.list",
        "message.send",
        "shopping.add",
        "shopping.remove",
        "shopping.list",
        "time.get",
        "date.get",
        "privacy.forget_last",
        "privacy.forget_today",
        "privacy.explain",
    }
)
PHRASINGS = Path(__file__).resolve().parents[1] / "language" / "phrasings.yaml"


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer()


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def _template_texts() -> set[str]:
    """Every literal template sentence, and every quoted example in the files' comments."""
    texts: set[str] = set()
    for path in sorted(DEFAULT_TEMPLATES_DIR.glob("*.yaml")):
        source = path.read_text(encoding="utf-8")
        doc = yaml.safe_load(source)
        for intent in (doc.get("intents") or {}).values():
            for block in intent["data"]:
                # a template is a sentence of its own when it has no syntax ("time check")
                texts.update(
                    _norm(sentence)
                    for sentence in block["sentences"]
                    if not re.search(r"[\[\](){}<>|]", sentence)
                )
        for line in source.splitlines():
            if "#" in line:
                comment = line.split("#", 1)[1]
                texts.update(_norm(quoted) for quoted in re.findall(r'"([^"]+)"', comment))
    return texts


# ------------------------------------------------------------------------------- the corpus


def test_corpus_size() -> None:
    assert len(IN_SCOPE) >= 110
    assert len(OUT_OF_SCOPE) >= 12
    assert len({(v.name, v.wpm) for v in VOICES}) >= 4
    assert len(SENTENCES) * len(VOICES) >= 400
    assert len(OUT_OF_SCOPE) * len(VOICES) >= 40
    assert all(s.in_scope for s in IN_SCOPE)
    assert not any(s.in_scope for s in OUT_OF_SCOPE)


def test_every_design_intent_is_covered() -> None:
    assert {s.intent for s in IN_SCOPE} == DESIGN_INTENTS
    alarms = [s for s in IN_SCOPE if s.intent == "alarm.set"]
    assert any("date" in s.slots for s in alarms)
    assert any("repeat" in s.slots for s in alarms)
    assert any("name" in s.slots for s in IN_SCOPE if s.intent == "timer.set")


def test_weighted_like_real_use() -> None:
    def share(prefixes: tuple[str, ...]) -> int:
        return sum(str(s.intent).startswith(prefixes) for s in IN_SCOPE)

    common = share(("time.", "date.", "timer.", "alarm.", "shopping."))
    assert common >= 0.6 * len(IN_SCOPE)
    assert share(("timer.set",)) > share(("calendar.add",))


def test_sentences_are_distinct_and_spoken() -> None:
    texts = [_norm(s.text) for s in SENTENCES]
    assert len(texts) == len(set(texts))
    for sentence in SENTENCES:
        assert sentence.text == sentence.text.strip().lower()
        assert not re.search(r"\d", sentence.text), f"numbers in words: {sentence.text!r}"


def test_no_sentence_is_a_template_or_a_development_phrasing() -> None:
    """Held out: not a template, not a template file's example, not in the language tests."""
    templates = _template_texts()
    assert len(templates) >= 10  # the files were read
    copied = [s.text for s in SENTENCES if _norm(s.text) in templates]
    assert not copied
    if PHRASINGS.exists():
        doc = yaml.safe_load(PHRASINGS.read_text(encoding="utf-8"))
        developed = {_norm(p["text"]) for p in doc["phrasings"]}
        assert not [s.text for s in SENTENCES if _norm(s.text) in developed]


@pytest.mark.parametrize("sentence", IN_SCOPE, ids=lambda s: s.text)
def test_command_means_what_is_expected(recognizer: Recognizer, sentence: Sentence) -> None:
    heard = recognizer.recognize(sentence.text, LISTS, NOW)
    assert (heard.intent, dict(heard.slots)) == (sentence.intent, dict(sentence.slots))


@pytest.mark.parametrize("sentence", OUT_OF_SCOPE, ids=lambda s: s.text)
def test_out_of_scope_is_not_understood(recognizer: Recognizer, sentence: Sentence) -> None:
    assert recognizer.recognize(sentence.text, LISTS, NOW).intent is None


def test_select_keeps_every_intent() -> None:
    assert select(None) == SENTENCES
    chosen = select(30)
    assert len(chosen) == 30
    assert {s.intent for s in chosen if s.in_scope} == DESIGN_INTENTS
    assert any(not s.in_scope for s in chosen)


# ------------------------------------------------------------------------------- scoring

TIMER = Sentence(
    "set a pasta timer for eleven minutes", "timer.set", {"duration_s": 660, "name": "pasta"}
)
WEATHER = Sentence("what's the weather like today", None)


def _heard(sentence: Sentence, text: str, recognizer: Recognizer, *, rejected: bool = False) -> str:
    transcript = Transcript(text, confidence=-1.0, rejected=rejected)
    return score_utterance(sentence, "v", transcript, recognizer).outcome


def test_scoring(recognizer: Recognizer) -> None:
    assert _heard(TIMER, "set a pasta timer for eleven minutes", recognizer) == "understood"
    # same words said differently: still the same meaning
    assert _heard(TIMER, "start a pasta timer for eleven minutes", recognizer) == "understood"
    # a wrong slot would be acted on: a wrong action
    assert _heard(TIMER, "set a pasta timer for seven minutes", recognizer) == "wrong_action"
    assert _heard(TIMER, "set a timer for eleven minutes", recognizer) == "wrong_action"
    assert _heard(TIMER, "cancel the pasta timer", recognizer) == "wrong_action"
    # rejected (even if right) or meaningless: not understood, never an action
    right = "set a pasta timer for eleven minutes"
    assert _heard(TIMER, right, recognizer, rejected=True) == "not_understood"
    assert _heard(TIMER, "set a pasta", recognizer) == "not_understood"
    assert _heard(TIMER, "", recognizer, rejected=True) == "not_understood"
    # out of scope: ignoring it is right, acting on anything is wrong
    assert _heard(WEATHER, "what is the weather like today", recognizer) == "understood"
    assert _heard(WEATHER, "what is the date today", recognizer, rejected=True) == "understood"
    assert _heard(WEATHER, "what is the date today", recognizer) == "wrong_action"


def test_judge_compares_every_slot() -> None:
    from confide.language import Interpretation

    said = Transcript("x", 0.0, rejected=False)
    assert judge(TIMER, said, Interpretation("timer.set", TIMER.slots)) == "understood"
    extra = Interpretation("timer.set", {**TIMER.slots, "all": True})
    assert judge(TIMER, said, extra) == "wrong_action"
    rejected = Transcript("x", 0.0, rejected=True)
    assert judge(TIMER, rejected, Interpretation("timer.set", TIMER.slots)) == "not_understood"


def test_word_error_rate() -> None:
    assert normalise_words("What's the time?") == ["what", "is", "the", "time"]
    assert normalise_words("seven a m") == normalise_words("seven am")
    assert normalise_words("six oclock") == normalise_words("six o'clock")
    assert word_errors(["a", "b", "c"], ["a", "b", "c"]) == 0
    assert word_errors(["a", "b", "c"], ["a", "x", "c", "d"]) == 2
    assert word_errors(["a", "b"], []) == 2
    assert word_errors([], ["a"]) == 1


def test_summary_and_sweep(recognizer: Recognizer) -> None:
    results = [
        score_utterance(TIMER, "v", Transcript(TIMER.text, 0.9, False), recognizer, 0.1, 2.0),
        score_utterance(
            TIMER, "v", Transcript("set a pasta timer for seven minutes", 0.4, True), recognizer
        ),
        score_utterance(WEATHER, "v", Transcript("what time is it", 0.1, True), recognizer),
        score_utterance(WEATHER, "v", Transcript("what time is it", 0.85, False), recognizer),
    ]
    summary = summarise(results)
    assert summary["n"] == 4
    assert summary["understood_pct"] == 50.0  # the right timer, the rejected weather
    assert summary["wrong_action_pct"] == 25.0  # time.get for the weather
    assert summary["not_understood_pct"] == 25.0  # the rejected timer
    assert summary["commands_understood_pct"] == 50.0
    assert summary["out_of_scope_ignored_pct"] == 50.0
    assert summary["wer_pct"] == pytest.approx(100 * 1 / 14)  # eleven -> seven
    rates = sweep(results)
    # never rejecting: the second timer becomes a wrong action, both weathers too
    assert rates["None"]["wrong_action_pct"] == 75.0
    # at 0.9 only the right timer (0.9, not under the threshold) is acted on
    assert rates["0.9"] == {
        "understood_pct": 75.0,
        "wrong_action_pct": 0.0,
        "not_understood_pct": 25.0,
    }
    # at 0.95 nothing is acted on: both timers are not understood
    assert rates["0.95"]["not_understood_pct"] == 50.0
    assert rates["0.95"]["wrong_action_pct"] == 0.0
