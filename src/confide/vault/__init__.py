"""The vault: encrypted storage with lineage, and the audit log.

The rest of Confide uses only what is exported here.  Keys and AEAD live in private modules
(``_crypto``, ``_keyfile``) that nothing outside this package imports.
"""

from confide.vault.audit import AuditEntry, AuditVerdict
from confide.vault.errors import (
    ConflictError,
    DecryptionError,
    KeyFileError,
    NotFoundError,
    StorageError,
    VaultError,
)
from confide.vault.follow_up import PreviousArtifact, awaits, previous_artifact
from confide.vault.lineage import Orphan, find_orphans, history, lineage, read_artifact
from confide.vault.models import (
    ROLES,
    ActionRecord,
    Device,
    Household,
    MemberInfo,
    StoredItem,
    TurnInfo,
    TurnLineage,
)
from confide.vault.session import TurnHandle, TurnRecords, VaultSession
from confide.vault.settings import AUDIO_OFF, MEMBER_SETTINGS, SettingError, audio_expiry
from confide.vault.store import Vault

__all__ = [
    "AUDIO_OFF",
    "MEMBER_SETTINGS",
    "ROLES",
    "ActionRecord",
    "AuditEntry",
    "AuditVerdict",
    "ConflictError",
    "DecryptionError",
    "Device",
    "Household",
    "KeyFileError",
    "MemberInfo",
    "NotFoundError",
    "Orphan",
    "PreviousArtifact",
    "SettingError",
    "StorageError",
    "StoredItem",
    "TurnHandle",
    "TurnInfo",
    "TurnLineage",
    "TurnRecords",
    "Vault",
    "VaultError",
    "VaultSession",
    "audio_expiry",
    "awaits",
    "find_orphans",
    "history",
    "lineage",
    "previous_artifact",
    "read_artifact",
]
