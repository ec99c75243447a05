"""Identifiers: a readable prefix and 80 random bits, e.g. ``turn_3f9a0c1d2e4b5a6f7788``."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"
