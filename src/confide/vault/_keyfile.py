"""The household key file: the root of every key, kept outside the database.

``<home>/keys/<household_id>.key`` holds 32 random bytes as base64, mode 0600, in a 0700
directory.  A key file readable by group or others is refused: the operator must fix it.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path

from confide.vault._crypto import KEY_BYTES, new_key
from confide.vault.errors import KeyFileError


def key_path(key_dir: Path, household_id: str) -> Path:
    return key_dir / f"{household_id}.key"


def create_key_file(key_dir: Path, household_id: str) -> bytes:
    """Create a new household key; refuses to overwrite an existing one."""
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(key_dir, 0o700)
    path = key_path(key_dir, household_id)
    key = new_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as err:
        raise KeyFileError(f"key file {path} already exists; refusing to replace it") from err
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.b64encode(key) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


def load_key_file(key_dir: Path, household_id: str) -> bytes:
    """Read a household key, checking its permissions and format."""
    path = key_path(key_dir, household_id)
    try:
        mode = path.stat().st_mode
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise KeyFileError(
            f"household key file {path} is missing; without it the vault cannot be read "
            "(restore the key file, or point --home/CONFIDE_HOME at the right directory)"
        ) from err
    except OSError as err:
        raise KeyFileError(f"cannot read household key file {path}: {err.strerror}") from err
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"household key file {path} is readable by others; run: chmod 600 {path}"
        )
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise KeyFileError(f"household key file {path} is corrupt (not base64)") from err
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"household key file {path} is corrupt (wrong length)")
    return key
