"""The sentence templates: every intent covered, every template recognised, loading errors."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from language_samples import SAMPLE_LISTS, sample_expression, template_samples

from confide.language import LanguageError, Recognizer
from confide.language.dates import parse_date
from confide.language.durations import parse_duration
from confide.language.loader import DEFAULT_TEMPLATES_DIR, load_templates
from confide.language.models import ANSWER_INTENTS
from confide.language.times import parse_time

NOW = datetime(2026, 11, 22, 15, 0)
DOMAIN_FILES = {
    "_common.yaml",
    "alarm.yaml",
    "timer.yaml",
    "reminder.yaml",
    "calendar.yaml",
    "message.yaml",
    "shopping.yaml",
    "clock.yaml",
    "privacy.yaml",
    "confirm.yaml",  # answers to a read-back, not commands
}


def test_one_file_per_domain() -> None:
    assert {p.name for p in DEFAULT_TEMPLATES_DIR.glob("*.yaml")} == DOMAIN_FILES


def test_every_design_intent_has_many_templates(recognizer: Recognizer) -> None:
    counts = Counter(
        intent.name
        for intent in recognizer._templates.intents.intents.values()
        for data in intent.data
        for _ in data.sentences
    )
    expected = {
        "alarm.set", "alarm.cancel", "alarm.list", "timer.set", "timer.cancel",
        "timer.status", "reminder.set", "calendar.add", "calendar.list", "message.send",
        "shopping.add", "shopping.remove", "shopping.list", "time.get", "date.get",
        "privacy.forget_last", "privacy.forget_today", "privacy.explain",
    }  # fmt: skip
    assert set(counts) == expected | ANSWER_INTENTS
    assert min(counts.values()) >= 3


SAMPLES = None


def _samples(recognizer: Recognizer) -> list[tuple[str, int, str]]:
    global SAMPLES  # noqa: PLW0603 - computed once for several tests
    if SAMPLES is None:
        SAMPLES = template_samples(recognizer, per_template=25)
    return SAMPLES


def test_every_template_is_recognised_as_its_intent(recognizer: Recognizer) -> None:
    """Random sentences from each template must match, best, as that template's intent."""
    wrong = []
    for intent, index, text in _samples(recognizer):
        norm = recognizer._normalise(text)
        best = recognizer._best(recognizer._candidates(norm, SAMPLE_LISTS))
        if best is None or best.intent != intent:
            wrong.append((intent, index, text, best.intent if best else None))
    assert wrong == []


def test_most_template_samples_are_fully_understood(recognizer: Recognizer) -> None:
    """Random values can be impossible ("seven today" at 15:00 for an alarm); most are not."""
    samples = _samples(recognizer)
    understood = Counter(
        intent
        for intent, _, text in samples
        if recognizer.recognize(text, SAMPLE_LISTS, NOW).intent == intent
    )
    totals = Counter(intent for intent, _, _ in samples)
    for intent, total in totals.items():
        assert understood[intent] / total >= 0.6, intent


def test_required_keywords_never_hide_a_sentence(recognizer: Recognizer) -> None:
    """hassil skips a block whose keywords are all absent; the templates must not rely on luck."""
    intents = recognizer._templates.intents
    for intent, _, text in _samples(recognizer):
        tokens = set(recognizer._normalise(text).text.split())
        blocks = intents.intents[intent].data
        assert any(not b.required_keywords or b.required_keywords & tokens for b in blocks), text


@pytest.mark.parametrize(
    ("list_name", "parse", "share"),
    [
        ("time", parse_time, 1.0),
        ("duration", parse_duration, 1.0),
        # "february 31st" is grammatical but no date: the only kind of failure allowed
        ("date", lambda text: parse_date(text, NOW.date()), 0.97),
    ],
)
def test_the_parsers_read_what_the_grammar_accepts(
    recognizer: Recognizer, list_name: str, parse: Callable[[str], object], share: float
) -> None:
    intents = recognizer._templates.intents
    rng = random.Random(3)
    failed = []
    total = 1500
    for _ in range(total):
        value = rng.choice(intents.slot_lists[list_name].values)
        words = sample_expression(value.text_in, intents.slot_lists, intents.expansion_rules, rng)
        text = " ".join(words.split())
        try:
            parse(text)
        except ValueError:
            failed.append(text)
    assert (total - len(failed)) / total >= share, failed[:10]
    if list_name == "date":
        assert all(any(d in t for d in ("29", "30", "31", "thirt")) for t in failed), failed


# ---------------------------------------------------------------- loading errors


@pytest.fixture
def templates_copy(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_DIR, target)
    return target


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _load_error(directory: Path) -> str:
    with pytest.raises(LanguageError) as info:
        Recognizer(directory)
    assert info.value.code == "language_templates"
    return info.value.message


def test_a_copy_of_the_templates_loads(templates_copy: Path) -> None:
    assert load_templates(templates_copy).intent_names


