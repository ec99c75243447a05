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
``None`` skips the phone loop and accepts whatever the grammar heard).  The acoustic model
is pocketsphinx's own, or one adapted to the household's voices (:attr:`acoustic_model`, see
:mod:`confide.voice.adapt`), which has a confidence model of its own; with it, an utterance
the grammar rejects gets a second, open-vocabulary pass for free text
(:mod:`confide.voice.dictation`).  Live utterances are :mod:`confide.voice.live` streams.
Each utterance takes
a decoder pair (~90 MB) from a bounded pool (:mod:`confide.voice.decoders`, one pair by
default): concurrent utterances take turns, and one that waits too long is refused with
``recognizer_busy``.

Nothing here logs or keeps the audio or the text.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from confide.language.loader import Templates
from confide.language.models import HouseholdLists
from confide.voice.confidence import DEFAULT_MODEL, ENROLLED_MODEL, ConfidenceModel
from confide.voice.decoders import (
    RECOGNIZER_BUSY,
    DecoderPair,
    DecoderPool,
    RecognizerBusyError,
    build_decoders,
    release_memory,
)
from confide.voice.dictation import Dictation
from confide.voice.errors import RecognitionError
from confide.voice.grammar import Grammar, WildcardStrategy, grammar_for
from confide.voice.live import RecognitionStream
from confide.voice.transcript import Transcript

__all__ = [
    "RECOGNIZER_BUSY",
    "LiveRecognition",
    "PocketsphinxRecognizer",
    "RecognitionError",
    "RecognitionStream",
    "RecognizerBusyError",
    "SpeechRecognizer",
    "StreamingRecognizer",
    "Transcript",
    "release_memory",
]

SAMPLE_RATE = 16000
#: How long an utterance waits for a busy decoder pair by default: longer than the longest
#: utterance another one can be decoding (30 s of audio), so only a stuck caller times out.
WAIT_TIMEOUT_S = 35.0
_T = TypeVar("_T")


#: The engine name of a transcript heard by the answers-only search.
ANSWERS_ENGINE = "pocketsphinx-answers"


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


