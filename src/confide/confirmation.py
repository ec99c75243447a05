"""Read-backs: what was heard but not sure enough to act on is asked about, not done.

A recogniser that rejects a transcript can still mark it *tentative*
(:attr:`confide.voice.Transcript.tentative`: its confidence is under the cut but over the
model's ``read_back``).  If the text means a command, the turn does nothing but ask
("I heard: remind me to call the dentist at three pm. Shall I do that?") and keeps what it
would have done as a ``read_back`` artifact of the turn: sealed under a key of its own,
expiring after :data:`READ_BACK_SECONDS`, removed with the turn when it is forgotten.

The speaker's *next* turn answers it (``confirm.yes`` / ``confirm.no``, templates/confirm.yaml;
an answer heard only tentatively counts too: the question was just read aloud, and "yes" and
"no" sound nothing alike):
a "yes" acts on exactly what was read back, as that turn's intent; a "no" does nothing.  Any
other turn in between leaves the question unanswered (it expires).  A "yes" with nothing
asked does nothing either.  Acting on a misheard word thus costs a "no", never an action.

Over Wyoming, speech-to-text and intent handling are separate requests (the satellite sends
the transcript back as text), so :class:`TentativeTexts` remembers for a short while which
texts were heard tentatively, as keyed digests (never the text): handled within that time,
such a text is read back instead of acted on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
from dataclasses import dataclass

from confide.language import Interpretation
from confide.language.models import ANSWER_INTENTS, CONFIRM_YES
from confide.vault import VaultSession, previous_artifact

__all__ = [
    "NOTHING_TO_CONFIRM",
    "READ_BACK",
    "READ_BACK_SECONDS",
    "WONT_DO",
    "Answer",
    "TentativeTexts",
    "answer",
    "question",
    "read_back_of",
    "sealed_read_back",
]

#: The artifact kind of a pending question.
READ_BACK = "read_back"
#: How long a question waits for its answer.
READ_BACK_SECONDS = 120.0
NOTHING_TO_CONFIRM = "There's nothing waiting for a yes or no."
WONT_DO = "Okay, I won't do that."


def question(heard: str) -> str:
    """The read-back spoken to the speaker (their words, as heard)."""
    return f"I heard: {heard}. Shall I do that? Please say yes or no."


#: Never read back: "forget that" means the turn before it, which a confirmed one would not
#: (the "yes" would forget the question instead); said again surely, it is done.
NOT_READ_BACK = frozenset({"privacy.forget_last"})


def read_back_of(meant: Interpretation) -> Interpretation | None:
    """What a tentative transcript meaning ``meant`` reads back (None: nothing to ask)."""
    if meant.intent is None or meant.intent in ANSWER_INTENTS | NOT_READ_BACK:
        return None
    return meant


def sealed_read_back(meant: Interpretation) -> bytes:
    """The ``read_back`` artifact's content (sealed by the vault like any artifact)."""
    return json.dumps(meant.to_dict(), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Answer:
    """What an answer turn does: act on ``act`` (None: nothing, and say ``reply``)."""

    act: Interpretation | None
    reply: str
    confirms: str | None = None  # the id of the turn whose question it answered


def answer(session: VaultSession, member_id: str, said: Interpretation) -> Answer:
    """The meaning of a ``confirm.yes`` / ``confirm.no`` turn of ``member_id``.

    Runs in the answering turn's transaction, before its turn is started.
    """
    asked = previous_artifact(session, member_id, READ_BACK)
    if asked is None:
        return Answer(None, NOTHING_TO_CONFIRM)
    if said.intent != CONFIRM_YES:
        return Answer(None, WONT_DO, asked.turn_id)
    found = json.loads(asked.data)
    meant = Interpretation(found["intent"], found["slots"])
    return Answer(meant, "", asked.turn_id)


class TentativeTexts:
    """Texts heard tentatively in the last ``seconds``, as keyed digests (for Wyoming)."""

    def __init__(self, seconds: float = 30.0) -> None:
        self.seconds = seconds
        self._key = os.urandom(32)  # per process: the digests mean nothing elsewhere
        self._until: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def _digest(self, member_id: str, text: str) -> bytes:
        message = f"{member_id}\x00{' '.join(text.casefold().split())}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def add(self, member_id: str, text: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._until = {d: t for d, t in self._until.items() if t > now}
            self._until[self._digest(member_id, text)] = now + self.seconds

    def take(self, member_id: str, text: str) -> bool:
        """Whether ``text`` was heard tentatively (once: it is forgotten here)."""
        if not self._until:  # (nearly always: no digest to compute for a typed request)
            return False
        with self._lock:
            until = self._until.pop(self._digest(member_id, text), None)
        return until is not None and until > time.monotonic()
