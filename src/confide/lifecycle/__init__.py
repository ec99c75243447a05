"""The lifecycle of what Confide keeps: deletion jobs and receipts, erasure verification,
retention, backups.

Only what is exported here is public.  The physical work is the vault's
(:mod:`confide.vault.erase`); this package plans it, makes it durable and accounts for it.
"""

from confide.lifecycle.backup import (
    BackupManifest,
    RestoreReport,
    create_backup,
    restore_backup,
    verify_backup,
)
from confide.lifecycle.deletion import (
    Acknowledged,
    acknowledge,
    erase_batch,
    execute,
    forget,
    pending,
    request,
    resume_pending,
)
from confide.lifecycle.errors import BackupError, LifecycleError, SelectionError
from confide.lifecycle.receipts import Receipt, ReceiptTurn, list_receipts, load_receipt
from confide.lifecycle.retention import SweepResult, sweep
from confide.lifecycle.selection import MODES, Selection
from confide.lifecycle.verify import Problem, Verification, verify_erasure

__all__ = [
    "MODES",
    "Acknowledged",
    "BackupError",
    "BackupManifest",
    "LifecycleError",
    "Problem",
    "Receipt",
    "ReceiptTurn",
    "RestoreReport",
    "Selection",
    "SelectionError",
    "SweepResult",
    "Verification",
    "acknowledge",
    "create_backup",
    "erase_batch",
    "execute",
    "forget",
    "list_receipts",
    "load_receipt",
    "pending",
    "request",
    "restore_backup",
    "resume_pending",
    "sweep",
    "verify_backup",
    "verify_erasure",
]
