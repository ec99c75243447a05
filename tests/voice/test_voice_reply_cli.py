"""`confide ask --reply-wav PATH [--voice NAME]`: the spoken reply as a WAV file, never stored.

With one turn PATH is the file; with several `--audio` files it is a directory holding
`<stem>.reply.wav` per file.  An unknown voice or an unwritable PATH exits 2 before any turn.
"""

from __future__ import annotations

import json
import wave
from array import array
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("espeakng_loader")

from clirun import init_home
from confide.cli import main
from confide.voice.tts import SpeechSynthesizer


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return init_home(tmp_path / "home", "Bob")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def turn_count(capsys: pytest.CaptureFixture[str], home: Path) -> int:
    code, out, _ = run(capsys, "history", "--home", str(home), "--json")
    assert code == 0
    return len(json.loads(out))


def read_wav(path: Path) -> tuple[int, bytes]:
    """The rate and samples of a 16-bit mono WAV file holding more than 0.2 s of sound."""
    with wave.open(str(path), "rb") as reader:
        assert (reader.getnchannels(), reader.getsampwidth()) == (1, 2)
        rate, frames = reader.getframerate(), reader.readframes(reader.getnframes())
    assert len(frames) / 2 / rate > 0.2
    assert max(map(abs, array("h", frames))) > 1000  # speech, not silence
    return rate, frames


def loudest(frames: bytes, size: int = 64) -> bytes:
    """The ``size`` bytes of samples around the loudest one (never a run of silence)."""
    samples = array("h", frames)
    peak = max(range(len(samples)), key=lambda i: abs(samples[i]))
    start = max(0, min(peak - size // 4, len(samples) - size // 2))
    return samples[start : start + size // 2].tobytes()


def assert_not_kept(home: Path, scan_home: Any, blobs_before: list[Path], frames: bytes) -> None:
    """The home holds no WAV file, no new blob and no stretch of the reply's samples."""
    assert not list(home.rglob("*.wav"))
    assert blob_files(home) == blobs_before
    assert not any(scan_home(home, [loudest(frames), b"WAVEfmt "]).values())


def blob_files(home: Path) -> list[Path]:
    blobs = home / "blobs"
    return sorted(blobs.rglob("*")) if blobs.exists() else []


@pytest.mark.parametrize("voice", [None, "en-gb", "EN-US+F3"])
def test_a_text_turn_writes_its_spoken_reply(
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    scan_home: Any,
    voice: str | None,
) -> None:
    before = blob_files(home)
    target = tmp_path / "out" / "reply.wav"
    target.parent.mkdir()
    target.write_bytes(b"an older file, replaced whole")
    chosen = ["--voice", voice] if voice else []
    code, out, err = run(
        capsys,
        "ask",
        "what time is it",
        "--reply-wav",
        str(target),
        *chosen,
        "--home",
        str(home),
        "--json",
    )
    assert code == 0, err
    turn = json.loads(out)
    assert turn["intent"] == "time.get"
    assert turn["reply_wav"] == str(target)
    rate, frames = read_wav(target)
    assert rate == SpeechSynthesizer().synthesize("ok").rate
    assert [p.name for p in target.parent.iterdir()] == ["reply.wav"]  # no temporary left
    assert scan_home(target.parent, [loudest(frames)])[loudest(frames)] == [
        target
    ]  # the scan works
    assert_not_kept(home, scan_home, before, frames)
    # without --json the output is the reply, as before
    code, out, _ = run(
        capsys, "ask", "what time is it", "--reply-wav", str(target), "--home", str(home)
    )
    assert code == 0
    assert out.startswith("It's ") and len(out.strip().splitlines()) == 1
    assert turn_count(capsys, home) == 2


def test_several_audio_files_write_one_reply_each(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], scan_home: Any
) -> None:
    pytest.importorskip("pocketsphinx")
    inputs = tmp_path / "in"
    inputs.mkdir()
    speaker = SpeechSynthesizer("en-us", words_per_minute=120)
    paths = []
    for stem, text in (("kitchen", "what time is it"), ("hall", "set a timer for ten minutes")):
        paths.append(inputs / f"{stem}.wav")
        paths[-1].write_bytes(speaker.synthesize(text).to_wav())
    before = blob_files(home)
    folder = tmp_path / "replies" / "today"  # missing: created
    code, out, err = run(
        capsys,
        "ask",
        "--audio",
        *map(str, paths),
        "--member",
        "Bob",
        "--reply-wav",
        str(folder),
        "--home",
        str(home),
        "--json",
    )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["file"] for line in lines] == [str(p) for p in paths]
    assert [line["reply_wav"] for line in lines] == [
        str(folder / "kitchen.reply.wav"),
        str(folder / "hall.reply.wav"),
    ]
    assert sorted(p.name for p in folder.iterdir()) == ["hall.reply.wav", "kitchen.reply.wav"]
    for line in lines:
        assert line["reply"]
        _, frames = read_wav(Path(line["reply_wav"]))
        assert_not_kept(home, scan_home, before, frames)
    assert turn_count(capsys, home) == 2


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("missing/reply.wav", "no such directory"),
        ("a-file/reply.wav", "no such directory"),
        (".", "is a directory"),
    ],
)
def test_an_unwritable_reply_path_exits_2_before_the_turn(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, says: str
) -> None:
    (tmp_path / "a-file").write_bytes(b"")
    target = tmp_path / where
    code, out, err = run(
        capsys, "ask", "what time is it", "--reply-wav", str(target), "--home", str(home)
    )
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert says in err and "--reply-wav" in err
    assert turn_count(capsys, home) == 0


