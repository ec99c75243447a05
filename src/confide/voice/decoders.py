"""The decoders of :class:`~confide.voice.recognizers.PocketsphinxRecognizer` and their pool.

A :class:`DecoderPair` (a grammar decoder and a phone-loop decoder over the same audio) takes
~90 MB, so a recogniser keeps at most ``size`` of them alive (:class:`DecoderPool`; one by
default): idle, in use or being built, whatever the number of callers.  A caller who finds
every pair busy queues for one (first come, first served) and gives up after its timeout
with :class:`RecognizerBusyError` ("busy, try again"), so a request never makes another
pair.  A pair of another grammar (the household lists changed) is dropped to make room.

A grant is either a pair of the grammar asked for or, when there is room, ``None``: the
caller builds the pair itself and hands it back with :meth:`DecoderPool.give` like any other
(or :meth:`DecoderPool.forfeit` if building failed).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import ctypes.util
import math
import tempfile
import threading
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from confide.voice.confidence import features
from confide.voice.errors import VoiceError
from confide.voice.grammar import Grammar, write_dictionary
from confide.voice.jsgf import fsg_transitions, jsgf_to_fsg

__all__ = [
    "RECOGNIZER_BUSY",
    "DecoderPair",
    "DecoderPool",
    "RecognizerBusyError",
    "build_decoders",
    "decode_whole",
    "log_score",
    "release_memory",
]

RECOGNIZER_BUSY = "recognizer_busy"
#: The grammar decoder's searches: every command, and the answers to a read-back alone.
COMMAND, ANSWERS = "command", "answers"


class RecognizerBusyError(VoiceError):
    """Every decoder stayed busy for longer than a caller waits: try again shortly.

    Not the caller's fault (HTTP 503 with a JSON body; a Wyoming ``error`` event).
    """

    code = RECOGNIZER_BUSY
    bad_input = False


class DecoderPair:
    """A grammar decoder and a phone-loop decoder for one grammar (one utterance at a time)."""

    def __init__(
        self, grammar: object, phones: object | None, digest: str, source: Grammar | None = None
    ) -> None:
        self.grammar: Any = grammar
        self.phones: Any = phones
        self.digest = digest
        self.source = source  # the compiled grammar it decodes
        #: The phone loop's segments of the last utterance (for the dictation pass).
        self.phone_segments: list[tuple[int, int, float]] = []

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

    def stop(self) -> None:
        """End the utterance under way without looking at what was heard."""
        for decoder in (self.grammar, self.phones):
            if decoder is not None:
                decoder.end_utt()

    def finish(self) -> tuple[str, tuple[float, ...] | None]:
        """The text of the utterance just fed and its confidence features (None: no phone loop)."""
        self.grammar.end_utt()
        hyp = self.grammar.hyp()
        self.phone_segments = []
        if self.phones is not None:
            self.phones.end_utt()
            self.phone_segments = [
                (s.start_frame, s.end_frame, log_score(s.ascore)) for s in self.phones.seg()
            ]
        return self._judged(hyp)

    def _judged(self, hyp: Any) -> tuple[str, tuple[float, ...] | None]:
        """The grammar decoder's hypothesis of the last utterance and its confidence features
        against the phone loop's segments (None: no phone loop)."""
        if hyp is None:
            return "", None
        text = str(hyp.hypstr)
        if self.phones is None:
            return text, None
        words = [
            (str(s.word), s.start_frame, s.end_frame, log_score(s.ascore))
            for s in self.grammar.seg()
        ]
        return text, features(words, self.phone_segments, int(self.grammar.n_frames()))

    @property
    def hears_answers(self) -> bool:
        return bool(self.source is not None and self.source.answers_jsgf)

    def answer(self, samples: bytes, cmn: str | None) -> tuple[str, tuple[float, ...] | None]:
        """The utterance just finished decoded again as an answer to a read-back alone, with
        its features against the same phone loop (:meth:`finish` first)."""
        self.grammar.activate_search(ANSWERS)
        try:
            return self._judged(decode_whole(self.grammar, samples, cmn))
        finally:
            self.grammar.activate_search(COMMAND)


