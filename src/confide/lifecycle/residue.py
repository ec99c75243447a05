"""Residue of writes that never finished: blob files a killed process left behind.

A turn's blobs are written before its transaction commits (so a committed row always finds
its blob); a process killed in between leaves a sealed blob that no row points to, or a
half-written temporary file.  Both hold only ciphertext under a key that was never committed,
but "no stored residue" means they go too: :func:`remove_residue` (run when ``serve`` starts
and by ``confide sweep``) removes them once they are older than any write still in flight
could be.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from confide.vault import Vault
from confide.vault.schema import artifacts

#: A blob younger than this may belong to a turn still being written by another process.
GRACE_SECONDS = 600.0


def remove_residue(vault: Vault, *, older_than: float = GRACE_SECONDS) -> int:
    """Remove unreferenced blobs and stray temporary files older than ``older_than`` seconds;
    returns how many files were removed."""
    removed = 0
    for path in vault.blobs.strays(older_than):
        vault.blobs.remove_file(path)
        removed += 1
    cutoff = time.time() - older_than
    candidates = [b for b in vault.blobs.ids() if not b.startswith(".")]
    if not candidates:
        return removed
    with vault.reading() as conn:
        known: set[str] = set()
        for start in range(0, len(candidates), 500):
            chunk = candidates[start : start + 500]
            known.update(
                conn.execute(sa.select(artifacts.c.id).where(artifacts.c.id.in_(chunk))).scalars()
            )
    for blob_id in candidates:
        if blob_id in known:
            continue
        try:
            old = vault.blobs.path_for(blob_id).stat().st_mtime < cutoff
        except FileNotFoundError:
            continue
        if old and vault.blobs.delete(blob_id):
            removed += 1
    return removed
