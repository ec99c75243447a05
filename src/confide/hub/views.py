"""Read models shared by the API and the CLI: a turn with everything derived from it.

Reading a turn's content is an access: it is appended to the audit log (ids only).
"""

from __future__ import annotations

import json
from typing import Any

from confide.vault import Vault, lineage, read_artifact

#: Artifact kinds whose plaintext is JSON.
JSON_KINDS = frozenset({"interpretation", "actions", "read_back"})
#: Artifact kinds whose plaintext is binary media: shown by type and size, not decrypted here.
MEDIA_TYPES = {"audio": "audio/wav"}


def turn_view(vault: Vault, household_id: str, turn_id: str, *, actor: str) -> dict[str, Any]:
    """The turn, each stored item with where it lives, and the decrypted content."""
    found = lineage(vault, household_id, turn_id)
    items: list[dict[str, Any]] = [found.data_key.to_dict(), *(k.to_dict() for k in found.own_keys)]
    for artifact in found.artifacts:
        item = artifact.to_dict()
        if artifact.kind in MEDIA_TYPES:
            item["content"] = None
            item["media_type"] = MEDIA_TYPES[artifact.kind]
            items.append(item)
            continue
        data = read_artifact(vault, household_id, artifact.id)
        item["content"] = json.loads(data) if artifact.kind in JSON_KINDS else data.decode()
        items.append(item)
    with vault.read_records(household_id) as records:
        for stored in found.records:
            item = stored.to_dict()
            item["content"] = dict(records.get(stored.id).payload)
            items.append(item)
    vault.record_access(household_id, actor, "turn.read", [turn_id])
    return {**found.turn.to_dict(), "stored": items}
