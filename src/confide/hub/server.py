"""``confide serve``: open (or create) the installation and run the API with uvicorn.

On first run in an empty home a demo household is created and its device token is written to
``<home>/demo-device.token`` (mode 0600); only its path is printed.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import uvicorn

from confide import runtime
from confide.assistant import Assistant
from confide.hub.api import create_app

log = logging.getLogger(__name__)


def _write_token(home: Path, token: str) -> Path:
    path = home / "demo-device.token"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file already existed with wider permissions
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return path


def run(*, home: Path | None, db_url: str | None, host: str, port: int) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    vault = runtime.open_vault(home, db_url)
    try:
        household, token = runtime.create_demo(vault)
        if token is not None:
            path = _write_token(vault.home, token)
            print(f"Created demo household {household.name!r}; its device token is in {path}")
        print(f"Confide: API on http://{host}:{port}/v1 (OpenAPI at /openapi.json)", flush=True)
        assistant = Assistant(vault, household.id)
        assistant.recognizer.warm_up()
        app = create_app(vault, household.id, assistant)
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    finally:
        vault.close()