def build_decoders(
    grammar: Grammar, options: Mapping[str, object], *, phones: bool, digest: str | None = None
) -> DecoderPair:
    """A pair for ``grammar`` (the phone loop only if ``phones``), with ``options`` for both.

    ``digest`` names what the pair decodes with (default: the grammar's digest).

    Nothing personal is written to a file: the grammar is handed to pocketsphinx in memory,
    and the dictionary file holds template words only; the household's names and items are
    added to the loaded dictionary.  A phone loop needs no words.
    """
    import pocketsphinx  # type: ignore[import-untyped]

    start, final, arcs = fsg_transitions(jsgf_to_fsg(grammar.jsgf))
    with tempfile.TemporaryDirectory(prefix="confide-dict-") as tmp:
        folder = Path(tmp)
        _, private = write_dictionary(
            grammar.words,
            folder / "command.dict",
            extra=grammar.pronunciations,
            private=grammar.household_words,
        )
        decoder = pocketsphinx.Decoder(dict=str(folder / "command.dict"), lm=None, **options)
        loop = None
        if phones:
            model = Path(pocketsphinx.get_model_path()) / "en-us"
            (folder / "phones.dict").write_text("a AH\n", encoding="utf-8")
            loop = pocketsphinx.Decoder(
                allphone=str(model / "en-us-phone.lm.bin"),
                dict=str(folder / "phones.dict"),
                **options,
            )
    for index, (word, pronunciation) in enumerate(private):
        decoder.add_word(word, pronunciation, index == len(private) - 1)
    decoder.add_fsg(COMMAND, _fsg_model(decoder, COMMAND, (start, final, arcs)))
    if grammar.answers_jsgf:  # (its words are the grammar's: already in the dictionary)
        answers = fsg_transitions(jsgf_to_fsg(grammar.answers_jsgf))
        decoder.add_fsg(ANSWERS, _fsg_model(decoder, ANSWERS, answers))
    decoder.activate_search(COMMAND)
    return DecoderPair(decoder, loop, digest or grammar.digest, grammar)


def _fsg_model(decoder: Any, name: str, automaton: tuple[int, int, list[Any]]) -> Any:
    """The automaton as pocketsphinx reads an FSG file: every transition's log probability is
    scaled by the language weight ``lw`` (Decoder.create_fsg leaves it out, which loosens the
    grammar: a search about three times slower that hears something else)."""
    import pocketsphinx

    start, final, arcs = automaton
    lw = float(decoder.config["lw"])
    logmath = decoder.get_logmath()
    fsg = pocketsphinx.FsgModel(name, logmath, lw, max(max(a[0], a[1]) for a in arcs) + 1)
    fsg.set_start_state(start)
    fsg.set_final_state(final)
    for arc in arcs:
        weight = int(logmath.log(arc[2]) * lw)
        if len(arc) > 3:
            fsg.trans_add(arc[0], arc[1], weight, fsg.word_add(arc[3]))
        else:
            fsg.null_trans_add(arc[0], arc[1], weight)
    return fsg


def decode_whole(decoder: Any, samples: bytes, cmn: str | None) -> Any:
    """Decode one whole utterance with ``decoder``, from the cepstral mean ``cmn`` if given;
    its best hypothesis (None: no path)."""
    if cmn is not None:
        decoder.set_cmn(cmn)
    decoder.start_utt()
    decoder.process_raw(samples, full_utt=True)
    decoder.end_utt()
    return decoder.hyp()


def log_score(probability: object) -> float:
    """The Python API gives a segment's acoustic score as a probability (exp of the log)."""
    return math.log(max(float(probability), 1e-300))  # type: ignore[arg-type]


