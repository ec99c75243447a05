"""Fixtures of the Wyoming tests: a real Assistant over the real vault of each backend."""

from __future__ import annotations

from typing import Any

import pytest

import confide.wyoming  # noqa: F401  (first: imports wyoming.audio without its warning)
from confide.assistant import Assistant
from confide.vault import Vault
from confide.voice.recognizers import PocketsphinxRecognizer


@pytest.fixture(scope="session")
def speech() -> PocketsphinxRecognizer:
    """One recogniser for the session: its grammar (same household lists) is built once."""
    pytest.importorskip("pocketsphinx")
    return PocketsphinxRecognizer()


@pytest.fixture
def assistant(vault: Vault, household: Any, speech: PocketsphinxRecognizer) -> Assistant:
    return Assistant(vault, household.id, speech=speech)
