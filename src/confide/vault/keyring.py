"""Keys in use: household keys from their files, data keys unwrapped from ``data_keys``.

Internal to the vault.  A data key (one per turn, one per member) is random, wrapped under the
household key and stored wrapped; unwrapped keys are cached in memory only.  Destroying a
``data_keys`` row (``forget``) makes every ciphertext sealed under it unreadable, backups included.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import sqlalchemy as sa

from confide.vault import _crypto, _keyfile
from confide.vault.errors import DecryptionError
from confide.vault.schema import data_keys

#: Unwrapped data keys kept in memory (least recently used beyond this are dropped).
CACHED_DATA_KEYS = 4096


_INSERT_KEY = data_keys.insert()
_WRAPPED_KEY = sa.select(data_keys.c.household_id, data_keys.c.wrapped).where(
    data_keys.c.id == sa.bindparam("id")
)


class Keyring:
    def __init__(self, key_dir: Path) -> None:
        self.key_dir = key_dir
        self._household: dict[str, bytes] = {}
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()  # serve's worker threads share one keyring

    def _remember(self, key_id: str, key: bytes) -> None:
        with self._lock:
            self._data[key_id] = key
            self._data.move_to_end(key_id)
            while len(self._data) > CACHED_DATA_KEYS:
                self._data.popitem(last=False)

    def _cached(self, key_id: str) -> bytes | None:
        with self._lock:
            key = self._data.get(key_id)
            if key is not None:
                self._data.move_to_end(key_id)
            return key

    def create_household_key(self, household_id: str) -> bytes:
        key = _keyfile.create_key_file(self.key_dir, household_id)
        self._household[household_id] = key
        return key

    def household_key(self, household_id: str) -> bytes:
        key = self._household.get(household_id)
        if key is None:
            key = _keyfile.load_key_file(self.key_dir, household_id)
            self._household[household_id] = key
        return key

    def new_data_key(
        self, conn: sa.Connection, household_id: str, key_id: str, kind: str, at: float
    ) -> bytes:
        """Create, wrap and store a fresh data key inside the caller's transaction."""
        key = _crypto.new_key()
        wrapped = _crypto.wrap_key(self.household_key(household_id), key, key_id)
        conn.execute(
            _INSERT_KEY,
            {
                "id": key_id,
                "household_id": household_id,
                "kind": kind,
                "wrapped": wrapped,
                "created_at": at,
            },
        )
        self._remember(key_id, key)
        return key

    def data_key(self, conn: sa.Connection, key_id: str) -> bytes:
        key = self._cached(key_id)
        if key is not None:
            return key
        row = conn.execute(_WRAPPED_KEY, {"id": key_id}).first()
        if row is None:
            raise DecryptionError(f"data key {key_id}")
        key = _crypto.unwrap_key(self.household_key(row.household_id), row.wrapped, key_id)
        self._remember(key_id, key)
        return key

    def holds(self, key_id: str) -> bool:
        """Whether this process still has ``key_id`` unwrapped in memory."""
        with self._lock:
            return key_id in self._data

    def forget_cached(self, key_id: str) -> None:
        with self._lock:
            self._data.pop(key_id, None)


def artifact_aad(artifact_id: str, kind: str, turn_id: str) -> bytes:
    return f"confide-artifact|{artifact_id}|{kind}|{turn_id}".encode()


def record_aad(
    record_id: str,
    kind: str,
    member_id: str,
    *,
    household_id: str,
    audience_member_id: str | None,
    origin_turn_id: str | None,
    status: str,
) -> bytes:
    """Binds a record's ciphertext to every plaintext column that gives it meaning, so moving
    it to another recipient, turn, household or status makes it undecryptable."""
    return "|".join(
        (
            "confide-record",
            record_id,
            kind,
            member_id,
            household_id,
            audience_member_id or "-",
            origin_turn_id or "-",
            status,
        )
    ).encode()