def test_invalid_yaml_names_the_file_and_line(templates_copy: Path) -> None:
    _append(templates_copy / "timer.yaml", "\n  bad: [unclosed\n")
    message = _load_error(templates_copy)
    assert "timer.yaml" in message
    assert "invalid YAML near line" in message


def test_unknown_list_names_file_and_intent(templates_copy: Path) -> None:
    path = templates_copy / "clock.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"time check"', '"time check {nowhere}"'),
        encoding="utf-8",
    )
    message = _load_error(templates_copy)
    assert "clock.yaml" in message
    assert "intent 'time.get'" in message
    assert "unknown list {nowhere}" in message


def test_unknown_rule_and_bad_syntax(templates_copy: Path) -> None:
    path = templates_copy / "clock.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace('"time check"', '"<nothing> check"'), encoding="utf-8")
    assert "unknown expansion rule <nothing>" in _load_error(templates_copy)
    path.write_text(original.replace('"time check"', '"(time check"'), encoding="utf-8")
    message = _load_error(templates_copy)
    assert "clock.yaml: intent 'time.get': data[0]: sentence" in message
    assert "bad template syntax" in message


def test_rule_cycle(templates_copy: Path) -> None:
    _append(
        templates_copy / "privacy.yaml",
        'expansion_rules:\n  loop_a: "<loop_b>"\n  loop_b: "x <loop_a>"\n',
    )
    path = templates_copy / "privacy.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"that was private"', '"that was <loop_a>"'),
        encoding="utf-8",
    )
    assert "expansion rule cycle" in _load_error(templates_copy)


def test_duplicates_are_refused(templates_copy: Path) -> None:
    (templates_copy / "extra.yaml").write_text(
        'language: en\nintents:\n  time.get:\n    data:\n      - sentences: ["clock"]\n',
        encoding="utf-8",
    )
    message = _load_error(templates_copy)
    assert "extra.yaml" in message and "already defined in clock.yaml" in message
    (templates_copy / "extra.yaml").write_text(
        "language: en\nlists:\n  weekday:\n    values: [caturday]\n", encoding="utf-8"
    )
    assert "list 'weekday' is already defined in _common.yaml" in _load_error(templates_copy)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("language: fr\nintents: {}\n", "'language: en' is required"),
        ("- just\n- a list\n", "must be a mapping"),
        ("language: en\nsurprise: 1\n", "unknown top-level keys"),
        ("language: en\nintents:\n  x.y:\n    data:\n      - slots: {}\n", "needs 'sentences'"),
        ("language: en\nintents:\n  x.y:\n    data:\n      - sentences: []\n", "is empty"),
        ("language: en\nintents:\n  x.y: [1]\n", "only 'data"),
        ("language: en\nlists:\n  recipient:\n    values: [Eve]\n", "supplied at recognition time"),
        (
            "language: en\nlists:\n  n:\n    range: {from: 1, to: 9}\n"
            "intents:\n  x.y:\n    data:\n      - sentences: ['count {n}']\n",
            "digit ranges",
        ),
        ("language: en\nlists:\n  n:\n    nonsense: true\n", "bad list"),
    ],
)
def test_malformed_files(templates_copy: Path, content: str, problem: str) -> None:
    (templates_copy / "extra.yaml").write_text(content, encoding="utf-8")
    message = _load_error(templates_copy)
    assert "extra.yaml" in message
    assert problem in message


def test_missing_or_empty_directory(tmp_path: Path) -> None:
    assert "not a directory" in _load_error(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    assert "no *.yaml files" in _load_error(tmp_path / "empty")


def test_other_intents_get_raw_slots(templates_copy: Path) -> None:
    """A template set may add intents (a skill's ``<skill_id>.<intent>``): raw slot values."""
    (templates_copy / "weather.yaml").write_text(
        "language: en\n"
        "intents:\n"
        "  weather_skill.forecast:\n"
        "    data:\n"
        "      - sentences:\n"
        '          - "<what_is> the weather (in|for) {city} [{date}]"\n'
        '          - "will it rain on {event}"\n'
        "lists:\n"
        "  city:\n"
        "    values: [paris, {in: new york, out: NYC}]\n"
        "  event:\n"
        "    wildcard: true\n",
        encoding="utf-8",
    )
    recognizer = Recognizer(templates_copy)
    lists = SAMPLE_LISTS
    got = recognizer.recognize("What's the weather in New York tomorrow?", lists, NOW)
    assert got.to_dict() == {
        "intent": "weather_skill.forecast",
        "slots": {"city": "NYC", "date": "tomorrow"},
    }
    got = recognizer.recognize("will it rain on Ana's Birthday", lists, NOW)
    assert got.slots == {"event": "Ana's Birthday"}
    assert recognizer.recognize("what time is it", lists, NOW).intent == "time.get"
