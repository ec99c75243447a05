"""Two-pass speech recognition: the pocketsphinx grammar first, Whisper on what it rejects.

The grammar pass is fast (~20 ms at the end of a streamed utterance) and sure of what it
accepts, but it leaves free text out (a reminder's task, a message's body, an event's title,
a new shopping item) and rejects most commands with numbers it confuses.  The hybrid keeps
every transcript the grammar accepts; an utterance it rejects is decoded again by
:class:`~confide.voice.whisper.WhisperRecognizer` from the same audio.  Whisper's transcript
is accepted when :data:`DEFAULT_HYBRID` says so: a logistic model over Whisper's evidence,
the grammar pass's confidence and whether the two passes *agree* (their texts mean the same
intent and slots to the text recogniser, the strongest sign: on the development set every
agreeing pair was right), fitted on the development set by
``bench/speech_whisper_confidence.py``, never on the benchmark corpus.  Either way the text
goes to the same text recogniser (the templates) as a typed request.

The price is Whisper's: ~1 s of CPU for each utterance the grammar rejects, and ~350 MB of
memory for the model, so ``confide serve`` grows past its 250 MB target.  It is therefore
opt-in: ``CONFIDE_SPEECH_ENGINE=hybrid`` (see :func:`engine_from_env`), with the
``whisper`` extra installed.

A stream (:meth:`HybridRecognizer.stream`) is decoded by the grammar as it arrives and keeps
the audio in memory until it finishes, for the second pass; nothing is written anywhere.
"""

from __future__ import annotations

import os
import threading

from confide.language import Recognizer
from confide.language.models import HouseholdLists
from confide.voice.audio import MAX_DURATION_S
from confide.voice.dictation import passes_agree
from confide.voice.errors import VoiceError
from confide.voice.recognizers import (
    ANSWERS_ENGINE,
    PocketsphinxRecognizer,
    RecognitionError,
    RecognitionStream,
    SpeechRecognizer,
    Transcript,
)
from confide.voice.whisper import FEATURES, WhisperConfidence, WhisperRecognizer

__all__ = [
    "DEFAULT_HYBRID",
    "ENGINES",
    "ENV_VAR",
    "HYBRID_FEATURES",
    "HybridRecognizer",
    "HybridStream",
    "engine_from_env",
]

#: The environment variable that chooses the engine of ``serve``, ``ask --audio`` and the API.
ENV_VAR = "CONFIDE_SPEECH_ENGINE"
ENGINES = ("pocketsphinx", "hybrid", "whisper")
_MAX_BYTES = int(MAX_DURATION_S * 16000 * 2)
#: What the hybrid weighs to accept Whisper's transcript: Whisper's :data:`FEATURES`, the
#: grammar pass's confidence, and 1.0 when both passes mean the same (else 0.0).
HYBRID_FEATURES = (*FEATURES, "first_confidence", "agree")

#: Fitted by ``bench/speech_whisper_confidence.py`` on the development set.
DEFAULT_HYBRID = WhisperConfidence(
    means=(-0.216197, -0.216197, 0.0129495, 0.798788, 6.63789, 0.391273, 0.387368),
    scales=(0.139265, 0.139265, 0.00970721, 0.0758507, 2.56113, 0.352134, 0.487149),
    weights=(0.369588, 0.369588, 0.0439537, 0.0254366, -0.509229, -0.471793, 1.93467),
    bias=3.28779,
    cut=0.9068,
)


