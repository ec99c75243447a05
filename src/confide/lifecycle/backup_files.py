"""The backup directory: a manifest, one JSON-lines file per table, the blob files as they are.

::

    DIR/manifest.json      format, version, backup id, household id, created_at, the row count
                           of every table, the sha256 of every other file, and a MAC over it all
    DIR/<table>.jsonl      one row per line, ``{column: value}``, bytes as base64
    DIR/blobs/<id>.blob    blob ciphertexts, byte for byte as the blob store holds them

Nothing in it is a key: the ``data_keys`` table and the ``keys/`` directory are never written,
so a backup alone is ciphertext.  The MAC is made with the household key (which stays in the
installation): an edited file is caught by its checksum, re-computed checksums by the MAC.

:class:`BackupWriter` writes into a hidden temporary directory beside ``DIR`` and renames it into
place at the end, so ``DIR`` is either absent (or empty) or a complete backup.
:func:`open_backup` checks everything - manifest, MAC, the exact set of files, every checksum,
every row's columns and types and references - before it returns, so a restore touches nothing
unless the whole backup is sound.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from confide.lifecycle.errors import BackupError
from confide.vault.schema import action_records, artifacts, contacts, devices, members, turns

FORMAT = "confide-backup"
VERSION = 1
MANIFEST = "manifest.json"
BLOB_DIR = "blobs"
#: The household's data, in an order where every row's references come first.  Not here, by
#: design: households (the row stays), data_keys (never exported), audit_log, tombstones,
#: receipts and receipt_turns (the live installation's own record, never rolled back).
TABLES: tuple[sa.Table, ...] = (members, contacts, devices, turns, artifacts, action_records)
_MAC_DOMAIN = b"confide-backup-manifest-v1|"
_CHUNK = 1 << 20


def manifest_message(manifest: Mapping[str, Any]) -> bytes:
    """The bytes the manifest's MAC covers: every field but ``mac``, canonically encoded."""
    body = {k: v for k, v in manifest.items() if k != "mac"}
    return _MAC_DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def table_file(table: sa.Table) -> str:
    return f"{table.name}.jsonl"


def blob_file(blob_id: str) -> str:
    return f"{BLOB_DIR}/{blob_id}.blob"


def encode_row(table: sa.Table, row: Mapping[Any, Any]) -> bytes:
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row[column.name]
        if value is not None and isinstance(column.type, sa.LargeBinary):
            value = base64.b64encode(bytes(value)).decode("ascii")
        out[column.name] = value
    return json.dumps(out, sort_keys=True, separators=(",", ":")).encode()


def _value(column: sa.Column[Any], value: Any) -> Any:
    """``value`` as the column holds it, or ``ValueError``."""
    kind = column.type
    if value is None:
        if not column.nullable:
            raise ValueError(f"{column.name} is empty")
        return None
    if isinstance(kind, sa.LargeBinary):
        if not isinstance(value, str):
            raise ValueError(f"{column.name} is not base64")
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as err:
            raise ValueError(f"{column.name} is not base64") from err
    if isinstance(kind, sa.Integer):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{column.name} is not an integer")
        return value
    if isinstance(kind, sa.Float):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"{column.name} is not a number")
        return float(value)
    if not isinstance(kind, sa.String):
        raise ValueError(f"{column.name} has a type backups do not know")
    if not isinstance(value, str) or (kind.length is not None and len(value) > kind.length):
        raise ValueError(f"{column.name} is not a string of the right length")
    return value


def decode_row(table: sa.Table, line: bytes) -> dict[str, Any]:
    """One line of a table file as a row, checked against the table; else ``ValueError``."""
    try:
        raw = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError("not a JSON line") from err
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    unknown = sorted(set(raw) - set(table.columns.keys()))
    if unknown:
        raise ValueError(f"unknown column {unknown[0]} (made by a newer Confide?)")
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.name in raw:
            row[column.name] = _value(column, raw[column.name])
        elif not column.nullable and column.server_default is None:
            raise ValueError(f"column {column.name} is missing")
    return row


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _target(out: Path) -> Path:
    out = out.expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise BackupError(f"{out} exists and is not a directory; choose a new directory")
    if out.is_dir() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty; choose a new (or empty) directory")
    if not out.parent.is_dir():
        raise BackupError(f"cannot write a backup to {out}: no such directory {out.parent}")
    return out


