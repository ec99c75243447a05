"""The root error of :mod:`confide.hub`."""

from __future__ import annotations

from confide.errors import ConfideError

__all__ = ["HubError"]


class HubError(ConfideError):
    """Root error of ``confide.hub``: a request the API cannot take."""

    code = "hub_error"
