"""Confide over the Wyoming protocol, for Home Assistant and its voice satellites.

``confide serve`` runs :class:`WyomingServer` beside the HTTP API (default port 10300, on
127.0.0.1: the protocol has no authentication).  It offers speech-to-text (``transcribe`` →
``transcript``), intent handling (``transcript`` → ``handled``/``not-handled``) and
text-to-speech (``synthesize`` → audio), announced in ``describe`` → ``info``.  Audio sent for
transcription is never stored; a turn is stored when its transcript is sent to be handled.
"""

from __future__ import annotations

import confide.wyoming._compat  # noqa: F401  (first: wyoming.audio without its warning)
from confide.wyoming.describe import VOICES, info
from confide.wyoming.handler import ConfideEventHandler
from confide.wyoming.server import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    WyomingError,
    WyomingServer,
    run_wyoming,
)

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "VOICES",
    "ConfideEventHandler",
    "WyomingError",
    "WyomingServer",
    "info",
    "run_wyoming",
]
