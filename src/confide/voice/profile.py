"""The household's voice model: built from the enrolled members' statistics, kept in memory.

What Confide keeps of an enrollment is one sealed artifact of the member's enrollment turn,
``voice_statistics`` (:func:`confide.voice.adapt.voice_statistics`): it is listed in their
history, expires with their transcript retention and is erased like any turn
(``confide forget TURN_ID``, ``--all``, removal of the member), receipt included.

:class:`HouseholdVoiceModel` turns the current set of statistics into one adapted model
directory for pocketsphinx.  The directory is *derived* data: it is made in a private
temporary directory (mode 0700, in ``/dev/shm`` where there is one, so it never reaches a
disk), replaced when the set changes (an enrollment added, forgotten or expired), and removed
when the set is empty, on :meth:`close` and at exit.  It is never written under the home,
so backups and the home's byte scans never hold it.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path

from confide.voice.adapt import build_model, private_parent
from confide.voice.decoders import release_memory

__all__ = ["ENROLLMENT_SOURCE", "VOICE_STATISTICS", "HouseholdVoiceModel"]

log = logging.getLogger(__name__)

#: The ``source`` of an enrollment turn and the kind of the artifact it keeps.
ENROLLMENT_SOURCE = "enrollment"
VOICE_STATISTICS = "voice_statistics"


def _remove(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


class HouseholdVoiceModel:
    """The adapted model of the current enrollments (None while nobody is enrolled)."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._key: tuple[str, ...] = ()
        self._folder: Path | None = None
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _remove, None)

    @property
    def folder(self) -> Path | None:
        """The model directory in use, or None."""
        return self._folder

    @property
    def enrollments(self) -> tuple[str, ...]:
        """The artifact ids the model is built from."""
        return self._key

    def update(
        self, artifact_ids: Sequence[str], load: Callable[[str], bytes]
    ) -> tuple[Path | None, bool]:
        """The model for ``artifact_ids`` (``load`` decrypts one) and whether it changed."""
        key = tuple(sorted(artifact_ids))
        with self._lock:
            if key == self._key:
                return self._folder, False
            old = self._folder
            if not key:
                self._set((), None)
            else:
                statistics = [load(artifact_id) for artifact_id in key]
                digest = hashlib.sha256("|".join(key).encode()).hexdigest()[:12]
                parent = tempfile.mkdtemp(prefix=f"confide-voice-{digest}-", dir=private_parent())
                try:
                    folder = build_model(statistics, Path(parent) / "model", self.cache_dir)
                except BaseException:
                    _remove(Path(parent))
                    raise
                del statistics
                self._set(key, folder)
                release_memory()  # the sums' scratch goes back to the system
            # Decoders of the old model have read it whole; its files can go.
            _remove(old.parent if old is not None else None)
            log.info("voice model: %d enrollment(s)", len(key))
            return self._folder, True

    def _set(self, key: tuple[str, ...], folder: Path | None) -> None:
        self._key, self._folder = key, folder
        self._finalizer.detach()
        self._finalizer = weakref.finalize(
            self, _remove, folder.parent if folder is not None else None
        )

    def close(self) -> None:
        """Remove the model directory."""
        with self._lock:
            old = self._folder
            self._set((), None)
            _remove(old.parent if old is not None else None)
