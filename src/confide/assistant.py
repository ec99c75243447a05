"""Runs one turn through the parts; the only place that knows their order.

A text turn goes: understand (language) -> act (skills) -> store (vault); act and store run
inside one vault transaction so a turn is stored whole or not at all.  A voice turn first
transcribes (voice), outside the transaction, then runs the text path on what was heard; its
recording is stored only if the speaker's ``audio_retention`` setting keeps it.  Each stage is
timed; the timings and the ids travel with the outcome, never the content into a log.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from confide import lifecycle
from confide.clock import local_naive
from confide.confirmation import (
    READ_BACK,
    READ_BACK_SECONDS,
    Answer,
    TentativeTexts,
    answer,
    question,
    read_back_of,
    sealed_read_back,
)
from confide.errors import ConfideError
from confide.language import HouseholdLists, Interpretation, Recognizer
from confide.language.models import ANSWER_INTENTS
from confide.language.models import NOT_UNDERSTOOD as NOTHING
from confide.skills import (
    Forgetter,
    Member,
    SkillContext,
    SkillError,
    SkillResult,
    StoredRecord,
    handle,
)
from confide.skills.messages import inbox
from confide.skills.scheduler import Fired, fire_due
from confide.turn_forgetter import TurnForgetter
from confide.turn_outcome import Stage, TurnOutcome
from confide.vault import (
    AUDIO_OFF,
    MemberInfo,
    StoredItem,
    TurnHandle,
    Vault,
    VaultSession,
    audio_expiry,
    awaits,
)
from confide.vault.lineage import artifacts_of, read_artifact
from confide.voice import Audio
from confide.voice.adapt import AdaptationError
from confide.voice.hybrid import HybridRecognizer
from confide.voice.profile import ENROLLMENT_SOURCE, VOICE_STATISTICS, HouseholdVoiceModel
from confide.voice.recognizers import (
    LiveRecognition,
    PocketsphinxRecognizer,
    SpeechRecognizer,
    Transcript,
)

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 1000
RECHECK_SECONDS = 1.0
NOT_UNDERSTOOD = "Sorry, I didn't catch that."


class AssistantError(ConfideError):
    """Root error of the turn runner (bad requests: empty text, unknown member...)."""

    code = "assistant_error"


def clean_text(text: str) -> str:
    """Validate and normalise a typed request; refuse what cannot be a request."""
    # Invisible format characters (zero-width spaces, bidi marks) are dropped: "\u200beggs"
    # must not become an item that looks like "eggs" but is not.
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
    cleaned = " ".join(unicodedata.normalize("NFC", visible).split())
    if not cleaned:
        raise AssistantError("the request is empty: say or type what you want", code="empty_text")
    if len(cleaned) > MAX_TEXT_CHARS:
        raise AssistantError(
            f"the request is longer than {MAX_TEXT_CHARS} characters", code="text_too_long"
        )
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co") for c in cleaned):
        raise AssistantError("the request contains control characters", code="bad_text")
    return cleaned


def heard_text(heard: Transcript) -> Transcript:
    """An engine's transcript made safe to store and understand; nothing heard is a rejection."""
    visible = "".join(c for c in heard.text if unicodedata.category(c)[0] != "C")
    text = " ".join(unicodedata.normalize("NFC", visible).split())[:MAX_TEXT_CHARS]
    return dataclasses.replace(heard, text=text, rejected=heard.rejected or not text)


@dataclass(frozen=True)
class _Voice:
    """What a voice turn adds to the text path: the recording and what was heard."""

    audio: Audio
    heard: Transcript


