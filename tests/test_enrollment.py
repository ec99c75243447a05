"""Voice enrollment end to end: ``confide enroll`` with spoken prompts, the adapted model in
use, what is kept (sealed, listed, never the recordings) and forgetting it again."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from tests.clirun import init_home, run_json
from tests.speechgen import needs_speech, synthesise

from confide.assistant import Assistant
from confide.runtime import open_installation
from confide.vault.lineage import read_artifact
from confide.voice import adapt, decode_raw
from confide.voice.enrollment import MIN_PROMPTS, PROMPTS
from confide.voice.recognizers import PocketsphinxRecognizer

pytestmark = [
    needs_speech,
    pytest.mark.skipif(
        bool(adapt.tools_missing()),
        reason="sphinxtrain and sphinxbase-utils (Debian packages) are not installed",
    ),
]
VOICE = ("en-us+f3", 140)


def _wav(path: Path, samples: bytes) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(samples)
    return path


@pytest.fixture(scope="module")
def prompt_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first MIN_PROMPTS prompts read by one voice, as 01.wav ... (and a stray file)."""
    folder = tmp_path_factory.mktemp("enrollment")
    work = tmp_path_factory.mktemp("synth")
    for number, prompt in enumerate(PROMPTS[:MIN_PROMPTS], 1):
        _wav(folder / f"{number:02d}.wav", synthesise(prompt, work, *VOICE))
    (folder / "notes.txt").write_text("not a recording")
    return folder


def _assistant(home: Path) -> tuple[Assistant, PocketsphinxRecognizer]:
    inst = open_installation(home, None)
    speech = PocketsphinxRecognizer()
    return Assistant(inst.vault, inst.household.id, speech=speech), speech


def test_enroll_adapts_the_recogniser_and_forget_removes_it(
    tmp_path: Path, prompt_dir: Path, capsys: pytest.CaptureFixture[str], scan_home
) -> None:
    home = init_home(tmp_path / "home", "Sam")
    prompts = run_json(capsys, "enroll", "--prompts", "--home", str(home))
    assert [p["text"] for p in prompts] == list(PROMPTS) and prompts[0]["file"] == "01.wav"

    out = run_json(capsys, "enroll", "--member", "sam", str(prompt_dir), "--home", str(home))
    assert out["member"] == "Sam" and out["prompts_read"] == MIN_PROMPTS
    kinds = {item["kind"]: item for item in out["stored"]}
    assert set(kinds) == {"transcript", "voice_statistics"}
    assert kinds["voice_statistics"]["stored_in"].startswith("blob")

    # Listed in the member's history, like any turn of theirs.
    history = run_json(capsys, "history", "--member", "sam", "--home", str(home))
    assert [t["turn_id"] for t in history] == [out["turn_id"]]
    assert history[0]["source"] == "enrollment"

    assistant, speech = _assistant(home)
    statistics = read_artifact(
        assistant.vault, assistant.household_id, kinds["voice_statistics"]["id"]
    )
    # Sealed at rest: no file of the home holds the statistics (a slice of them), and the
    # recordings were never stored (positive control: the scan finds a planted marker).
    excerpt = statistics[len(statistics) // 2 : len(statistics) // 2 + 64]
    recording = (prompt_dir / "03.wav").read_bytes()[2000:2064]
    (home / "marker.bin").write_bytes(b"planted-marker-4711")
    hits = scan_home(home, [excerpt, recording, b"planted-marker-4711"])
    assert hits[b"planted-marker-4711"], "the scan does not read the files"
    assert hits[excerpt] == [] and hits[recording] == []

    assistant.refresh_voice_model(force=True)
    model = speech.acoustic_model
    assert model is not None and (model / "means").is_file()
    assert home not in model.parents  # derived, in private memory, never under the home
    assert speech.confidence_model is speech.enrolled_confidence
    heard = assistant.transcribe(
        decode_raw(synthesise("what time is it", tmp_path, *VOICE), 16000, 2, 1)
    )
    assert heard.text == "what time is it" and not heard.rejected

    receipt = run_json(capsys, "forget", out["turn_id"], "--home", str(home))
    assert receipt["status"] == "done"
    assistant.refresh_voice_model(force=True)
    assert speech.acoustic_model is None
    assert not model.exists()
    assert run_json(capsys, "history", "--member", "sam", "--home", str(home)) == []


def test_bad_enrollments_store_nothing(
    tmp_path: Path, prompt_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = init_home(tmp_path / "home")
    few = tmp_path / "few"
    few.mkdir()
    for name in ("01.wav", "02.wav"):
        (few / name).write_bytes((prompt_dir / name).read_bytes())
    misnamed = tmp_path / "hello.wav"
    misnamed.write_bytes((prompt_dir / "01.wav").read_bytes())
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in sorted(prompt_dir.glob("*.wav")):
        (broken / path.name).write_bytes(path.read_bytes())
    (broken / "05.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    cases = [
        ([str(few)], "enrollment_too_short"),
        ([str(prompt_dir), str(misnamed)], "enrollment_file_name"),
        ([str(prompt_dir), str(prompt_dir / "01.wav")], "enrollment_duplicate"),
        ([str(broken)], None),  # the WAV decoder's own code
        ([str(tmp_path / "missing")], "file_unreadable"),
    ]
    for args, code in cases:
        error = run_json(capsys, "enroll", *args, "--home", str(home), code=2)
        if code is not None:
            assert error["error"]["code"] == code, args
    assert run_json(capsys, "history", "--home", str(home)) == []
