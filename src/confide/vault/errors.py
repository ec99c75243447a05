"""Errors of the vault.

VaultError                 root: anything the vault refuses or cannot do
├── NotFoundError          an unknown id or name
├── ConflictError          the request contradicts what is stored (a duplicate name...)
├── KeyFileError           the household key file is missing, unreadable or too open
├── DecryptionError        *every* failure to decrypt or unwrap, collapsed into one (no oracle)
└── StorageError           the database or blob store failed (not the caller's fault)
"""

from __future__ import annotations

from confide.errors import ConfideError


class VaultError(ConfideError):
    """Root error of ``confide.vault``."""

    code = "vault_error"


class NotFoundError(VaultError):
    code = "not_found"


class ConflictError(VaultError):
    code = "conflict"


class KeyFileError(VaultError):
    code = "key_file"
    bad_input = False


class DecryptionError(VaultError):
    """The one error for every decryption failure: wrong key, tampered data, wrong binding."""

    code = "decryption_failed"
    bad_input = False

    def __init__(self, what: str) -> None:
        super().__init__(
            f"cannot decrypt {what}: the household key does not match this data or the data was "
            "altered; check that CONFIDE_HOME points at the key file that created this vault"
        )


class StorageError(VaultError):
    code = "storage_error"
    bad_input = False
