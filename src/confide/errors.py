"""The root of every Confide error.

Each part has one root error of its own deriving from :class:`ConfideError`::

    ConfideError
    ├── LanguageError        (confide.language)
    ├── SkillError           (confide.skills)
    ├── VaultError           (confide.vault)
    │   ├── DecryptionError  one error for every failure to decrypt: no oracle
    │   └── NotFoundError    an unknown id
    ├── LifecycleError       (confide.lifecycle: deletion, receipts, retention, backups)
    ├── AssistantError       (confide.assistant)
    └── HubError             (confide.hub)

Every error carries a stable ``code`` (for the JSON bodies of the API and ``--json`` of the CLI)
and a message that tells the user what to do.  Messages hold ids and names, never voice content.
"""

from __future__ import annotations


class ConfideError(Exception):
    """Base class of every error Confide raises on purpose."""

    code: str = "confide_error"
    #: Whether the error is the caller's fault (bad input: CLI exit 2, HTTP 4xx).
    bad_input: bool = True

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str]:
        """The error as the JSON body the API and ``--json`` print."""
        return {"code": self.code, "message": self.message}