class BackupWriter:
    """Writes a backup into a temporary directory; :meth:`publish` renames it into place."""

    def __init__(self, out: Path) -> None:
        self.out = _target(out)
        try:
            self.tmp = Path(tempfile.mkdtemp(dir=self.out.parent, prefix=f".{self.out.name}."))
        except OSError as err:
            raise BackupError(
                f"cannot write a backup in {self.out.parent}: {err.strerror}"
            ) from err
        self.files: dict[str, str] = {}

    def _write(self, name: str, chunks: Iterable[bytes]) -> int:
        """Write a file of the backup (mode 0600, fsynced); returns how many chunks it had."""
        path = self.tmp / name
        count = 0
        digest = hashlib.sha256()
        try:
            path.parent.mkdir(exist_ok=True, mode=0o700)
            handle: IO[bytes]
            with os.fdopen(
                os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb"
            ) as handle:
                for chunk in chunks:
                    handle.write(chunk)
                    digest.update(chunk)
                    count += 1
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as err:
            raise BackupError(f"cannot write the backup in {self.tmp}: {err.strerror}") from err
        self.files[name] = digest.hexdigest()
        return count

    def write_table(self, table: sa.Table, rows: Iterable[Mapping[Any, Any]]) -> int:
        return self._write(table_file(table), (encode_row(table, r) + b"\n" for r in rows))

    def write_blob(self, blob_id: str, sealed: bytes) -> None:
        self._write(blob_file(blob_id), [sealed])

    def seal(self, manifest: dict[str, Any], sign: Callable[[bytes], str]) -> dict[str, Any]:
        """Write the manifest (with the file checksums and the MAC); returns it."""
        full = {**manifest, "files": dict(sorted(self.files.items()))}
        full["mac"] = sign(manifest_message(full))
        self._write(MANIFEST, [json.dumps(full, indent=1, sort_keys=True).encode() + b"\n"])
        return full

    def publish(self) -> None:
        try:
            for folder in (self.tmp / BLOB_DIR, self.tmp):
                if folder.is_dir():
                    _fsync_dir(folder)
            os.rename(self.tmp, self.out)  # onto nothing or an empty directory: atomic
            _fsync_dir(self.out.parent)
        except OSError as err:
            raise BackupError(
                f"cannot put the backup in place at {self.out}: {err.strerror}"
            ) from err

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


# -- reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerifiedBackup:
    """A backup whose manifest, MAC, files, checksums and rows have all been checked."""

    root: Path
    manifest: dict[str, Any]
    tables: dict[str, bytes]  # table name -> the verified bytes of its file

    @property
    def backup_id(self) -> str:
        return str(self.manifest["backup_id"])

    def rows(self, table: sa.Table) -> Iterator[dict[str, Any]]:
        for line in self.tables[table.name].splitlines():
            yield decode_row(table, line)

    def blob(self, blob_id: str) -> bytes:
        """A blob file's bytes, checked again against the manifest (it is read once more)."""
        name = blob_file(blob_id)
        try:
            data = (self.root / name).read_bytes()
        except OSError as err:
            raise BackupError(f"cannot read {self.root / name}: {err.strerror}") from err
        if hashlib.sha256(data).hexdigest() != self.manifest["files"][name]:
            raise BackupError(f"{self.root / name} was altered during the restore")
        return data


def _fail(root: Path, problem: str) -> BackupError:
    return BackupError(f"{root} is not a usable backup: {problem}; nothing was restored")


def _read_manifest(root: Path) -> dict[str, Any]:
    if not root.is_dir():
        raise BackupError(f"{root}: no such backup directory")
    try:
        manifest = json.loads((root / MANIFEST).read_bytes())
    except FileNotFoundError as err:
        raise _fail(root, f"no {MANIFEST}") from err
    except OSError as err:
        raise _fail(root, f"cannot read {MANIFEST} ({err.strerror})") from err
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _fail(root, f"{MANIFEST} is not JSON") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _fail(root, "not a Confide backup")
    if manifest.get("version") != VERSION:
        raise _fail(
            root, f"format version {manifest.get('version')!r}; this Confide reads {VERSION}"
        )
    return manifest


def _check_fields(root: Path, manifest: dict[str, Any]) -> None:
    strings = ("backup_id", "household_id", "created_at", "mac")
    if not all(isinstance(manifest.get(k), str) for k in strings):
        raise _fail(root, f"{MANIFEST} lacks one of {', '.join(strings)}")
    tables, files = manifest.get("tables"), manifest.get("files")
    names = {t.name for t in TABLES}
    if not isinstance(tables, dict) or set(tables) != names:
        raise _fail(root, f"{MANIFEST} does not count the rows of every table")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in tables.values()):
        raise _fail(root, "a row count is not a number")
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        raise _fail(root, f"{MANIFEST} does not list its files with their sha256")


def _present_files(root: Path) -> set[str]:
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        for name in [*filenames, *(d for d in dirnames if (here / d).is_symlink())]:
            path = here / name
            relative = path.relative_to(root).as_posix()
            if path.is_symlink() or not path.is_file():
                raise _fail(root, f"{relative} is not a regular file")
            if relative != MANIFEST:
                found.add(relative)
    return found


