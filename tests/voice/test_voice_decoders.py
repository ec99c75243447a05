"""The decoder pool of the pocketsphinx recogniser: at most ``max_decoders`` pairs, whatever
the number of concurrent utterances; a caller that waits too long gets ``recognizer_busy``.

Real pocketsphinx decoders throughout (the pool's own bookkeeping is also checked on pairs
that hold no decoder, which is all it looks at).
"""

from __future__ import annotations

import asyncio
import random
import sys
import threading
import time
from array import array
from pathlib import Path

import pytest

pytest.importorskip("pocketsphinx")

from confide.language.models import HouseholdLists
from confide.voice.decoders import DecoderPair, DecoderPool, RecognizerBusyError
from confide.voice.recognizers import (
    RECOGNIZER_BUSY,
    PocketsphinxRecognizer,
    RecognitionError,
    Transcript,
)
from speechgen import TOOLS, synthesise


def noise(seconds: float) -> bytes:
    rng = random.Random(seconds)
    samples = array("h", (rng.randint(-100, 100) for _ in range(int(seconds * 16000))))
    if sys.byteorder != "little":
        samples.byteswap()
    return samples.tobytes()


def eventually(check: object, what: str, limit_s: float = 30.0) -> None:
    """Wait until ``check()`` holds (a generous bound: this is not a timing assertion)."""
    deadline = time.monotonic() + limit_s
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


# -- the pool's bookkeeping ---------------------------------------------------------------------
def pair(digest: str) -> DecoderPair:
    return DecoderPair(None, None, digest)


def test_the_pool_grants_room_then_pairs_first_come_first_served() -> None:
    pool = DecoderPool(1)
    assert pool.take("a", timeout=0) is None  # room: the caller builds the pair
    first, second = pool.request("a"), pool.request("a")
    assert not first.done() and pool.waiting == 2
    built = pair("a")
    pool.give(built)
    assert first.result(0) is built and not second.done()
    pool.give(built)
    assert second.result(0) is built
    pool.give(built)
    assert (pool.alive, pool.idle, pool.peak, pool.waiting) == (1, 1, 1, 0)
    assert pool.take("a", timeout=0) is built  # the idle pair is lent again


def test_a_pair_of_another_grammar_makes_room_for_the_new_one() -> None:
    pool = DecoderPool(1)
    assert pool.take("old", timeout=0) is None
    pool.give(pair("old"))
    assert pool.take("new", timeout=0) is None  # the idle old pair is dropped for it
    assert (pool.alive, pool.idle) == (1, 0)
    waiter = pool.request("other")
    pool.give(pair("new"))  # handed on as room: the waiter builds its own grammar's pair
    assert waiter.result(0) is None
    assert (pool.alive, pool.idle, pool.peak) == (1, 0, 1)


def test_a_timed_out_or_failed_caller_gives_nothing_away() -> None:
    pool = DecoderPool(1)
    assert pool.take("a", timeout=0) is None
    with pytest.raises(RecognizerBusyError) as caught:
        pool.take("a", timeout=0.01)
    assert caught.value.code == RECOGNIZER_BUSY == "recognizer_busy"
    assert caught.value.bad_input is False  # not the caller's fault: HTTP 503
    assert "try again" in caught.value.message
    assert pool.waiting == 0
    waiter = pool.request("a")
    pool.forfeit()  # building failed: the room goes to the next in line
    assert waiter.result(0) is None
    pool.forfeit()
    assert (pool.alive, pool.idle) == (0, 0)
    with pytest.raises(ValueError):
        DecoderPool(0)


def test_an_async_waiter_that_is_cancelled_leaves_its_place() -> None:
    pool = DecoderPool(1)
    assert pool.take("a", timeout=0) is None

    async def body() -> None:
        task = asyncio.ensure_future(pool.take_async("a", timeout=60))
        while pool.waiting == 0:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert pool.waiting == 0
        with pytest.raises(RecognizerBusyError):
            await pool.take_async("a", timeout=0.01)
        pool.give(pair("a"))
        assert isinstance(await pool.take_async("a", timeout=0), DecoderPair)

    asyncio.run(body())


# -- the recogniser ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    if TOOLS:  # espeak-ng and sox are installed
        folder = tmp_path_factory.mktemp("speech")
        return [synthesise(text, folder) for text in ("what time is it", "cancel my alarm")]
    return [noise(1.5), noise(2.0)]


