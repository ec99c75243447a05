"""Speech recognition engines: an interface and a pocketsphinx engine driven by the grammar.

An engine takes one utterance of 16 kHz mono signed 16-bit little-endian PCM and returns a
:class:`Transcript`.  A user can plug another engine (e.g. faster-whisper with a model
directory they have) by implementing :class:`SpeechRecognizer`.

:class:`PocketsphinxRecognizer` decodes with a finite-state grammar compiled from the
templates and household lists (:mod:`confide.voice.grammar`); a new contact rebuilds the
grammar at the next call.  A grammar always answers with *some* in-grammar sentence, so the
transcript carries a rejection signal: ``confidence`` is the probability that it is right,
from a small model over the acoustic log-likelihood ratios between the grammar's best path
and a free phone loop over the same audio (:mod:`confide.voice.confidence`).
:attr:`Transcript.rejected` is set under ``min_confidence`` (default: the model's cut;
``None`` skips the phone loop and accepts whatever the grammar heard).

Nothing here logs or keeps the audio or the text.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from confide.language.loader import Templates
from confide.language.models import HouseholdLists
from confide.voice.confidence import DEFAULT_MODEL, ConfidenceModel, features
from confide.voice.errors import VoiceError
from confide.voice.grammar import Grammar, WildcardStrategy, grammar_for, write_dictionary
from confide.voice.jsgf import fsg_transitions, jsgf_to_fsg

SAMPLE_RATE = 16000
_MAX_IDLE = 1  # idle decoder pairs kept (a concurrent utterance makes one, freed after)


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
    #: The evidence ``confidence`` was computed from (:data:`confide.voice.confidence.FEATURES`).
    features: tuple[float, ...] | None = None


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


class LiveRecognition(Protocol):
    """An utterance being recognised while it arrives (see :class:`StreamingRecognizer`)."""

    def feed(self, samples_16k_mono_s16le: bytes) -> None:
        """Take the next chunk of 16 kHz mono s16le PCM."""
        ...

    def finish(self) -> Transcript:
        """What was heard in everything fed."""
        ...

    def cancel(self) -> None:
        """Stop without a result."""
        ...


class StreamingRecognizer(SpeechRecognizer, Protocol):
    """An engine that can also decode an utterance while it arrives."""

    def stream(self, lists: HouseholdLists | None = None) -> LiveRecognition:
        """Start an utterance; most of the decoding happens in :meth:`LiveRecognition.feed`."""
        ...


def _check_samples(samples: bytes) -> None:
    if not isinstance(samples, (bytes, bytearray, memoryview)):
        raise RecognitionError("audio must be bytes of 16-bit PCM")
    if len(samples) % 2:
        raise RecognitionError("audio has an odd number of bytes (not 16-bit PCM)")


class _Decoders:
    """A grammar decoder and a phone-loop decoder for one grammar (one utterance at a time)."""

    def __init__(self, grammar: object, phones: object | None, digest: str) -> None:
        self.grammar: Any = grammar
        self.phones: Any = phones
        self.digest = digest

    def start(self, cmn: str | None) -> None:
        """Begin an utterance from the cepstral mean ``cmn`` (the last one heard), if any."""
        for decoder in (self.grammar, self.phones):
            if decoder is not None:
                if cmn is not None:
                    decoder.set_cmn(cmn)
                decoder.start_utt()

    def cmn(self) -> str:
        """The cepstral mean after the last utterance (it describes the microphone)."""
        return str(self.grammar.get_cmn())

    def feed(self, samples: bytes, whole: bool) -> None:
        self.grammar.process_raw(samples, full_utt=whole)
        if self.phones is not None:
            self.phones.process_raw(samples, full_utt=whole)

    def finish(self) -> tuple[str, tuple[float, ...] | None]:
        """The text of the utterance just fed and its confidence features (None: no phone loop)."""
        self.grammar.end_utt()
        hyp = self.grammar.hyp()
        if self.phones is not None:
            self.phones.end_utt()
        if hyp is None:
            return "", None
        text = str(hyp.hypstr)
        if self.phones is None:
            return text, None
        words = [
            (str(s.word), s.start_frame, s.end_frame, _log(s.ascore)) for s in self.grammar.seg()
        ]
        phones = [(s.start_frame, s.end_frame, _log(s.ascore)) for s in self.phones.seg()]
        return text, features(words, phones, int(self.grammar.n_frames()))


def _log(probability: object) -> float:
    """The Python API gives a segment's acoustic score as a probability (exp of the log)."""
    return math.log(max(float(probability), 1e-300))  # type: ignore[arg-type]