def _digest(path: Path) -> tuple[str, bytes | None]:
    """sha256 of a file; the bytes too for a table file (so what was checked is what is used)."""
    if path.suffix == ".jsonl":
        data = path.read_bytes()
        return hashlib.sha256(data).hexdigest(), data
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest(), None


def open_backup(
    root: Path, household_id: str, mac_matches: Callable[[bytes, str], bool]
) -> VerifiedBackup:
    """Check a whole backup directory (see the module docstring); else :class:`BackupError`."""
    root = root.expanduser().absolute()
    manifest = _read_manifest(root)
    _check_fields(root, manifest)
    if manifest["household_id"] != household_id:
        raise _fail(
            root,
            f"it is a backup of household {manifest['household_id']}, this installation "
            f"serves {household_id}",
        )
    if not mac_matches(manifest_message(manifest), manifest["mac"]):
        raise _fail(
            root,
            f"{MANIFEST} was altered, or the backup was made by another installation "
            "(its MAC does not match this household's key)",
        )
    listed = set(manifest["files"])
    present = _present_files(root)
    extra, missing = sorted(present - listed), sorted(listed - present)
    if extra:
        raise _fail(root, f"{extra[0]} is not listed in {MANIFEST}")
    if missing:
        raise _fail(root, f"{missing[0]} is missing")
    tables: dict[str, bytes] = {}
    for name in sorted(listed):
        try:
            digest, data = _digest(root / name)
        except OSError as err:
            raise _fail(root, f"cannot read {name} ({err.strerror})") from err
        if digest != manifest["files"][name]:
            raise _fail(root, f"{name} was altered since the backup was made (checksum mismatch)")
        if data is not None:
            tables[name[: -len(".jsonl")]] = data
    backup = VerifiedBackup(root, manifest, tables)
    _check_rows(backup, listed)
    return backup


def _check_rows(backup: VerifiedBackup, listed: set[str]) -> None:
    """Every row decodes, belongs to the household and refers only to rows of the backup."""
    root, household_id = backup.root, backup.manifest["household_id"]
    if set(backup.tables) != {t.name for t in TABLES}:
        raise _fail(root, "a table file is missing")
    ids: dict[str, set[str]] = {}
    blobs: set[str] = set()
    for table in TABLES:
        seen: set[str] = set()
        columns: frozenset[str] | None = None
        for number, line in enumerate(backup.tables[table.name].splitlines(), start=1):
            where = f"{table_file(table)} line {number}"
            try:
                row = decode_row(table, line)
            except ValueError as err:
                raise _fail(root, f"{where}: {err}") from err
            if columns is None:
                columns = frozenset(row)
            if frozenset(row) != columns or row["id"] in seen:
                raise _fail(root, f"{where}: not like the other rows, or a duplicate id")
            seen.add(row["id"])
            problem = _reference_problem(table, row, household_id, ids)
            if problem is not None:
                raise _fail(root, f"{where}: {problem}")
            if table is artifacts and row["store"] == "blob":
                blobs.add(blob_file(row["id"]))
        if len(seen) != backup.manifest["tables"][table.name]:
            raise _fail(root, f"{table_file(table)} does not hold the rows the manifest counts")
        ids[table.name] = seen
    if listed - {table_file(t) for t in TABLES} != blobs:
        raise _fail(root, "its blob files are not exactly the blobs of its artifacts")


def _reference_problem(
    table: sa.Table, row: dict[str, Any], household_id: str, ids: dict[str, set[str]]
) -> str | None:
    if "household_id" in row and row["household_id"] != household_id:
        return "a row of another household"
    people = ids.get("members", set())
    if table is turns and (
        row["member_id"] not in people
        or (row.get("device_id") is not None and row["device_id"] not in ids["devices"])
    ):
        return "a turn of a member or device the backup does not hold"
    if table is artifacts:
        return _artifact_problem(row, ids["turns"])
    if table is action_records and (
        row["member_id"] not in people
        or (row.get("audience_member_id") is not None and row["audience_member_id"] not in people)
    ):
        return "a record of a member the backup does not hold"
    return None


def _artifact_problem(row: dict[str, Any], turn_ids: set[str]) -> str | None:
    if row["turn_id"] not in turn_ids:
        return "an artifact of a turn the backup does not hold"
    if row["store"] not in ("db", "blob") or (row["store"] == "db") != (
        row.get("ciphertext") is not None
    ):
        return "an artifact with neither a ciphertext nor a blob"
    if row["id"].startswith(".") or "/" in row["id"]:
        return "an artifact id that cannot name a blob"
    return None
