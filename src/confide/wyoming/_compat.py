"""Import :mod:`wyoming.audio` without its ``audioop`` deprecation warning.

On Python 3.11 and 3.12 ``wyoming.audio`` imports the standard ``audioop`` module, which
warns that it is deprecated (it is removed in 3.13, where wyoming uses its own copy).  The
warning is about wyoming, not Confide; it is silenced for that one import only, so the test
suite (which turns warnings into errors) and ``confide serve`` stay quiet.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="'audioop' is deprecated", category=DeprecationWarning
    )
    import wyoming.audio  # noqa: F401
