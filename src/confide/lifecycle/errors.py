"""Errors of the lifecycle (deletion, receipts, retention, backups).

LifecycleError            root: a deletion, receipt, sweep, backup or restore that cannot be done
├── SelectionError        the request names nothing that can be forgotten (bad mode, range...)
└── BackupError           a backup directory that is missing, incomplete, altered or foreign
"""

from __future__ import annotations

from confide.errors import ConfideError


class LifecycleError(ConfideError):
    """Root error of ``confide.lifecycle``."""

    code = "lifecycle_error"


class SelectionError(LifecycleError):
    code = "bad_selection"


class BackupError(LifecycleError):
    code = "bad_backup"
