"""What the lifecycle tests check again and again: a turn that is gone, and its artifact ids."""

from __future__ import annotations

import pytest

from confide.vault import DecryptionError, NotFoundError, lineage, read_artifact


def unreadable(vault, household_id, turn_id, artifact_ids) -> None:
    """The turn has no lineage any more and none of its artifacts can be read."""
    with pytest.raises(NotFoundError):
        lineage(vault, household_id, turn_id)
    for artifact_id in artifact_ids:
        with pytest.raises((NotFoundError, DecryptionError)):
            read_artifact(vault, household_id, artifact_id)


def artifact_ids(out):
    """The ids of the artifacts (rows and blobs) a turn outcome stored."""
    return [s.id for s in out.stored if s.location.startswith(("db:artifacts", "blob:"))]
