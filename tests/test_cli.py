"""The `confide` command: contracts of DESIGN.md §5 (JSON shapes, exit codes, one-line errors)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from clirun import init_home, run_json
from confide.cli import main
from confide.confirmation import NOTHING_TO_CONFIRM


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return init_home(tmp_path / "home", "Bob")


def test_init_is_idempotent(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "init", "--home", str(home))
    assert out["created"] is False
    assert out["household"]["name"] == "Testers"
    key_files = list((home / "keys").glob("*.key"))
    assert len(key_files) == 1
    assert key_files[0].stat().st_mode & 0o777 == 0o600


def test_ask_json_contract(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "ask", "wake me up at six forty five am", "--home", str(home))
    for key in ("turn_id", "transcript", "intent", "slots", "reply", "actions", "stored"):
        assert key in out
    assert out["intent"] == "alarm.set"
    assert out["slots"]["time"] == "06:45"
    assert out["actions"][0]["kind"] == "alarm"
    assert {s["kind"] for s in out["stored"]} >= {"transcript", "interpretation", "reply"}
    nothing = run_json(capsys, "ask", "what is the meaning of life", "--home", str(home))
    assert nothing["intent"] is None and nothing["actions"] == []
    assert "awaiting_confirmation" not in out and "confirms" not in out
    # a "yes" answers a read-back only (none was asked): nothing happens, and it says so
    answer = run_json(capsys, "ask", "yes", "--home", str(home))
    assert answer["intent"] is None and answer["actions"] == []
    assert answer["reply"] == NOTHING_TO_CONFIRM and "confirms" not in answer


def test_history_show_and_audit(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    turn = run_json(capsys, "ask", "put eggs on the shopping list", "--home", str(home))
    run_json(capsys, "ask", "what time is it", "--member", "Bob", "--home", str(home))
    turns = run_json(capsys, "history", "--home", str(home))
    assert len(turns) == 2
    bobs = run_json(capsys, "history", "--member", "bob", "--home", str(home))
    assert [t["member"] for t in bobs] == ["Bob"]
    shown = run_json(capsys, "show", turn["turn_id"], "--home", str(home))
    by_kind = {item["kind"]: item for item in shown["stored"]}
    assert by_kind["transcript"]["content"] == "put eggs on the shopping list"
    assert by_kind["transcript"]["stored_in"] == "db:artifacts"
    assert by_kind["shopping_item"]["stored_in"] == "db:action_records"
    assert by_kind["data_key"]["stored_in"] == "db:data_keys"
    log = run_json(capsys, "audit", "--home", str(home))
    assert any(e["action"] == "turn.read" and turn["turn_id"] in e["targets"] for e in log)
    assert run_json(capsys, "audit", "--verify", "--home", str(home))["ok"] is True


def test_tampered_audit_log_fails_verification(home: Path, capsys) -> None:
    turn = run_json(capsys, "ask", "what time is it", "--home", str(home))
    run_json(capsys, "show", turn["turn_id"], "--home", str(home))
    run_json(capsys, "history", "--home", str(home))
    with sqlite3.connect(home / "confide.db") as db:
        db.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
    capsys.readouterr()
    assert main(["audit", "--verify", "--home", str(home)]) == 1
    assert "entry 1" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["show", "turn_doesnotexist"],
        ["ask", ""],
        ["ask", "set an alarm for seven", "--member", "Nobody"],
        ["history", "--since", "yesterday-ish"],
        ["history", "--until", "9999-12-31"],
        ["history", "--since", "0001-01-01"],
        ["history", "--limit", "99999999999999999999"],
        ["audit", "--limit", "0"],
        ["inbox", "--member", "Nobody"],
        ["members", "add", "Bob"],
        ["members", "add", "Zed", "--role", "robot"],
        ["members", "remove", "Alex"],
        ["frobnicate"],
        ["ask"],
    ],
)
def test_bad_input_exits_2_with_one_line(home: Path, capsys, args: list[str]) -> None:
    capsys.readouterr()
    assert main([*args, "--home", str(home)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("confide: ")
    assert "\n" not in err
    assert "Traceback" not in err


def test_uninitialised_home_is_bad_input(tmp_path: Path, capsys) -> None:
    assert main(["history", "--home", str(tmp_path / "empty")]) == 2
    assert "confide init" in capsys.readouterr().err


def test_console_script_in_a_real_process(home: Path) -> None:
    env = {**os.environ, "CONFIDE_HOME": str(home)}
    exe = Path(sys.executable).with_name("confide")
    done = subprocess.run(
        [str(exe), "ask", "start a five minute timer", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["slots"] == {"duration_s": 300}
    bad = subprocess.run(
        [str(exe), "show", "nope"], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_inbox_shows_messages_sent_to_a_member(home: Path, capsys) -> None:
    sent = run_json(capsys, "ask", "tell Bob the plumber comes at noon", "--home", str(home))
    assert sent["intent"] == "message.send"
    inbox = run_json(capsys, "inbox", "--member", "Bob", "--home", str(home))
    assert [(m["from"], m["turn_id"]) for m in inbox] == [("Alex", sent["turn_id"])]
    assert inbox[0]["body"] == "the plumber comes at noon"
    assert run_json(capsys, "inbox", "--home", str(home)) == []  # the owner's own inbox
    log = run_json(capsys, "audit", "--home", str(home))
    assert any(e["action"] == "inbox.read" for e in log)


def test_reading_commands_never_create_a_home(tmp_path: Path, capsys) -> None:
    home = tmp_path / "nothing-here"
    for args in (["history"], ["show", "turn_x"], ["audit"], ["members", "list"]):
        assert main([*args, "--home", str(home)]) == 2
    assert not home.exists()
