"""`confide ask --audio` and `confide settings`: JSON lines, exit 2, no turn for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pocketsphinx")

from voice_wavgen import chunk, fmt_body, pcm, riff, sine

from confide.cli import main
from speechgen import needs_speech, synthesise_wav

WPM = 120


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert main(["init", "--household", "Testers", "--owner", "Alex", "--home", str(home)]) == 0
    assert main(["members", "add", "Bob", "--home", str(home)]) == 0
    assert main(["members", "add", "Kim", "--role", "child", "--home", str(home)]) == 0
    return home


@pytest.fixture(scope="module")
def wavs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("wavs")
    out = {}
    for name, text in (
        ("time", "what time is it"),
        ("remove", "remove milk from the shopping list"),
    ):
        out[name] = folder / f"{name}.wav"
        out[name].write_bytes(synthesise_wav(text, folder, wpm=WPM))
    out["float"] = folder / "float.wav"
    out["float"].write_bytes(
        riff(chunk(b"fmt ", fmt_body(tag=3, bits=32)), chunk(b"data", pcm(sine(16000, 0.2), 32, 1)))
    )
    out["text"] = folder / "notes.wav"
    out["text"].write_bytes(b"just some text, not audio\n")
    out["empty"] = folder / "empty.wav"
    out["empty"].write_bytes(b"")
    return out


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def turn_count(capsys: pytest.CaptureFixture[str], home: Path) -> int:
    code, out, _ = run(capsys, "history", "--home", str(home), "--json")
    assert code == 0
    return len(json.loads(out))


@needs_speech
def test_two_files_give_two_json_lines(
    home: Path, wavs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "ask", "add milk to the list", "--member", "Bob", "--home", str(home)
    )
    assert code == 0, err
    code, out, err = run(
        capsys,
        "ask",
        "--audio",
        str(wavs["time"]),
        str(wavs["remove"]),
        "--member",
        "Bob",
        "--home",
        str(home),
        "--json",
    )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["intent"] for line in lines] == ["time.get", "shopping.remove"]
    assert lines[1]["slots"] == {"item": "milk"}
    assert [line["file"] for line in lines] == [str(wavs["time"]), str(wavs["remove"])]
    for line in lines:
        for key in ("turn_id", "transcript", "intent", "slots", "reply", "actions", "stored"):
            assert key in line
        assert line["member"] == "Bob"
        assert list(line["timings_ms"]) == ["decode", "transcribe", "understand", "act", "store"]
        assert set(line["speech"]) == {"engine", "confidence", "rejected", "tentative"}
        assert "audio" not in {s["kind"] for s in line["stored"]}  # Bob keeps no audio
    code, out, _ = run(capsys, "history", "--home", str(home), "--json")
    assert [t["source"] for t in json.loads(out)] == ["voice", "voice", "text"]
    # without --json: one human line per file with what was heard and the reply
    code, out, _ = run(capsys, "ask", "--audio", str(wavs["time"]), "--home", str(home))
    assert code == 0
    assert out.startswith(f'{wavs["time"]}: heard "what time is it" -> ')


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("float", "floating-point"),
        ("text", "not a WAV"),
        ("empty", "empty"),
        ("missing", "no such file"),
    ],
)
def test_a_bad_file_stores_no_turn_at_all(
    home: Path, wavs: dict[str, Path], capsys: pytest.CaptureFixture[str], bad: str, problem: str
) -> None:
    path = str(wavs.get(bad, home / "missing.wav"))
    before = turn_count(capsys, home)
    code, out, err = run(capsys, "ask", "--audio", str(wavs["time"]), path, "--home", str(home))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert path in err
    assert problem.lower() in err.lower()
    assert "Traceback" not in err
    assert turn_count(capsys, home) == before
    code, out, _ = run(capsys, "ask", "--audio", path, "--home", str(home), "--json")
    assert code == 2
    assert json.loads(out)["error"]["code"]


def test_text_and_audio_together_or_nothing_is_an_error(
    home: Path, wavs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ["ask", "what time is it", "--audio", str(wavs["float"])],
        ["ask", "--audio"],
        ["ask"],
    ):
        code, _, err = run(capsys, *args, "--home", str(home))
        assert code == 2, args
        assert len(err.strip().splitlines()) == 1
    assert turn_count(capsys, home) == 0
    code, out, _ = run(capsys, "ask", "what", "time", "is", "it", "--home", str(home), "--json")
    assert code == 0
    assert json.loads(out)["intent"] == "time.get"


def test_settings_round_trip(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "settings", "--home", str(home), "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["member"] == "Alex"
    assert shown["settings"] == {"audio_retention": "off", "transcript_retention": "3_months"}
    assert shown["allowed"]["audio_retention"] == ["off", "3_months", "18_months", "until_deleted"]
    code, out, _ = run(
        capsys, "settings", "audio_retention", "18_months", "--member", "bob", "--home", str(home)
    )
    assert code == 0
    assert out.strip().splitlines() == [
        "Bob\taudio_retention\t18_months",
        "Bob\ttranscript_retention\t3_months",
    ]
    code, out, _ = run(capsys, "settings", "--member", "Bob", "--home", str(home), "--json")
    assert json.loads(out)["settings"] == {
        "audio_retention": "18_months",
        "transcript_retention": "3_months",
    }
    code, out, _ = run(capsys, "members", "list", "--home", str(home), "--json")
    assert {m["name"]: m["audio_retention"] for m in json.loads(out)} == {
        "Alex": "off",
        "Bob": "18_months",
        "Kim": "off",
    }
    code, out, _ = run(capsys, "audit", "--home", str(home), "--json")
    changes = [e for e in json.loads(out) if e["action"] == "settings.audio_retention"]
    assert len(changes) == 1 and changes[0]["actor"] == "operator:cli"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["audio_retention", "3_months", "--member", "Kim"], "child"),
        (["audio_retention", "forever"], "off, 3_months, 18_months, until_deleted"),
        (["volume", "11"], "audio_retention"),
        (["audio_retention"], "off, 3_months"),
        (["audio_retention", "off", "--member", "Nobody"], "Nobody"),
    ],
)
def test_bad_settings_exit_2(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    code, _, err = run(capsys, "settings", *args, "--home", str(home))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert says in err
    code, out, _ = run(capsys, "settings", "--member", "Kim", "--home", str(home), "--json")
    assert json.loads(out)["settings"]["audio_retention"] == "off"


@needs_speech
def test_kept_audio_is_shown_in_the_blob_store(
    home: Path, wavs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["settings", "audio_retention", "3_months", "--home", str(home)]) == 0
    code, out, _ = run(capsys, "ask", "--audio", str(wavs["time"]), "--home", str(home), "--json")
    assert code == 0
    turn = json.loads(out)
    audio = next(s for s in turn["stored"] if s["kind"] == "audio")
    assert audio["stored_in"].startswith("blob:")
    assert audio["expires_at"] is not None
    code, out, _ = run(capsys, "show", turn["turn_id"], "--home", str(home), "--json")
    shown = next(s for s in json.loads(out)["stored"] if s["kind"] == "audio")
    assert shown["stored_in"] == audio["stored_in"]
    assert shown["media_type"] == "audio/wav"
    assert shown["content"] is None
    code, out, _ = run(capsys, "show", turn["turn_id"], "--home", str(home))
    line = next(row for row in out.splitlines() if row.strip().startswith("audio"))
    assert audio["id"] in line and audio["stored_in"] in line
    blob = home / "blobs" / audio["stored_in"].removeprefix("blob:")
    assert blob.is_file()
    assert blob.read_bytes()[:4] != b"RIFF"
