"""Speaker adaptation with the real tools: statistics, their sum, the adapted model, errors."""

from __future__ import annotations

import io
import re
import sys
import zipfile
from array import array
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.speechgen import needs_speech, synthesise

from confide.voice import adapt
from confide.voice.adapt import (
    ADAPTATION_UNAVAILABLE,
    AdaptationError,
    Recording,
    base_model,
    build_model,
    sum_statistics,
    voice_statistics,
)
from confide.voice.enrollment import MIN_PROMPTS, PROMPTS, prompt_number, spoken_words
from confide.voice.recognizers import PocketsphinxRecognizer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from speech_corpus import SENTENCES

needs_tools = pytest.mark.skipif(
    bool(adapt.tools_missing()),
    reason="sphinxtrain and sphinxbase-utils (Debian packages) are not installed",
)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("adapt-cache")


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> list[Recording]:
    folder = tmp_path_factory.mktemp("prompts")
    return [
        Recording(synthesise(p, folder, voice="en-us+f3", wpm=140), spoken_words(p))
        for p in PROMPTS[:8]
    ]


def _floats(statistics: bytes, name: str) -> list[float]:
    counts = adapt._Counts(name, zipfile.ZipFile(io.BytesIO(statistics)).read(name))
    return [sum(part) for part in counts.parts if isinstance(part, array)]


# -- the prompts -------------------------------------------------------------------------------
def test_prompts_are_speakable_and_held_out() -> None:
    import pocketsphinx

    words = {
        line.split(" ", 1)[0]
        for line in (Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict")
        .read_text(encoding="utf-8")
        .splitlines()
    }
    phrasings = yaml.safe_load((ROOT / "tests/language/phrasings.yaml").read_text())
    development = {spoken_words(p["text"]) for p in phrasings["phrasings"]}
    development |= {spoken_words(t) for t in phrasings.get("out_of_scope", [])}
    held_out = {spoken_words(s.text) for s in SENTENCES}
    assert len(set(PROMPTS)) == len(PROMPTS) >= 3 * MIN_PROMPTS
    for prompt in PROMPTS:
        said = spoken_words(prompt)
        assert [w for w in said.split() if w not in words] == [], prompt
        assert said not in development and said not in held_out, prompt


def test_recordings_are_named_by_prompt() -> None:
    assert prompt_number(Path("07.wav")) == 7
    assert prompt_number(Path("7.WAV")) == 7
    assert prompt_number(Path(f"{len(PROMPTS)}.wav")) == len(PROMPTS)
    for name in ("00.wav", f"{len(PROMPTS) + 1}.wav", "seven.wav", "07.mp3", "07.wav.txt"):
        assert prompt_number(Path(name)) is None, name
    assert re.fullmatch(r"[a-z' ]+", spoken_words("Add flour, sugar and eggs!"))


# -- the model the tools need ---------------------------------------------------------------------
@needs_tools
def test_mixture_weights_written_out_decode_as_the_bundled_model(
    cache: Path, tmp_path: Path
) -> None:
    """The float mixture weights made from ``sendump`` are the bundled model's own: the same
    audio decodes to the same words with either."""
    folder = base_model(cache)
    assert (folder / "mixture_weights").is_file() and not (folder / "sendump").exists()
    assert base_model(cache) == folder  # made once
    for text in ("what time is it", "cancel my timer"):
        audio = synthesise(text, tmp_path)
        bundled = PocketsphinxRecognizer(min_confidence=None).transcribe(audio)
        rewritten = PocketsphinxRecognizer(min_confidence=None, acoustic_model=folder)
        assert rewritten.transcribe(audio).text == bundled.text == text


@needs_speech
@needs_tools
def test_statistics_sum_and_build_a_model_pocketsphinx_loads(
    cache: Path, recordings: list[Recording], tmp_path: Path
) -> None:
    one = voice_statistics(recordings[:4], cache)
    other = voice_statistics(recordings[4:], cache)
    for name in adapt.COUNT_FILES:
        total = tmp_path / "sum"
        total.mkdir(exist_ok=True)
        sum_statistics([one, other], total)
        summed = adapt._Counts(name, (total / name).read_bytes())
        got = [sum(p) for p in summed.parts if isinstance(p, array)]
        want = [a + b for a, b in zip(_floats(one, name), _floats(other, name), strict=True)]
        assert got == pytest.approx(want, rel=1e-4), name
        assert any(v > 0 for v in got), name  # the recordings were counted
    model = build_model([one, other], tmp_path / "model", cache)
    base = base_model(cache)
    assert (model / "means").read_bytes() != (base / "means").read_bytes()  # it moved
    recognizer = PocketsphinxRecognizer(min_confidence=None, acoustic_model=model)
    heard = recognizer.transcribe(synthesise("what time is it", tmp_path, voice="en-us+f3"))
    assert heard.text == "what time is it"  # it loads and decodes
    assert recognizer.confidence_model is recognizer.enrolled_confidence


@needs_tools
def test_unreadable_statistics_are_refused(cache: Path, tmp_path: Path) -> None:
    with pytest.raises(AdaptationError, match="not readable"):
        build_model([b"not a zip"], tmp_path / "a", cache)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("mixw_counts", b"s3\nendhdr\n")
    with pytest.raises(AdaptationError, match="incomplete"):
        build_model([packed.getvalue()], tmp_path / "b", cache)
    with pytest.raises(AdaptationError, match="no voice statistics"):
        build_model([], tmp_path / "c", cache)


def test_words_outside_the_dictionary_are_refused(cache: Path) -> None:
    with pytest.raises(AdaptationError, match="not in the pronunciation dictionary"):
        adapt._dictionary(["set a timer for zzqxv minutes"])
    with pytest.raises(AdaptationError, match="no recordings"):
        voice_statistics([], cache)


def test_missing_tools_are_named(
    monkeypatch: pytest.MonkeyPatch, cache: Path, recordings: list[Recording]
) -> None:
    monkeypatch.setattr(adapt, "_tool", lambda name: None)
    assert adapt.tools_missing() == ["sphinx_fe", "bw", "map_adapt"]
    monkeypatch.setattr(adapt, "base_model", lambda cache_dir: cache_dir)
    with pytest.raises(AdaptationError) as caught:
        voice_statistics(recordings[:1], cache)
    assert caught.value.code == ADAPTATION_UNAVAILABLE
    assert "sphinxtrain" in str(caught.value)


@needs_speech
@needs_tools
def test_recordings_reach_the_tools_only_in_memory(
    monkeypatch: pytest.MonkeyPatch, cache: Path, recordings: list[Recording]
) -> None:
    """The WAV files the tools read are written under /dev/shm (never to a disk) if it exists."""
    parents: list[str | None] = []
    real = adapt.tempfile.TemporaryDirectory

    def spy(*args: Any, **kwargs: Any) -> Any:
        parents.append(kwargs.get("dir"))
        return real(*args, **kwargs)

    monkeypatch.setattr(adapt.tempfile, "TemporaryDirectory", spy)
    voice_statistics(recordings[:2], cache)
    assert parents == [adapt.private_parent()]
    if Path("/dev/shm").is_dir():
        assert parents == ["/dev/shm"]