def test_concurrent_utterances_share_one_decoder_pair(clips: list[bytes]) -> None:
    recognizer = PocketsphinxRecognizer()
    start = threading.Barrier(4)
    heard: list[Transcript] = []
    failed: list[BaseException] = []

    def speak(samples: bytes) -> None:
        try:
            start.wait()
            for _ in range(2):
                heard.append(recognizer.transcribe(samples))
        except BaseException as err:  # reported below
            failed.append(err)

    threads = [threading.Thread(target=speak, args=(clips[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not failed, failed
    assert len(heard) == 8
    assert (recognizer.pool.peak, recognizer.pool.alive, recognizer.pool.idle) == (1, 1, 1)


def test_the_bound_is_configurable(clips: list[bytes]) -> None:
    recognizer = PocketsphinxRecognizer(min_confidence=None, max_decoders=2)
    start = threading.Barrier(3)

    def speak() -> None:
        start.wait()
        recognizer.transcribe(clips[0])

    threads = [threading.Thread(target=speak) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert 1 <= recognizer.pool.peak <= 2
    assert recognizer.pool.alive == recognizer.pool.idle <= 2
    with pytest.raises(ValueError):
        PocketsphinxRecognizer(max_decoders=0)


def test_a_request_waits_for_a_stream_and_times_out_cleanly(clips: list[bytes]) -> None:
    recognizer = PocketsphinxRecognizer(wait_timeout=0.05)
    with recognizer.stream() as stream:
        stream.feed(clips[0][:16000])
        with pytest.raises(RecognizerBusyError) as caught:
            recognizer.transcribe(clips[1])
        assert caught.value.code == "recognizer_busy"
    assert isinstance(recognizer.transcribe(clips[1]), Transcript)  # the stream gave it back
    assert recognizer.pool.peak == 1

    # with time to wait, the request is served as soon as the stream ends
    recognizer.wait_timeout = 60
    got: list[Transcript] = []
    with recognizer.stream() as stream:
        worker = threading.Thread(target=lambda: got.append(recognizer.transcribe(clips[1])))
        worker.start()
        eventually(lambda: recognizer.pool.waiting == 1, "the request never queued")
        stream.feed(clips[0])
        stream.finish()
    worker.join(120)
    assert len(got) == 1 and recognizer.pool.peak == 1


def test_a_new_household_list_replaces_the_pair(clips: list[bytes]) -> None:
    recognizer = PocketsphinxRecognizer(min_confidence=None)
    recognizer.transcribe(clips[0])
    recognizer.transcribe(clips[0], HouseholdLists(shopping_items=("kombucha",)))
    recognizer.transcribe(clips[0])
    assert (recognizer.pool.peak, recognizer.pool.alive) == (1, 1)


def test_async_callers_wait_without_threads_and_cancel_cleanly(clips: list[bytes]) -> None:
    recognizer = PocketsphinxRecognizer(wait_timeout=60)

    async def body() -> None:
        held = recognizer.stream()
        opening = asyncio.ensure_future(recognizer.open_stream())
        whole = asyncio.ensure_future(recognizer.transcribe_async(clips[1]))
        while recognizer.pool.waiting < 2:
            await asyncio.sleep(0.005)
        opening.cancel()  # e.g. the Wyoming client went away while it waited
        with pytest.raises(asyncio.CancelledError):
            await opening
        held.cancel()
        assert isinstance(await whole, Transcript)
        live = await recognizer.open_stream()
        live.feed(clips[0])
        assert isinstance(live.finish(), Transcript)
        recognizer.wait_timeout = 0.05
        with recognizer.stream():
            with pytest.raises(RecognizerBusyError):
                await recognizer.transcribe_async(clips[1])
            with pytest.raises(RecognizerBusyError):
                await recognizer.open_stream()

    asyncio.run(body())
    assert (recognizer.pool.peak, recognizer.pool.idle, recognizer.pool.waiting) == (1, 1, 0)


def test_a_stream_can_be_cancelled_from_another_thread_while_it_is_fed(
    clips: list[bytes],
) -> None:
    recognizer = PocketsphinxRecognizer()
    recognizer.transcribe(clips[0])  # (after speech, a stream is decoded as it is fed)
    stream = recognizer.stream()
    fed = threading.Event()
    stopped: list[str] = []

    def feed() -> None:
        try:
            for _ in range(100):
                for start in range(0, len(clips[0]), 2048):
                    stream.feed(clips[0][start : start + 2048])
                    fed.set()
        except RecognitionError as err:
            stopped.append(str(err))

    feeder = threading.Thread(target=feed)
    feeder.start()
    assert fed.wait(60)
    stream.cancel()  # as the Wyoming handler does when a client stalls
    feeder.join(300)
    assert stopped == ["the stream is finished"]
    assert stream.done and (recognizer.pool.idle, recognizer.pool.peak) == (1, 1)
    stream.cancel()  # again: nothing happens


def test_the_grammar_is_weighted_as_when_pocketsphinx_reads_the_fsg_file(
    clips: list[bytes], tmp_path: Path
) -> None:
    """The grammar goes to pocketsphinx in memory with the language weight a file gets.

    (``Decoder.create_fsg`` leaves the weight out: a looser grammar, three times slower.)
    """
    from confide.voice.jsgf import jsgf_to_fsg

    recognizer = PocketsphinxRecognizer(min_confidence=None)
    recognizer.transcribe(clips[0])
    grammar = recognizer.grammar()  # no household words: the files hold template words only
    pair = recognizer.pool.take(grammar.digest, timeout=0)
    assert pair is not None
    decoder = pair.grammar
    source, ours, theirs = (tmp_path / name for name in ("in.fsg", "ours.fsg", "file.fsg"))
    source.write_text(jsgf_to_fsg(grammar.jsgf), encoding="utf-8")
    decoder.add_fsg("from_file", decoder.read_fsg(str(source)))  # (adds fillers, as ours)
    decoder.get_fsg("from_file").writefile(str(theirs))
    decoder.get_fsg("command").writefile(str(ours))
    assert ours.read_text() == theirs.read_text()  # written back: the same weights
    for path in (source, ours, theirs):
        path.unlink()
    recognizer.pool.give(pair)
