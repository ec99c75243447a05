"""Confide: a self-hosted voice assistant whose data lifecycle is honest and provable."""

from confide.errors import ConfideError

__all__ = ["ConfideError", "__version__"]

__version__ = "0.1.0"
