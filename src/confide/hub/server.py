"""``confide serve``: open (or create) the installation and run the API and the Wyoming server.

On first run in an empty home a demo household is created and its device token is written to
``<home>/demo-device.token`` (mode 0600); only its path is printed.

Both servers run in one asyncio loop over one :class:`~confide.assistant.Assistant`: the
Wyoming server (:mod:`confide.wyoming`) listens first (so a taken port fails before anything
else starts), then uvicorn serves the API until it is told to stop (Ctrl-C, SIGTERM); the
Wyoming server is stopped after it, then the vault is closed, and the process exits 0.
The Wyoming protocol has no authentication, so it listens on 127.0.0.1 unless
``--wyoming-host`` says otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from confide import runtime
from confide.assistant import Assistant
from confide.hub.api import create_app
from confide.hub.chores import Chore
from confide.lifecycle import retention
from confide.vault import Vault
from confide.wyoming import DEFAULT_HOST, DEFAULT_PORT, WyomingServer

log = logging.getLogger(__name__)


def _write_token(home: Path, token: str) -> Path:
    path = home / "demo-device.token"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file already existed with wider permissions
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return path


class _Server(uvicorn.Server):
    """uvicorn without signal handling of its own: :func:`serve` handles SIGINT and SIGTERM.

    uvicorn would re-raise the signal after its shutdown, and the default SIGTERM action
    kills the process before the Wyoming server is stopped and the vault closed.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _install_stop_signals(server: uvicorn.Server) -> list[signal.Signals]:
    """SIGINT and SIGTERM end ``server`` gracefully (a second Ctrl-C: at once)."""
    loop = asyncio.get_running_loop()

    def stop(sig: signal.Signals) -> None:
        if server.should_exit and sig == signal.SIGINT:
            server.force_exit = True
        server.should_exit = True

    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        # not available off the main thread or on some platforms: uvicorn's default then
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop, sig)
            installed.append(sig)
    return installed


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def serve(
    app: FastAPI,
    assistant: Assistant,
    *,
    host: str,
    port: int,
    wyoming_host: str = DEFAULT_HOST,
    wyoming_port: int = DEFAULT_PORT,
    wyoming_member: str | None = None,
) -> None:
    """Run the API (uvicorn) and, unless ``wyoming_port`` is 0, the Wyoming server."""
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False)
    wyoming: WyomingServer | None = None
    if wyoming_port:
        wyoming = WyomingServer(assistant, wyoming_host, wyoming_port, member=wyoming_member)
        await wyoming.start()  # warms the speech recogniser up in a thread
    try:
        sock = config.bind_socket()  # bound here so that port 0 prints the port it got
        bound = sock.getsockname()[1]
        print(
            f"Confide: API on http://{_url_host(host)}:{bound}/v1 (OpenAPI at /openapi.json)",
            flush=True,
        )
        if wyoming is not None:
            print(
                f"Confide: Wyoming on {wyoming.uri} (speech-to-text, intents, text-to-speech; "
                f"turns as {wyoming.member or 'the owner'})",
                flush=True,
            )
        server = _Server(config)
        installed = _install_stop_signals(server)
        try:
            await server.serve(sockets=[sock])
        finally:
            for sig in installed:
                asyncio.get_running_loop().remove_signal_handler(sig)
    finally:
        if wyoming is not None:
            await wyoming.stop()


def retention_chore(vault: Vault, household_id: str) -> Chore:
    """The retention sweep ``serve`` runs every 20 s: expired data is gone within a minute."""
    return Chore(
        "retention sweep", retention.INTERVAL, lambda: retention.sweep(vault, household_id)
    )


def run(
    *,
    home: Path | None,
    db_url: str | None,
    host: str,
    port: int,
    wyoming_host: str = DEFAULT_HOST,
    wyoming_port: int = DEFAULT_PORT,
    wyoming_member: str | None = None,
) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    vault = runtime.open_vault(home, db_url)
    try:
        runtime.finish_deletions(vault, residue=True)
        household, token = runtime.create_demo(vault)
        if token is not None:
            path = _write_token(vault.home, token)
            print(f"Created demo household {household.name!r}; its device token is in {path}")
        assistant = Assistant(vault, household.id)
        assistant.recognizer.warm_up()
        app = create_app(
            vault, household.id, assistant, chores=[retention_chore(vault, household.id)]
        )
        asyncio.run(
            serve(
                app,
                assistant,
                host=host,
                port=port,
                wyoming_host=wyoming_host,
                wyoming_port=wyoming_port,
                wyoming_member=wyoming_member,
            )
        )
    finally:
        vault.close()
