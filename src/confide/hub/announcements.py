"""Announcements of timers, alarms and reminders that went off, held in memory only.

One bounded queue per member (the text is voice-derived: it is never stored, and a queue
nobody reads cannot grow without limit).  Safe to use from the ticker and request threads.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

from confide.skills.scheduler import Fired

#: Announcements kept per member before the oldest are dropped.
PER_MEMBER = 100


class Announcements:
    def __init__(self, per_member: int = PER_MEMBER) -> None:
        self._per_member = per_member
        self._queues: dict[str, deque[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def add(self, fired: Iterable[Fired]) -> None:
        with self._lock:
            for item in fired:
                queue = self._queues.setdefault(item.member_id, deque(maxlen=self._per_member))
                queue.append(
                    {
                        "record_id": item.record_id,
                        "kind": item.kind,
                        "member_id": item.member_id,
                        "text": item.text,
                        "due_at": item.due_at.isoformat(timespec="seconds"),
                    }
                )

    def take(self, member_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Remove and return the pending announcements of these members, oldest first."""
        taken: list[dict[str, Any]] = []
        with self._lock:
            for member_id in member_ids:
                queue = self._queues.pop(member_id, None)
                if queue:
                    taken.extend(queue)
        return sorted(taken, key=lambda a: str(a["due_at"]))
