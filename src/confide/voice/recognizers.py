"""Speech recognition engines: an interface and a pocketsphinx engine driven by the grammar.

An engine takes one utterance of 16 kHz mono signed 16-bit little-endian PCM and returns a
:class:`Transcript`.  A user can plug another engine (e.g. faster-whisper with a model
directory they have) by implementing :class:`SpeechRecognizer`.

:class:`PocketsphinxRecognizer` decodes with a finite-state grammar compiled from the
templates and household lists (:mod:`confide.voice.grammar`); a new contact rebuilds the
grammar at the next call.  A grammar always answers with *some* in-grammar sentence, so the
transcript carries a rejection signal: ``confidence`` is the acoustic log-likelihood ratio
per frame between the grammar's best path and a free phone loop over the same audio (the
phone loop is the best any sentence could do).  Speech that is not a command scores far
below a command; :attr:`Transcript.rejected` is set under ``min_confidence``.

Nothing here logs or keeps the audio or the text.
"""

from __future__ import annotations

import math
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from confide.language.loader import Templates
from confide.language.models import HouseholdLists
from confide.voice.errors import VoiceError
from confide.voice.grammar import Grammar, WildcardStrategy, grammar_for
from confide.voice.jsgf import jsgf_to_fsg

SAMPLE_RATE = 16000
_FRAME_RATE = 100  # pocketsphinx frames per second


class RecognitionError(VoiceError):
    """Samples an engine cannot take (not 16-bit PCM)."""

    code = "audio_corrupt"


@dataclass(frozen=True)
class Transcript:
    """What an engine heard.

    ``text`` is lower-case words ("" when nothing was recognised).  ``confidence`` is
    engine-specific: higher is surer.  ``rejected`` means "do not act on this".
    """

    text: str
    confidence: float
    rejected: bool
    seconds: float = 0.0  # decoding time
    engine: str = ""


class SpeechRecognizer(Protocol):
    """A speech-to-text engine for one utterance."""

    def transcribe(
        self, samples_16k_mono_s16le: bytes, lists: HouseholdLists | None = None
    ) -> Transcript:
        """Recognise one utterance of 16 kHz mono s16le PCM.

        ``lists`` are the household's current names and items (an engine with a grammar
        recognises them at once; an open-vocabulary engine may ignore them).
        """
        ...


def _check_samples(samples: bytes) -> None:
    if not isinstance(samples, (bytes, bytearray, memoryview)):
        raise RecognitionError("audio must be bytes of 16-bit PCM")
    if len(samples) % 2:
        raise RecognitionError("audio has an odd number of bytes (not 16-bit PCM)")


class PocketsphinxRecognizer:
    """pocketsphinx with the grammar of the templates and the household lists.

    ``min_confidence`` is the rejection threshold on :attr:`Transcript.confidence`
    (log-likelihood ratio per frame, ≤ 0); ``None`` disables the phone-loop pass.
    """

    def __init__(
        self,
        lists: HouseholdLists | None = None,
        templates: Templates | None = None,
        *,
        wildcards: WildcardStrategy = "exclude",
        min_confidence: float | None = -3.5,
        decoder_options: dict[str, object] | None = None,
    ) -> None:
        self._lists = lists or HouseholdLists()
        self._templates = templates
        self._wildcards: WildcardStrategy = wildcards
        self.min_confidence = min_confidence
        self._options = {"logfn": "/dev/null", **(decoder_options or {})}
        self._lock = threading.Lock()
        self._decoder: object | None = None
        self._digest = ""
        self._phones: object | None = None

    @property
    def lists(self) -> HouseholdLists:
        """The household lists the grammar is built from."""
        return self._lists

    @lists.setter
    def lists(self, lists: HouseholdLists) -> None:
        self._lists = lists  # the grammar is rebuilt at the next transcribe()

    def grammar(self, lists: HouseholdLists | None = None) -> Grammar:
        """The grammar for ``lists`` (default: :attr:`lists`), cached by content."""
        return grammar_for(lists or self._lists, self._templates, wildcards=self._wildcards)

    def _grammar_decoder(self, lists: HouseholdLists | None) -> object:
        import pocketsphinx  # type: ignore[import-untyped]

        grammar = self.grammar(lists)
        if self._decoder is None or grammar.digest != self._digest:
            # pocketsphinx reads grammars from files only; the file holds templates and
            # household names (never audio or transcripts) and is removed at once.
            with tempfile.TemporaryDirectory(prefix="confide-fsg-") as tmp:
                path = Path(tmp) / "command.fsg"
                path.write_text(jsgf_to_fsg(grammar.jsgf), encoding="utf-8")
                self._decoder = pocketsphinx.Decoder(fsg=str(path), **self._options)
            self._digest = grammar.digest
        return self._decoder

    def _phone_decoder(self) -> object:
        import pocketsphinx

        if self._phones is None:
            model = Path(pocketsphinx.get_model_path()) / "en-us"
            self._phones = pocketsphinx.Decoder(
                allphone=str(model / "en-us-phone.lm.bin"), **self._options
            )
        return self._phones

    @staticmethod
    def _decode(decoder: object, samples: bytes) -> tuple[str, float, int]:
        """(text, acoustic log-likelihood, frames) of one utterance."""
        dec: Any = decoder  # pocketsphinx has no type hints
        dec.start_utt()
        dec.process_raw(samples, full_utt=True)
        dec.end_utt()
        hyp = dec.hyp()
        frames = int(dec.n_frames())
        if hyp is None:
            return "", 0.0, frames
        # the Python API gives each segment's acoustic score as a probability (exp of the log)
        ascore = sum(math.log(max(float(seg.ascore), 1e-300)) for seg in dec.seg())
        return str(hyp.hypstr), ascore, frames

    def transcribe(
        self, samples_16k_mono_s16le: bytes, lists: HouseholdLists | None = None
    ) -> Transcript:
        """Decode one utterance with the grammar; reject it when the confidence is low."""
        _check_samples(samples_16k_mono_s16le)
        samples = bytes(samples_16k_mono_s16le)
        started = time.perf_counter()
        with self._lock:
            text, ascore, frames = self._decode(self._grammar_decoder(lists), samples)
            confidence = 0.0
            if text and self.min_confidence is not None and frames:
                _, phone_score, _ = self._decode(self._phone_decoder(), samples)
                confidence = (ascore - phone_score) / frames  # natural log per frame
        threshold = self.min_confidence
        rejected = not text or (threshold is not None and confidence < threshold)
        return Transcript(
            text=text,
            confidence=confidence,
            rejected=rejected,
            seconds=time.perf_counter() - started,
            engine="pocketsphinx",
        )
