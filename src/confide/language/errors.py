"""The root error of :mod:`confide.language`.

Messages name files, intents and list names, never the text a person said.
"""

from __future__ import annotations

from confide.errors import ConfideError


class LanguageError(ConfideError):
    """Templates that cannot be loaded, or a recogniser used the wrong way."""

    code = "language_error"
    bad_input = False
