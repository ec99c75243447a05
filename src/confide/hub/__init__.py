"""The hub: the HTTP API (OpenAPI at /openapi.json) and, later, the web privacy hub."""

from confide.hub.api import create_app

__all__ = ["create_app"]