class DecoderPool:
    """At most ``size`` decoder pairs, lent out one utterance at a time.

    Thread-safe; :meth:`take` waits in a thread, :meth:`take_async` in an event loop
    (without holding a thread while it waits).
    """

    def __init__(self, size: int = 1) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError("a decoder pool holds at least one pair")
        self.size = size
        self._lock = threading.Lock()
        self._idle: list[DecoderPair] = []
        self._alive = 0  # pairs idle, lent out or being built
        self._peak = 0
        self._waiting: deque[tuple[str, concurrent.futures.Future[DecoderPair | None]]] = deque()

    @property
    def alive(self) -> int:
        """Pairs that exist now: idle, in use or being built."""
        return self._alive

    @property
    def peak(self) -> int:
        """The most pairs that ever existed at once (never more than :attr:`size`)."""
        return self._peak

    @property
    def idle(self) -> int:
        """Pairs ready for the next utterance."""
        return len(self._idle)

    @property
    def waiting(self) -> int:
        """Callers waiting for a pair."""
        with self._lock:
            return sum(not future.cancelled() for _, future in self._waiting)

    def request(self, digest: str) -> concurrent.futures.Future[DecoderPair | None]:
        """A future of a pair for the grammar ``digest``, or of ``None`` (room to build one)."""
        future: concurrent.futures.Future[DecoderPair | None] = concurrent.futures.Future()
        with self._lock:
            while self._waiting and self._waiting[0][1].cancelled():
                self._waiting.popleft()  # gave up (timed out) while the pairs were busy
            if not self._waiting:
                for index, pair in enumerate(self._idle):
                    if pair.digest == digest:
                        future.set_result(self._idle.pop(index))
                        return future
                if self._alive < self.size or self._idle:
                    self._make_room()
                    future.set_result(None)
                    return future
            self._waiting.append((digest, future))
        return future

    def _make_room(self) -> None:
        """Count one more pair, dropping an idle one of another grammar if the pool is full."""
        if self._alive < self.size:
            self._alive += 1
            self._peak = max(self._peak, self._alive)
        else:
            self._idle.pop(0)  # freed here: the room is reused at once

    def give(self, pair: DecoderPair) -> None:
        """Take a pair back after an utterance (or after building it): the next in line gets it."""
        with self._lock:
            while self._waiting:
                digest, future = self._waiting.popleft()
                if not future.set_running_or_notify_cancel():
                    continue  # that caller gave up
                future.set_result(pair if pair.digest == digest else None)
                return  # (a pair of another grammar is dropped: its room is handed on)
            self._idle.append(pair)

    def forfeit(self) -> None:
        """Give back room that was granted but not used (building the pair failed)."""
        with self._lock:
            while self._waiting:
                _, future = self._waiting.popleft()
                if future.set_running_or_notify_cancel():
                    future.set_result(None)
                    return
            self._alive -= 1

    def _give_back(self, grant: DecoderPair | None) -> None:
        if grant is None:
            self.forfeit()
        else:
            self.give(grant)

    def _withdraw(self, future: concurrent.futures.Future[DecoderPair | None]) -> None:
        """A caller stops waiting: cancel its place, or pass on what it was just granted."""
        if not future.cancel():
            self._give_back(future.result())

    def take(self, digest: str, timeout: float) -> DecoderPair | None:
        """Wait here up to ``timeout`` s for a grant, else :class:`RecognizerBusyError`."""
        future = self.request(digest)
        try:
            return future.result(timeout=max(timeout, 0.0))
        except concurrent.futures.TimeoutError:
            if future.cancel():
                raise _busy(timeout) from None
            return future.result()
        except BaseException:
            self._withdraw(future)
            raise

    async def take_async(self, digest: str, timeout: float) -> DecoderPair | None:
        """:meth:`take` for an event loop: the waiting holds no thread."""
        future = self.request(digest)
        if future.done():
            return future.result()
        waiter = asyncio.shield(asyncio.wrap_future(future))
        try:
            return await asyncio.wait_for(waiter, max(timeout, 0.0))
        except TimeoutError:
            if future.cancel():
                raise _busy(timeout) from None
            return future.result()
        except BaseException:  # cancelled: the client went away while it waited
            self._withdraw(future)
            raise


def _busy(timeout: float) -> RecognizerBusyError:
    return RecognizerBusyError(
        f"The speech recogniser is busy with other requests (waited {timeout:g} s); "
        "try again in a moment."
    )


def release_memory() -> None:
    """Give the heap freed by a grammar build back to the system (glibc only; else no-op)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        return