class Assistant:
    """One household's assistant over a vault."""

    def __init__(
        self,
        vault: Vault,
        household_id: str,
        recognizer: Recognizer | None = None,
        speech: SpeechRecognizer | None = None,
    ) -> None:
        self.vault = vault
        self.household_id = household_id
        self.recognizer = recognizer or Recognizer()
        self._speech = speech
        self._members: list[MemberInfo] = []
        self._contacts: list[str] = []
        self._household_checked = float("-inf")
        self._shopping: tuple[str, ...] = ()
        self._shopping_version: tuple[Any, ...] | None = None
        self._shopping_checked = float("-inf")
        self._shopping_dirty = False
        self._voice_model: HouseholdVoiceModel | None = None
        self._voice_checked = float("-inf")
        self._voice_failed: tuple[str, ...] | None = None
        # Held while the voice model is checked or built: a recognition that starts meanwhile
        # waits for the model instead of building decoders of the model being replaced.
        self._voice_lock = threading.Lock()
        #: Texts a speech-to-text request heard tentatively (Wyoming sends them back to be
        #: handled as text): read back, not acted on, when they come.
        self.tentative_texts = TentativeTexts()
        self.refresh_household()

    def refresh_household(self) -> None:
        """Re-read members and contacts (after they change)."""
        self._members = self.vault.members(self.household_id)
        self._contacts = self.vault.contacts(self.household_id)
        self._household_checked = time.monotonic()

    def _find_member(self, name: str | None) -> MemberInfo | None:
        wanted = None if name is None else " ".join(name.split()).casefold()
        for member in self._members:
            if (member.role == "owner") if wanted is None else member.name.casefold() == wanted:
                return member
        return None

    def member(self, name: str | None) -> MemberInfo:
        """A household member by name (any case); ``None`` means the owner."""
        found = self._find_member(name)
        if found is None:  # perhaps added since the last refresh
            self.refresh_household()
            found = self._find_member(name)
        if found is None:
            raise AssistantError(f"no household member called {name!r}", code="unknown_member")
        return found

    def _shopping_items(self) -> tuple[str, ...]:
        """Items on the shopping list (a slot list); decrypted again only when it changed.

        This process's own shopping turns refresh it at once; changes made by another process
        (the CLI beside ``serve``) are seen within ``RECHECK_SECONDS``.  A stale list only
        affects how an item name is matched (the templates also accept any item), never safety.
        """
        now = time.monotonic()
        if now - self._shopping_checked < RECHECK_SECONDS and not self._shopping_dirty:
            return self._shopping
        self._shopping_checked, self._shopping_dirty = now, False
        with self.vault.read_records(self.household_id) as records:
            version = records.session.record_version("shopping_item")
            if version != self._shopping_version:
                self._shopping = tuple(
                    str(r.payload.get("item", "")) for r in records.list("shopping_item")
                )
                self._shopping_version = version
        return self._shopping

    def _refresh_if_stale(self) -> None:
        """Members and contacts added by another process are seen within a second."""
        if time.monotonic() - self._household_checked >= RECHECK_SECONDS:
            self.refresh_household()

    @property
    def speech(self) -> SpeechRecognizer:
        """The speech recogniser: given, else ``$CONFIDE_SPEECH_ENGINE`` (default pocketsphinx)."""
        if self._speech is None:
            from confide.voice.hybrid import engine_from_env

            self._speech = engine_from_env()
        return self._speech

    def household_lists(self) -> HouseholdLists:
        """The names and items the recognisers must know now (members, contacts, shopping)."""
        self._refresh_if_stale()
        return HouseholdLists(
            members=tuple(m.name for m in self._members),
            contacts=tuple(self._contacts),
            shopping_items=self._shopping_items(),
        )

    def _adaptable(self) -> PocketsphinxRecognizer | None:
        """The pocketsphinx engine (alone, or the hybrid's grammar pass), if there is one."""
        speech = self.speech
        if isinstance(speech, PocketsphinxRecognizer):
            return speech
        first = getattr(speech, "first", None)
        return first if isinstance(first, PocketsphinxRecognizer) else None

    def refresh_voice_model(self, *, force: bool = False) -> None:
        """Recognise with the model of the current enrollments (rebuilt when they change).

        Enrollments made, forgotten or expired in another process are seen within
        ``RECHECK_SECONDS``.  Without the adaptation tools, recognition goes on with the
        bundled model (logged by code, once per set of enrollments).
        """
        if not force and time.monotonic() - self._voice_checked < RECHECK_SECONDS:
            if self._voice_lock.locked():
                with self._voice_lock:  # a build under way: wait for its model
                    pass
            return
        with self._voice_lock:
            if not force and time.monotonic() - self._voice_checked < RECHECK_SECONDS:
                return  # another thread just checked
            self._refresh_voice_model()
            self._voice_checked = time.monotonic()

    def _refresh_voice_model(self) -> None:
        target = self._adaptable()
        if target is None:
            return
        found = artifacts_of(self.vault, self.household_id, ENROLLMENT_SOURCE, VOICE_STATISTICS)
        ids = tuple(sorted(artifact_id for artifact_id, _ in found))
        if self._voice_model is None:
            if not ids:
                return
            self._voice_model = HouseholdVoiceModel(self.vault.home / "models")
        if ids == self._voice_failed:
            return
        try:
            folder, changed = self._voice_model.update(
                ids, lambda artifact_id: read_artifact(self.vault, self.household_id, artifact_id)
            )
        except AdaptationError as err:
            self._voice_failed = ids
            self._voice_model.close()
            target.acoustic_model = None
            log.warning("voice model of %d enrollment(s) not built: %s", len(ids), err.code)
            return
        self._voice_failed = None
        if changed:
            target.acoustic_model = folder

    @property
    def voice_model(self) -> HouseholdVoiceModel | None:
        """The household's adapted voice model (None until someone enrolls)."""
        return self._voice_model

    def speech_lists(self) -> HouseholdLists:
        """:meth:`household_lists` for a recognition that starts now (voice model current)."""
        self.refresh_voice_model()
        return self.household_lists()

    def awaits_answer(self, member: str | None = None) -> bool:
        """Whether a read-back asked of ``member`` waits for its yes or no (a hint for the
        recogniser: the answer itself is checked in the answering turn's transaction)."""
        speaker = self.member(member)
        return awaits(self.vault, self.household_id, speaker.id, READ_BACK)

    def speech_stream(self, member: str | None = None) -> LiveRecognition | None:
        """An utterance of ``member`` to recognise while it arrives, or None if the engine
        cannot stream."""
        speech = self.speech
        if isinstance(speech, PocketsphinxRecognizer | HybridRecognizer):
            return speech.stream(self.speech_lists(), expect_answer=self.awaits_answer(member))
        start = getattr(speech, "stream", None)
        return None if start is None else cast("LiveRecognition", start(self.speech_lists()))

    def transcribe(self, audio: Audio, member: str | None = None) -> Transcript:
        """What the speech recogniser hears in ``audio`` (16 kHz mono) said by ``member``
        (an answer, if a read-back waits for one); nothing is stored."""
        speech = self.speech
        if isinstance(speech, PocketsphinxRecognizer | HybridRecognizer):
            expect = self.awaits_answer(member)
            return speech.transcribe(audio.samples, self.speech_lists(), expect_answer=expect)
        return speech.transcribe(audio.samples, self.speech_lists())

    def _skill_members(self) -> Sequence[Member]:
        return [Member(m.id, m.name, m.role) for m in self._members]

    def ask(
        self, text: str, *, member: str | None = None, device_id: str | None = None
    ) -> TurnOutcome:
        """Run one text turn as ``member`` (default: the owner) and store it."""
        transcript = clean_text(text)
        self._refresh_if_stale()
        speaker = self.member(member)
        tentative = self.tentative_texts.take(speaker.id, transcript)
        return self._run(transcript, speaker, device_id, {}, tentative=tentative)

    def ask_audio(
        self, audio: Audio, *, member: str | None = None, device_id: str | None = None
    ) -> TurnOutcome:
        """Run one voice turn (16 kHz mono ``audio``) as ``member`` and store it.

        What was heard goes through the text path.  A rejected transcript is acted on by
        nobody (intent ``None``) but the turn is stored, with the heard text, so the person
        sees it in their history.  The recording is kept only per the speaker's setting.
        """
        self._refresh_if_stale()
        speaker = self.member(member)
        started = time.perf_counter()
        heard = heard_text(self.transcribe(audio, speaker.name))  # CPU-bound: outside the lock
        timings = {Stage.TRANSCRIBE.value: (time.perf_counter() - started) * 1000}
        return self._run(heard.text, speaker, device_id, timings, _Voice(audio, heard))

    def ask_heard(
        self,
        audio: Audio,
        heard: Transcript,
        *,
        member: str | None = None,
        device_id: str | None = None,
        transcribe_ms: float,
    ) -> TurnOutcome:
        """Run one voice turn whose ``audio`` was already recognised as ``heard``.

        For an utterance decoded while it arrived (:meth:`speech_stream`): the turn goes on
        exactly as in :meth:`ask_audio`.  ``transcribe_ms`` is the caller's transcribe time;
        for a live stream, the time spent after its last chunk (what the end of speech waits).
        """
        self._refresh_if_stale()
        speaker = self.member(member)
        timings = {Stage.TRANSCRIBE.value: float(transcribe_ms)}
        safe = heard_text(heard)
        return self._run(safe.text, speaker, device_id, timings, _Voice(audio, safe))

    def _run(
        self,
        transcript: str,
        speaker: MemberInfo,
        device_id: str | None,
        timings: dict[str, float],
        voice: _Voice | None = None,
        *,
        tentative: bool = False,
    ) -> TurnOutcome:
        """``tentative``: a text heard tentatively by a separate speech-to-text request."""
        started = time.perf_counter()
        # Understand before taking the write lock: nothing is stored yet.
        now = local_naive(self.vault.clock.now())
        if voice is not None:
            tentative = voice.heard.tentative  # (only ever set on a rejected transcript)
        sure = voice is None or not voice.heard.rejected
        read_back: Interpretation | None = None
        interpretation = NOTHING
        if sure or tentative:  # a rejected transcript that is not tentative means nothing
            interpretation = self.recognizer.recognize(transcript, self.household_lists(), now)
        # Not sure enough to act on: ask instead, if it means a command.  An unsure "yes" or
        # "no" still answers a question that is waiting (and nothing else: see answer()).
        if tentative and interpretation.intent not in ANSWER_INTENTS:
            read_back, interpretation = read_back_of(interpretation), NOTHING
        mark = time.perf_counter()
        timings[Stage.UNDERSTAND] = (mark - started) * 1000
        source = "text" if voice is None else "voice"
        deletions: list[str] = []
        with self.vault.session(self.household_id) as session:
            answered: Answer | None = None
            if interpretation.intent in ANSWER_INTENTS:  # before this turn becomes the latest
                answered = answer(session, speaker.id, interpretation)
                interpretation = answered.act or NOTHING
            turn = session.start_turn(speaker.id, source, device_id)
            records = session.records(turn)
            forgetter = TurnForgetter(self.vault, session, turn, deletions)
            if read_back is not None:
                result = SkillResult(question(transcript))
            elif answered is not None and answered.act is None:
                result = SkillResult(answered.reply)
            else:
                result = self._act(interpretation, speaker, now, records, forgetter)
            timings[Stage.ACT] = (time.perf_counter() - mark) * 1000
            mark = time.perf_counter()
            confirms = None if answered is None else answered.confirms
            stored = self._store(session, turn, transcript, interpretation, result, confirms)
            if read_back is not None:
                stored += (
                    session.put_artifact(
                        turn,
                        READ_BACK,
                        sealed_read_back(read_back),
                        expires_at=session.now() + READ_BACK_SECONDS,
                        own_key=True,  # shredded when it expires, before the turn
                    ),
                )
            if voice is not None:
                stored = self._store_audio(session, turn, speaker, voice.audio) + stored
            stored += tuple(records.touched)
            if any(a.kind == "shopping_item" and a.op != "read" for a in result.actions):
                self._shopping_dirty = True
        timings[Stage.STORE] = (time.perf_counter() - mark) * 1000  # includes the commit
        for receipt_id in deletions:  # acknowledged with the turn: blobs, WAL, the receipt
            lifecycle.execute(self.vault, receipt_id)
        for entry in forgetter.audit_entries:
            self.vault.anchor_audit(self.household_id, entry)
        log.info("%s turn %s stored (%d items)", source, turn.id, len(stored))
        return TurnOutcome(
            turn_id=turn.id,
            member=speaker.name,
            transcript=transcript,
            intent=interpretation.intent,
            slots=dict(interpretation.slots),
            reply=result.reply,
            actions=result.actions,
            stored=(*stored,),
            timings_ms={str(k): round(v, 3) for k, v in timings.items()},
            speech=None if voice is None else voice.heard,
            read_back=read_back,
            confirms=confirms,
        )

    @staticmethod
    def _store_audio(
        session: VaultSession, turn: TurnHandle, speaker: MemberInfo, audio: Audio
    ) -> tuple[StoredItem, ...]:
        """The recording, if the speaker keeps audio (setting read inside this transaction)."""
        retention = session.audio_retention(speaker.id)
        if retention == AUDIO_OFF or speaker.role == "child":
            return ()
        expires_at = audio_expiry(retention, session.now())
        # under a key of its own: expiring before the transcript, it is still crypto-shredded
        return (
            session.put_artifact(
                turn, "audio", audio.to_wav(), expires_at=expires_at, own_key=True
            ),
        )

    def _act(
        self,
        interpretation: Interpretation,
        speaker: MemberInfo,
        now: Any,
        records: Any,
        forget: Forgetter | None = None,
    ) -> SkillResult:
        if interpretation.intent is None:
            return SkillResult(NOT_UNDERSTOOD)
        ctx = SkillContext(
            now=now,
            speaker=Member(speaker.id, speaker.name, speaker.role),
            members=self._skill_members(),
            contacts=self._contacts,
            records=records,
            forget=forget,
        )
        try:
            return handle(interpretation.intent, interpretation.slots, ctx)
        except SkillError as err:
            # Skill errors are written to be spoken and never quote the request.
            log.info("skill refused intent %s: %s", interpretation.intent, err.code)
            return SkillResult(err.message)

    @staticmethod
    def _store(
        session: VaultSession,
        turn: Any,
        transcript: str,
        interpretation: Interpretation,
        result: SkillResult,
        confirms: str | None = None,
    ) -> tuple[StoredItem, ...]:
        meaning = interpretation.to_dict()
        if confirms is not None:
            meaning["confirms"] = confirms
        items = [
            session.put_artifact(turn, "transcript", transcript.encode()),
            session.put_json(turn, "interpretation", meaning),
        ]
        if result.actions:
            actions = [a.to_dict() for a in result.actions]
            items.append(session.put_json(turn, "actions", actions))
        items.append(session.put_artifact(turn, "reply", result.reply.encode()))
        return tuple(items)

    def inbox(self, member: str | None) -> list[StoredRecord]:
        """Messages addressed to a member (default: the owner), oldest first."""
        recipient = self.member(member)
        with self.vault.read_records(self.household_id) as records:
            return inbox(records, recipient.id)

    def fire_due(self) -> list[Fired]:
        """Fire every timer, alarm and reminder that is due now (called every second by serve)."""
        with self.vault.session(self.household_id) as session:
            fired = fire_due(session.records(None), local_naive(self.vault.clock.now()))
        for item in fired:
            log.info("%s %s fired", item.kind, item.record_id)
        return fired
