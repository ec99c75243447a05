"""The filesystem blob store: large encrypted artifacts (audio, long payloads).

A blob lives at ``<root>/<first two hex of its id's hash>/<artifact id>.blob``.  Writes are
atomic: the sealed bytes go to a temporary file in the same directory, are flushed and fsynced,
then renamed into place, so a reader or a crash never sees half a blob.  The store only ever
holds ciphertext; sealing is done by the caller.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from confide.vault.errors import NotFoundError, StorageError


class BlobStore:
    """Encrypted blobs on the local filesystem."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, blob_id: str) -> Path:
        if not blob_id or "/" in blob_id or blob_id.startswith("."):
            raise NotFoundError(f"invalid blob id {blob_id!r}")
        shard = hashlib.sha256(blob_id.encode()).hexdigest()[:2]
        return self.root / shard / f"{blob_id}.blob"

    def relative(self, blob_id: str) -> str:
        """Where a blob is stored, relative to the home directory's blob root."""
        return str(self.path_for(blob_id).relative_to(self.root))

    def put(self, blob_id: str, sealed: bytes) -> None:
        path = self.path_for(blob_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".blob")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(sealed)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as err:
            raise StorageError(f"cannot write blob {blob_id}: {err.strerror}") from err

    def get(self, blob_id: str) -> bytes:
        try:
            return self.path_for(blob_id).read_bytes()
        except FileNotFoundError as err:
            raise NotFoundError(f"blob {blob_id} is missing from the blob store") from err
        except OSError as err:
            raise StorageError(f"cannot read blob {blob_id}: {err.strerror}") from err

    def exists(self, blob_id: str) -> bool:
        return self.path_for(blob_id).exists()

    def delete(self, blob_id: str) -> bool:
        """Remove a blob; ``True`` if it existed."""
        try:
            self.path_for(blob_id).unlink()
        except FileNotFoundError:
            return False
        return True

    def strays(self, older_than: float) -> list[Path]:
        """Temporary files of writes that never finished (a process killed mid-write), last
        modified more than ``older_than`` seconds ago."""
        if not self.root.exists():
            return []
        cutoff = time.time() - older_than
        return [p for p in self.root.glob("*/.tmp-*.blob") if p.stat().st_mtime < cutoff]

    def remove_file(self, path: Path) -> None:
        """Remove one file of the store by path (a stray temporary file)."""
        if path.parent.parent != self.root:
            raise NotFoundError(f"{path} is not in the blob store")
        path.unlink(missing_ok=True)

    def ids(self) -> Iterator[str]:
        """Every blob id present (stray temporary files are reported as ids too)."""
        if not self.root.exists():
            return
        for path in sorted(self.root.glob("*/*.blob")):
            yield path.name[: -len(".blob")]