class HybridRecognizer:
    """pocketsphinx with the template grammar, then Whisper when the grammar rejects.

    A transcript's ``engine`` says which pass it is from; its ``confidence`` is the grammar's
    (:mod:`confide.voice.confidence`) or, from Whisper, ``model``'s probability over
    :data:`HYBRID_FEATURES` (rejected under ``min_confidence``, default ``model.cut``).
    """

    engine_name = "hybrid"

    def __init__(
        self,
        first: PocketsphinxRecognizer | None = None,
        second: WhisperRecognizer | None = None,
        *,
        text: Recognizer | None = None,
        model: WhisperConfidence = DEFAULT_HYBRID,
        min_confidence: float | None = None,
    ) -> None:
        self.first = first or PocketsphinxRecognizer()
        self.second = second or WhisperRecognizer()
        self.text = text or Recognizer()
        self.model = model
        self.min_confidence = model.cut if min_confidence is None else min_confidence

    @property
    def lists(self) -> HouseholdLists:
        return self.first.lists

    def transcribe(
        self,
        samples_16k_mono_s16le: bytes,
        lists: HouseholdLists | None = None,
        *,
        expect_answer: bool = False,
    ) -> Transcript:
        """The grammar's transcript if it accepts it, else Whisper's (judged by ``model``);
        ``expect_answer``: as :meth:`PocketsphinxRecognizer.transcribe` (an answer the grammar
        hears is final)."""
        heard = self.first.transcribe(samples_16k_mono_s16le, lists, expect_answer=expect_answer)
        return self._second_pass(heard, bytes(samples_16k_mono_s16le), lists)

    def _second_pass(
        self, heard: Transcript, samples: bytes, lists: HouseholdLists | None
    ) -> Transcript:
        if not heard.rejected or heard.engine == ANSWERS_ENGINE:
            return heard
        text, values, seconds = self.second.decode(samples, lists)
        evidence = (*values, heard.confidence, float(self.agree(heard.text, text, lists)))
        confidence = self.model.probability(evidence) if text else 0.0
        rejected = not text or confidence < self.min_confidence
        if rejected and heard.tentative:
            return heard  # Whisper is not sure either: the grammar's transcript is read back
        return Transcript(
            text=text,
            confidence=confidence,
            rejected=rejected,
            seconds=heard.seconds + seconds,
            engine=self.second.engine_name,
            features=evidence,
        )

    def agree(self, first: str, second: str, lists: HouseholdLists | None) -> bool:
        """Whether both texts mean the same intent and slots (neither meaning nothing)."""
        return passes_agree(self.text, first, second, lists or self.first.lists)

    def stream(
        self, lists: HouseholdLists | None = None, *, expect_answer: bool = False
    ) -> HybridStream:
        """Decode an utterance with the grammar as it arrives (waits for the decoders)."""
        return HybridStream(self, self.first.stream(lists, expect_answer=expect_answer), lists)


class HybridStream:
    """One streamed utterance: the grammar pass while it arrives, Whisper after if needed."""

    def __init__(
        self, owner: HybridRecognizer, live: RecognitionStream, lists: HouseholdLists | None
    ) -> None:
        self._owner, self._live, self._lists = owner, live, lists
        self._audio = bytearray()
        self._lock = threading.Lock()

    def feed(self, samples_16k_mono_s16le: bytes) -> None:
        """Take the next chunk of 16 kHz mono s16le PCM."""
        self._live.feed(samples_16k_mono_s16le)
        with self._lock:
            if len(self._audio) + len(samples_16k_mono_s16le) > _MAX_BYTES:
                raise RecognitionError(f"an utterance is at most {MAX_DURATION_S:.0f} s")
            self._audio += samples_16k_mono_s16le

    def finish(self) -> Transcript:
        """What was heard: the grammar's transcript, or Whisper's if the grammar rejected."""
        heard = self._live.finish()  # gives the decoders back before the second pass
        with self._lock:
            samples, self._audio = bytes(self._audio), bytearray()
        return self._owner._second_pass(heard, samples, self._lists)

    def cancel(self) -> None:
        """Stop without a result."""
        self._live.cancel()
        with self._lock:
            self._audio = bytearray()

    @property
    def done(self) -> bool:
        return self._live.done

    def __enter__(self) -> HybridStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.cancel()


def engine_from_env(name: str | None = None) -> SpeechRecognizer:
    """The engine named by ``name`` or ``$CONFIDE_SPEECH_ENGINE`` (default pocketsphinx)."""
    chosen = (name if name is not None else os.environ.get(ENV_VAR, "")).strip().lower()
    if chosen in ("", "pocketsphinx"):
        return PocketsphinxRecognizer()
    if chosen == "hybrid":
        return HybridRecognizer()
    if chosen == "whisper":
        return WhisperRecognizer()
    raise VoiceError(
        f"unknown speech engine {chosen!r} in {ENV_VAR}; choose from {', '.join(ENGINES)}",
        code="bad_speech_engine",
    )
