"""The HTTP API on a real uvicorn server on 127.0.0.1, for the tests that talk to it."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn

from confide import runtime
from confide.assistant import Assistant
from confide.hub import create_app
from confide.vault import Vault


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(
    vault: Vault,
    household_id: str,
    token: str,
    timeout: float = 5.0,
    assistant: Assistant | None = None,
) -> Iterator[httpx.Client]:
    """A client of the API served in a thread (no timer ticker), with ``token`` as bearer;
    ``assistant`` (default: a new one) runs the turns."""
    app = create_app(vault, household_id, assistant, tick_seconds=None)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "API server did not start"
        time.sleep(0.02)
    base = f"http://127.0.0.1:{server.config.port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=timeout) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(10)


@contextlib.contextmanager
def demo_api(home: Path, timeout: float = 5.0) -> Iterator[httpx.Client]:
    """The API over a demo household (``runtime.create_demo``) in ``home``, its token as
    bearer; the vault is closed afterwards."""
    vault = Vault.open(home)
    household, token = runtime.create_demo(vault)
    assert token is not None, f"{home} already had a household"
    try:
        with serving(vault, household.id, token, timeout) as client:
            yield client
    finally:
        vault.close()
