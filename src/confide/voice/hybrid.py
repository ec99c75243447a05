"""Two-pass speech recognition: the pocketsphinx grammar first, Whisper on what it rejects.

The grammar pass is fast (~20 ms at the end of a streamed utterance) and sure of what it
accepts, but it leaves free text out (a reminder's task, a message's body, an event's title,
a new shopping item) and rejects most commands with numbers it confuses.  The hybrid keeps
every transcript the grammar accepts; an utterance it rejects is decoded again by
:class:`~confide.voice.whisper.WhisperRecognizer` from the same audio, whose transcript is
then judged by Whisper's own rejection model (fitted on the development set by
``bench/speech_whisper_confidence.py``).  Either way the text goes to the same text
recogniser (the templates) as a typed request.

The price is Whisper's: ~1 s of CPU for each utterance the grammar rejects, and ~350 MB of
memory for the model, so ``confide serve`` grows past its 250 MB target.  It is therefore
opt-in: ``CONFIDE_SPEECH_ENGINE=hybrid`` (see :func:`engine_from_env`), with the
``whisper`` extra installed.

A stream (:meth:`HybridRecognizer.stream`) is decoded by the grammar as it arrives and keeps
the audio in memory until it finishes, for the second pass; nothing is written anywhere.
"""

from __future__ import annotations

import dataclasses
import os
import threading

from confide.language.models import HouseholdLists
from confide.voice.audio import MAX_DURATION_S
from confide.voice.errors import VoiceError
from confide.voice.recognizers import (
    PocketsphinxRecognizer,
    RecognitionError,
    RecognitionStream,
    SpeechRecognizer,
    Transcript,
)
from confide.voice.whisper import WhisperRecognizer

__all__ = ["ENGINES", "ENV_VAR", "HybridRecognizer", "HybridStream", "engine_from_env"]

#: The environment variable that chooses the engine of ``serve``, ``ask --audio`` and the API.
ENV_VAR = "CONFIDE_SPEECH_ENGINE"
ENGINES = ("pocketsphinx", "hybrid", "whisper")
_MAX_BYTES = int(MAX_DURATION_S * 16000 * 2)


class HybridRecognizer:
    """pocketsphinx with the template grammar, then Whisper when the grammar rejects."""

    def __init__(
        self,
        first: PocketsphinxRecognizer | None = None,
        second: WhisperRecognizer | None = None,
    ) -> None:
        self.first = first or PocketsphinxRecognizer()
        self.second = second or WhisperRecognizer()

    @property
    def lists(self) -> HouseholdLists:
        return self.first.lists

    def transcribe(
        self, samples_16k_mono_s16le: bytes, lists: HouseholdLists | None = None
    ) -> Transcript:
        """The grammar's transcript if it accepts it, else Whisper's (judged on its own)."""
        heard = self.first.transcribe(samples_16k_mono_s16le, lists)
        return self._second_pass(heard, bytes(samples_16k_mono_s16le), lists)

    def _second_pass(
        self, heard: Transcript, samples: bytes, lists: HouseholdLists | None
    ) -> Transcript:
        if not heard.rejected:
            return heard
        again = self.second.transcribe(samples, lists)
        return dataclasses.replace(again, seconds=heard.seconds + again.seconds)

    def stream(self, lists: HouseholdLists | None = None) -> HybridStream:
        """Decode an utterance with the grammar as it arrives (waits for the decoders)."""
        return HybridStream(self, self.first.stream(lists), lists)


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