def test_several_turns_need_a_directory_and_distinct_names(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wav = SpeechSynthesizer().synthesize("what time is it").to_wav()
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.wav").write_bytes(wav)
    (tmp_path / "a" / "other.wav").write_bytes(wav)
    a_file = tmp_path / "replies.wav"
    a_file.write_bytes(b"")
    cases = [
        ([tmp_path / "a" / "same.wav", tmp_path / "b" / "same.wav"], tmp_path / "out", "same"),
        ([tmp_path / "a" / "same.wav", tmp_path / "a" / "other.wav"], a_file, "not a directory"),
    ]
    for inputs, target, says in cases:
        code, out, err = run(
            capsys,
            "ask",
            "--audio",
            *map(str, inputs),
            "--reply-wav",
            str(target),
            "--home",
            str(home),
            "--json",
        )
        assert code == 2, err
        assert says in err
        assert json.loads(out)["error"]["code"] == "reply_wav_unwritable"
    assert not (tmp_path / "out").exists()
    assert turn_count(capsys, home) == 0


@pytest.mark.parametrize("voice", ["klingon", "", "mb-en1", "en-us; rm -rf /"])
def test_an_unknown_voice_exits_2_and_stores_no_turn(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], voice: str
) -> None:
    target = tmp_path / "reply.wav"
    for turn in (["what time is it"], ["--audio", str(tmp_path / "never-read.wav")]):
        code, out, err = run(
            capsys,
            "ask",
            *turn,
            "--reply-wav",
            str(target),
            "--voice",
            voice,
            "--home",
            str(home),
        )
        assert code == 2
        assert out == ""
        assert len(err.strip().splitlines()) == 1
        assert "en-us, en-us+f3, en-gb" in err
        assert "Traceback" not in err
    assert not target.exists()
    assert turn_count(capsys, home) == 0


def test_voice_without_reply_wav_exits_2(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ask", "what time is it", "--voice", "en-gb", "--home", str(home))
    assert code == 2
    assert "--reply-wav" in err
    assert turn_count(capsys, home) == 0


def test_any_reply_is_spoken_whole() -> None:
    """A reply is Confide's own text: longer than the synthesiser's limit, or holding control
    characters or lone surrogates (from odd command-line bytes), it is still spoken."""
    from confide.hub.speech import speak_reply
    from confide.voice.tts import MAX_TEXT_CHARS

    synthesizer = SpeechSynthesizer()
    short = speak_reply(synthesizer, "milk, eggs")
    long = speak_reply(synthesizer, "milk, eggs, " * (MAX_TEXT_CHARS // 6))
    odd = speak_reply(synthesizer, "milk\x07 and \udcff eggs")
    assert short is not None and long is not None and odd is not None
    assert long.duration_s > 25 * short.duration_s
    assert odd.duration_s > 0.2
    assert speak_reply(synthesizer, " \x00 \n") is None