class RecognitionStream:
    """One utterance decoded while it arrives: :meth:`feed` chunks, then :meth:`finish`.

    Most of the work is done as the audio comes in, so little is left when it ends.  A
    stream holds a decoder pair until it is finished or cancelled (use it as a context
    manager to be sure); audio is not kept.
    """

    def __init__(self, owner: PocketsphinxRecognizer, decoders: _Decoders) -> None:
        self._owner = owner
        self._decoders: _Decoders | None = decoders
        self._odd = b""
        self._started = time.perf_counter()
        self._busy = 0.0
        # Until an utterance has told the recogniser the microphone's cepstral mean, decoding
        # chunk by chunk starts from the model's default and does much worse: the first
        # utterance is collected and decoded whole at finish().
        self._held: bytearray | None = bytearray() if owner._cmn is None else None
        decoders.start(owner._cmn)

    def feed(self, samples_16k_mono_s16le: bytes) -> None:
        """Decode the next chunk of 16 kHz mono s16le PCM (any length)."""
        if self._decoders is None:
            raise RecognitionError("the stream is finished")
        if not isinstance(samples_16k_mono_s16le, (bytes, bytearray, memoryview)):
            raise RecognitionError("audio must be bytes of 16-bit PCM")
        data = self._odd + bytes(samples_16k_mono_s16le)
        cut = len(data) - len(data) % 2
        self._odd = data[cut:]
        if cut and self._held is not None:
            self._held += data[:cut]
        elif cut:
            mark = time.perf_counter()
            self._decoders.feed(data[:cut], whole=False)
            self._busy += time.perf_counter() - mark

    def finish(self) -> Transcript:
        """What was heard in everything fed (the decoders go back to the recogniser)."""
        if self._decoders is None:
            raise RecognitionError("the stream is finished")
        if self._odd:
            raise RecognitionError("audio has an odd number of bytes (not 16-bit PCM)")
        decoders, self._decoders = self._decoders, None
        mark = time.perf_counter()
        try:
            if self._held is not None:
                decoders.feed(bytes(self._held), whole=True)
                self._held = None
            result = decoders.finish()
        except BaseException:
            self._owner._give(decoders, heard=False)
            raise
        self._owner._give(decoders, heard=bool(result[0]))
        self._busy += time.perf_counter() - mark
        return self._owner._judge(*result, seconds=self._busy)

    def cancel(self) -> None:
        """Stop without a result."""
        if self._decoders is not None:
            decoders, self._decoders = self._decoders, None
            try:
                decoders.finish()
            finally:
                self._owner._give(decoders, heard=False)

    def __enter__(self) -> RecognitionStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.cancel()