class PocketsphinxRecognizer:
    """pocketsphinx with the grammar of the templates and the household lists.

    ``min_confidence`` is the rejection threshold on :attr:`Transcript.confidence` (a
    probability from ``confidence_model``, or ``enrolled_confidence`` while an adapted
    :attr:`acoustic_model` is in use); ``"cut"`` (default) is that model's own cut, ``None``
    disables the phone-loop pass.
    Utterances can be decoded whole (:meth:`transcribe`) or as they arrive
    (:meth:`stream`, :meth:`open_stream`).  Each needs a decoder pair (~90 MB); at most
    ``max_decoders`` exist, so concurrent utterances take turns: one that finds every pair
    busy waits for one, up to ``wait_timeout`` seconds, then raises
    :class:`~confide.voice.decoders.RecognizerBusyError` (code ``recognizer_busy``).
    """

    def __init__(
        self,
        lists: HouseholdLists | None = None,
        templates: Templates | None = None,
        *,
        wildcards: WildcardStrategy = "exclude",
        min_confidence: float | Literal["cut"] | None = "cut",
        decoder_options: dict[str, object] | None = None,
        confidence_model: ConfidenceModel = DEFAULT_MODEL,
        max_decoders: int = 1,
        wait_timeout: float = WAIT_TIMEOUT_S,
        acoustic_model: Path | None = None,
        enrolled_confidence: ConfidenceModel = ENROLLED_MODEL,
        dictation: Dictation | None = None,
    ) -> None:
        if not wait_timeout >= 0:
            raise ValueError("wait_timeout must be a number of seconds, 0 or more")
        self._lists = lists or HouseholdLists()
        self._templates = templates
        self._wildcards: WildcardStrategy = wildcards
        self.min_confidence = min_confidence
        self.base_confidence = confidence_model
        self.enrolled_confidence = enrolled_confidence
        self._acoustic_model = acoustic_model
        self.dictation = dictation if dictation is not None else Dictation()
        self.wait_timeout = float(wait_timeout)
        self._options = {"loglevel": "FATAL", **(decoder_options or {})}
        self._build_lock = threading.Lock()  # one grammar or decoder build at a time
        self._pool = DecoderPool(max_decoders)
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

    @property
    def acoustic_model(self) -> Path | None:
        """The adapted model directory in use (None: pocketsphinx's bundled model)."""
        return self._acoustic_model

    @acoustic_model.setter
    def acoustic_model(self, folder: Path | None) -> None:
        # New utterances take decoders of the new model; idle old ones are dropped as the
        # pool makes room (its pairs are matched by digest, which names the model).
        self._acoustic_model = folder

    @property
    def confidence_model(self) -> ConfidenceModel:
        """The confidence model of the acoustic model in use."""
        return self.base_confidence if self._acoustic_model is None else self.enrolled_confidence

    @property
    def threshold(self) -> float | None:
        """The confidence under which a transcript is rejected (None: never)."""
        if self.min_confidence == "cut":
            return self.confidence_model.cut
        return self.min_confidence

    @property
    def dictating(self) -> bool:
        """Whether a rejected utterance gets the dictation pass (only with an enrolled model)."""
        return self._acoustic_model is not None and self.threshold is not None

    def _conclude(
        self,
        heard: Transcript,
        samples: bytes | None,
        grammar: Grammar | None,
        lists: HouseholdLists | None,
        phones: Sequence[tuple[int, int, float]] = (),
        answer: Transcript | None = None,
    ) -> Transcript:
        """``heard``; for a rejected one, the ``answer`` to a waiting read-back if one was
        heard (:meth:`hear_answer`), else the dictation pass's transcript: if that is not sure
        enough to read back either, or means no command (even repaired), a grammar sentence
        sure enough to read back (``tentative``) stays.

        ``phones`` are the phone loop's segments over the same audio: the dictation's words
        are weighed against them as the grammar's are.
        """
        if heard.rejected and answer is not None:
            return answer
        model = self._acoustic_model
        if not heard.rejected or samples is None or grammar is None or model is None:
            return heard
        if self.threshold is None:
            return heard
        second = self.dictation.second_pass(
            heard, samples, model, grammar, lists or self._lists, self._cmn, phones
        )
        if heard.tentative and (
            (second.rejected and not second.tentative)
            or not self.dictation.means_something(second.text, lists or self._lists)
        ):
            return heard  # nothing better to ask about than the grammar's sentence
        return second

    def _digest(self, grammar: Grammar) -> str:
        model = self._acoustic_model
        return grammar.digest if model is None else f"{grammar.digest}|{model}"

    @property
    def pool(self) -> DecoderPool:
        """The decoder pairs (how many exist, and the most that ever did)."""
        return self._pool

    def grammar(self, lists: HouseholdLists | None = None) -> Grammar:
        """The grammar for ``lists`` (default: :attr:`lists`), cached by content."""
        return grammar_for(lists or self._lists, self._templates, wildcards=self._wildcards)

    def _grammar(self, lists: HouseholdLists | None) -> Grammar:
        with self._build_lock:  # a first build takes seconds: do it once
            return self.grammar(lists)

    def _take(self, lists: HouseholdLists | None) -> DecoderPair:
        """A decoder pair for the current grammar, waiting for one if all are busy."""
        grammar = self._grammar(lists)
        grant = self._pool.take(self._digest(grammar), self.wait_timeout)
        return grant if grant is not None else self._build(grammar)

    def _build(self, grammar: Grammar) -> DecoderPair:
        """A new pair for ``grammar``, in the room the pool granted (given back on failure)."""
        try:
            phones = self.min_confidence is not None
            options = dict(self._options)
            if self._acoustic_model is not None:
                options["hmm"] = str(self._acoustic_model)
            with self._build_lock:
                # A pair of an old grammar was just dropped to make room: its memory is given
                # back first, or it stays in the heap of the thread that used it while this
                # one grows another (a rebuild would then peak at two pairs).
                release_memory()
                pair = build_decoders(grammar, options, phones=phones, digest=self._digest(grammar))
        except BaseException:
            self._pool.forfeit()
            raise
        release_memory()  # the build's scratch
        return pair

    def _give(self, decoders: DecoderPair, heard: bool) -> None:
        """Take a pair back; the cepstral mean is kept only after speech (not after noise)."""
        if heard:
            self._cmn = decoders.cmn()
        self._pool.give(decoders)

    def _judge(self, text: str, values: tuple[float, ...] | None, *, seconds: float) -> Transcript:
        confidence = 0.0
        if text and values is not None:
            confidence = self.confidence_model.probability(values)
        threshold = self.threshold
        rejected = not text or (threshold is not None and confidence < threshold)
        return Transcript(
            text=text,
            confidence=confidence,
            rejected=rejected,
            seconds=seconds,
            engine="pocketsphinx",
            features=values,
            tentative=bool(text)
            and rejected
            and self.confidence_model.tentative(confidence, threshold),
        )

    def transcribe(
        self,
        samples_16k_mono_s16le: bytes,
        lists: HouseholdLists | None = None,
        *,
        expect_answer: bool = False,
    ) -> Transcript:
        """Decode one whole utterance; reject it when the confidence is low.

        ``expect_answer``: a read-back is waiting for its yes or no (:meth:`hear_answer`).
        """
        _check_samples(samples_16k_mono_s16le)
        started = time.perf_counter()
        samples = bytes(samples_16k_mono_s16le)
        return self._decode(self._take(lists), samples, started, lists, expect_answer)

    async def transcribe_async(
        self,
        samples_16k_mono_s16le: bytes,
        lists: HouseholdLists | None = None,
        *,
        expect_answer: bool = False,
    ) -> Transcript:
        """:meth:`transcribe` for an event loop: waiting for the decoders holds no thread."""
        _check_samples(samples_16k_mono_s16le)
        samples, started = bytes(samples_16k_mono_s16le), time.perf_counter()
        grammar = await asyncio.to_thread(self._grammar, lists)
        grant = await self._pool.take_async(self._digest(grammar), self.wait_timeout)

        def decode() -> Transcript:
            pair = grant or self._build(grammar)
            return self._decode(pair, samples, started, lists, expect_answer)

        return await _to_the_end(decode, lambda _: None)  # it gives the pair back itself

    def _decode(
        self,
        decoders: DecoderPair,
        samples: bytes,
        started: float,
        lists: HouseholdLists | None = None,
        expect_answer: bool = False,
    ) -> Transcript:
        grammar = decoders.source
        cmn = self._cmn
        answer: Transcript | None = None
        try:
            decoders.start(cmn)
            decoders.feed(samples, whole=True)
            result = decoders.finish()
            phones = decoders.phone_segments
            if expect_answer:
                answer = self.hear_answer(decoders, result, samples, cmn, started)
        except BaseException:
            self._give(decoders, heard=False)
            raise
        self._give(decoders, heard=bool(result[0]))
        heard = self._judge(*result, seconds=time.perf_counter() - started)
        return self._conclude(heard, samples, grammar, lists, phones, answer)

    def hear_answer(
        self,
        decoders: DecoderPair,
        result: tuple[str, tuple[float, ...] | None],
        samples: bytes,
        cmn: str | None,
        started: float,
    ) -> Transcript | None:
        """The utterance as a yes or no to a waiting read-back, if it sounds like one.

        When the whole grammar is not sure of what it heard (``result``), the same audio is
        decoded with the answers alone (``confirm.*``) and judged by the same confidence
        model against the same phone loop: over the model's ``read_back`` it is an answer,
        at least tentatively (the assistant takes a tentative yes or no as an answer to a
        question that is waiting, and as nothing else).  None: not an answer, or the grammar
        was sure.
        """
        text, values = result
        if not decoders.hears_answers or self.threshold is None:
            return None
        if (
            text
            and values is not None
            and self.confidence_model.probability(values) >= (self.threshold)
        ):
            return None  # sure of what it heard: an answer or not, that stands
        said, found = decoders.answer(samples, cmn)
        if not said or found is None:
            return None
        confidence = self.confidence_model.probability(found)
        floor = self.confidence_model.read_back
        if floor is None or confidence < floor:
            return None
        return Transcript(
            text=said,
            confidence=confidence,
            rejected=confidence < self.threshold,
            seconds=time.perf_counter() - started,
            engine=ANSWERS_ENGINE,
            features=found,
            tentative=confidence < self.threshold,
        )

    def stream(
        self, lists: HouseholdLists | None = None, *, expect_answer: bool = False
    ) -> RecognitionStream:
        """Start decoding an utterance that arrives in chunks (waits for the decoders)."""
        return RecognitionStream(self, self._take(lists), lists, expect_answer=expect_answer)

    async def open_stream(
        self, lists: HouseholdLists | None = None, *, expect_answer: bool = False
    ) -> RecognitionStream:
        """:meth:`stream` for an event loop: waiting for the decoders holds no thread.

        If the awaiting task is cancelled, whatever it was granted goes back to the pool.
        """
        grammar = await asyncio.to_thread(self._grammar, lists)
        grant = await self._pool.take_async(self._digest(grammar), self.wait_timeout)

        def begin() -> RecognitionStream:
            pair = grant or self._build(grammar)
            return RecognitionStream(self, pair, lists, expect_answer=expect_answer)

        return await _to_the_end(begin, RecognitionStream.cancel)


async def _to_the_end(work: Callable[[], _T], unclaimed: Callable[[_T], None]) -> _T:
    """``work()`` in a worker thread, run to its end even if the awaiting task is cancelled.

    A cancelled task's thread would otherwise be dropped before it starts, and with it the
    decoders the pool granted: then ``unclaimed`` gets the result when it comes.
    """
    job = asyncio.ensure_future(asyncio.to_thread(work))

    def cleanup(done: asyncio.Future[_T]) -> None:
        if not done.cancelled() and done.exception() is None:
            unclaimed(done.result())

    try:
        return await asyncio.shield(job)
    except asyncio.CancelledError:
        job.add_done_callback(cleanup)
        raise
