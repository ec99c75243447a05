"""Running the real ``confide`` command in-process, for the tests of its contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from confide.cli import main


def init_home(home: Path, *adults: str) -> Path:
    """``confide init`` (household Testers, owner Alex) in ``home``, then ``adults`` added."""
    assert main(["init", "--household", "Testers", "--owner", "Alex", "--home", str(home)]) == 0
    for name in adults:
        assert main(["members", "add", name, "--home", str(home)]) == 0
    return home


def run_json(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> Any:
    """The JSON document ``confide ARGS --json`` prints, checking its exit code."""
    capsys.readouterr()
    assert main([*args, "--json"]) == code, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)