class PocketsphinxRecognizer:
    """pocketsphinx with the grammar of the templates and the household lists.

    ``min_confidence`` is the rejection threshold on :attr:`Transcript.confidence` (a
    probability from ``confidence_model``); ``None`` disables the phone-loop pass.
    Utterances can be decoded whole (:meth:`transcribe`) or as they arrive
    (:meth:`stream`); concurrent utterances each get a decoder pair of their own.
    """

    def __init__(
        self,
        lists: HouseholdLists | None = None,
        templates: Templates | None = None,
        *,
        wildcards: WildcardStrategy = "exclude",
        min_confidence: float | None = DEFAULT_MODEL.cut,
        decoder_options: dict[str, object] | None = None,
        confidence_model: ConfidenceModel = DEFAULT_MODEL,
    ) -> None:
        self._lists = lists or HouseholdLists()
        self._templates = templates
        self._wildcards: WildcardStrategy = wildcards
        self.min_confidence = min_confidence
        self.confidence_model = confidence_model
        self._options = {"logfn": "/dev/null", **(decoder_options or {})}
        self._lock = threading.Lock()  # guards the pool and the grammar switch
        self._build_lock = threading.Lock()  # one grammar build at a time
        self._idle: list[_Decoders] = []
        self._digest = ""
        # Live cepstral mean normalisation adapts to the microphone over an utterance; every
        # utterance starts from where the last one ended, whichever decoder pair it used.
        self._cmn: str | None = None

    @property
    def lists(self) -> HouseholdLists:
        """The household lists the grammar is built from."""
        return self._lists

    @lists.setter
    def lists(self, lists: HouseholdLists) -> None:
        self._lists = lists  # the grammar is rebuilt at the next utterance

    def grammar(self, lists: HouseholdLists | None = None) -> Grammar:
        """The grammar for ``lists`` (default: :attr:`lists`), cached by content."""
        return grammar_for(lists or self._lists, self._templates, wildcards=self._wildcards)

    def _take(self, lists: HouseholdLists | None) -> _Decoders:
        """An idle decoder pair for the current grammar (built when the grammar changed)."""
        import pocketsphinx  # type: ignore[import-untyped]

        with self._build_lock:
            grammar = self.grammar(lists)
            with self._lock:
                if grammar.digest == self._digest and self._idle:
                    return self._idle.pop()
            # Nothing personal is written to a file: the grammar is handed to pocketsphinx
            # in memory, and the dictionary file holds template words only; the household's
            # names and items are added to the loaded dictionary.  A phone loop needs no words.
            transitions = fsg_transitions(jsgf_to_fsg(grammar.jsgf))
            with tempfile.TemporaryDirectory(prefix="confide-dict-") as tmp:
                folder = Path(tmp)
                _, private = write_dictionary(
                    grammar.words,
                    folder / "command.dict",
                    extra=grammar.pronunciations,
                    private=grammar.household_words,
                )
                decoder = pocketsphinx.Decoder(
                    dict=str(folder / "command.dict"), lm=None, **self._options
                )
                phones = None
                if self.min_confidence is not None:
                    model = Path(pocketsphinx.get_model_path()) / "en-us"
                    (folder / "phones.dict").write_text("a AH\n", encoding="utf-8")
                    phones = pocketsphinx.Decoder(
                        allphone=str(model / "en-us-phone.lm.bin"),
                        dict=str(folder / "phones.dict"),
                        **self._options,
                    )
            for index, (word, pronunciation) in enumerate(private):
                decoder.add_word(word, pronunciation, index == len(private) - 1)
            start, final, arcs = transitions
            decoder.add_fsg("command", decoder.create_fsg("command", start, final, arcs))
            decoder.activate_search("command")
            release_memory()
            with self._lock:
                if grammar.digest != self._digest:
                    self._idle.clear()  # pairs of the old grammar are dropped
                    self._digest = grammar.digest
            return _Decoders(decoder, phones, grammar.digest)

    def _give(self, decoders: _Decoders, heard: bool) -> None:
        """Take a pair back; the cepstral mean is kept only after speech (not after noise)."""
        with self._lock:
            if heard:
                self._cmn = decoders.cmn()
            if decoders.digest == self._digest and len(self._idle) < _MAX_IDLE:
                self._idle.append(decoders)

    def _judge(self, text: str, values: tuple[float, ...] | None, *, seconds: float) -> Transcript:
        confidence = 0.0
        if text and values is not None:
            confidence = self.confidence_model.probability(values)
        threshold = self.min_confidence
        rejected = not text or (threshold is not None and confidence < threshold)
        return Transcript(
            text=text,
            confidence=confidence,
            rejected=rejected,
            seconds=seconds,
            engine="pocketsphinx",
            features=values,
        )

    def transcribe(
        self, samples_16k_mono_s16le: bytes, lists: HouseholdLists | None = None
    ) -> Transcript:
        """Decode one whole utterance; reject it when the confidence is low."""
        _check_samples(samples_16k_mono_s16le)
        samples = bytes(samples_16k_mono_s16le)
        started = time.perf_counter()
        decoders = self._take(lists)
        try:
            decoders.start(self._cmn)
            decoders.feed(samples, whole=True)
            result = decoders.finish()
        except BaseException:
            self._give(decoders, heard=False)
            raise
        self._give(decoders, heard=bool(result[0]))
        return self._judge(*result, seconds=time.perf_counter() - started)

    def stream(self, lists: HouseholdLists | None = None) -> RecognitionStream:
        """Start decoding an utterance that arrives in chunks."""
        return RecognitionStream(self, self._take(lists))


def release_memory() -> None:
    """Give the heap freed by a grammar build back to the system (glibc only; else no-op)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        return
