"""The real ``confide serve`` process: the API and the Wyoming server side by side."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from wyoming.asr import Transcript
from wyoming_support import connect

from apiserver import free_port
from confide.vault import Vault, history


def wait_for_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            pass
        assert proc.poll() is None, "serve exited early"
        assert time.monotonic() < deadline, "the Wyoming server did not start"
        time.sleep(0.1)


def test_serve_answers_describe_and_handles_transcripts_over_wyoming(tmp_path: Path) -> None:
    home, wyoming_port = tmp_path / "home", free_port()
    exe = Path(sys.executable).with_name("confide")
    proc = subprocess.Popen(
        [
            str(exe),
            "serve",
            "--home",
            str(home),
            "--port",
            "0",
            "--wyoming-port",
            f"{wyoming_port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )

    async def talk() -> tuple[str, str]:
        async with connect(wyoming_port) as client:
            info = await client.describe()
            assert [p.name for p in info.asr] == ["confide"]
            assert info.handle and info.tts
            (done,) = await client.ask(Transcript(text="what time is it").event())
            (missed,) = await client.ask(Transcript(text="play some jazz").event())
            return done.type, missed.type

    try:
        wait_for_port(wyoming_port, proc)
        assert asyncio.run(talk()) == ("handled", "not-handled")
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=60)
    log = output.decode()
    assert proc.returncode == 0, log  # SIGTERM stops both servers and closes the vault
    assert f"Confide: Wyoming on tcp://127.0.0.1:{wyoming_port}" in log
    assert (home / "demo-device.token").exists()  # the demo household, as before
    assert "what time is it" not in log and "jazz" not in log  # logs hold ids, never content
    vault = Vault.open(home)
    try:
        (household,) = vault.households()
        assert len(history(vault, household.id)) == 2
    finally:
        vault.close()
