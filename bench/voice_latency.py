"""Benchmark: voice-turn latency, in process and over Wyoming, and the memory of ``serve``.

DESIGN §6 (issue 3): end of a 3 s spoken command -> action stored, p50 <= 150 ms.  In-scope
commands of ``bench/speech_corpus.py`` whose clips last 2.5-3.5 s (0.5 s of padding each
side included) are synthesised in memory (espeak-ng + sox; nothing is kept), then timed:

1. **in process** - ``Assistant.ask_audio`` over a real home in a temporary directory holding
   the corpus's ``LISTS`` (owner Alex, adult Bob, child Sam, contact Grandma, shopping list
   milk, eggs, bread), its clock at ``NOW``, speakers in turn, after one untimed warm-up.
   This is *whole utterance available at end of audio* (batch decode) latency: the clip is
   decoded in one go once it is complete; then understand, act and store (commit included).
   p50/p95 of the total and of each stage of ``timings_ms``; real-time factor = transcribe
   time / audio seconds.  A shopping-list change rebuilds the grammar at the next turn.
2. **Wyoming** - ``WyomingServer`` on 127.0.0.1 port 0 in this asyncio loop, the real
   ``wyoming.client.AsyncTcpClient``: ``transcribe``, ``audio-start``, ``audio-chunk``s, a
   ``ping`` (its ``pong`` means every chunk was taken in, as when a microphone streams in
   real time), then ``audio-stop`` -> ``transcript`` is timed, and a non-empty transcript is
   sent back: ``transcript`` -> ``handled``/``not-handled`` (turn stored) is timed.
3. **HTTP** - the API (``create_app`` over the same assistant) served by uvicorn on
   127.0.0.1 in a thread, the real httpx client: each clip is uploaded to ``POST /v1/turns`` as
   ``audio/L16; rate=16000; channels=1`` with chunked transfer encoding, one 100 ms chunk
   every 100 ms (real time, as a microphone records); from the moment httpx has written the
   last chunk to the response (turn stored) is timed, with the stages of its ``timings_ms``
   (``transcribe`` there is the time after the last chunk).
4. **serve** - a real ``confide serve`` subprocess (fresh home, its demo household) on
   127.0.0.1: once Wyoming answers ``describe`` and two transcribe round trips are done,
   VmRSS and VmHWM from /proc/PID/status in MB (10^6 bytes; target <= 250 MB); then again
   after a shopping-list change and the transcribe that rebuilds the grammar, and after two
   streams sent at once on two connections (they take turns with the one decoder pair; the
   slower of the two round trips is reported).

With ``--enrolled`` every voice first reads the enrollment prompts (``speech_enrollment.py``;
one enrollment each, in process and in serve's home): the household's adapted model is in use,
and serve hears one free-text command last, which the grammar rejects and the dictation pass
decodes: its VmHWM is the peak that pass costs.

Usage (needs espeak-ng and sox; about a minute on 2 cores)::

    .venv/bin/python bench/voice_latency.py [--count 40] [--voices 4] [--json]
        [--no-wyoming] [--no-http] [--no-serve] [--enrolled]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

import confide.wyoming  # noqa: F401  (first: imports wyoming.audio without its warning)

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.info import Describe
from wyoming.ping import Ping

from confide import runtime
from confide.assistant import Assistant
from confide.clock import ManualClock
from confide.hub import create_app
from confide.vault import Vault
from confide.voice import Audio
from confide.wyoming import WyomingServer
from speech_corpus import (
    LISTS,
    NOW,
    SAMPLE_RATE,
    VOICES,
    Utterance,
    Voice,
    select,
    synthesise,
    synthesise_all,
)
from speech_enrollment import enroll_voices

HOST = "127.0.0.1"
MEMBERS = ("Alex", "Bob", "Sam")  # owner, adult, child: as speech_corpus.LISTS
#: With --enrolled, serve hears this last: the grammar rejects it, the dictation pass runs.
FREE_TEXT = "remind me tomorrow at nine to call the plumber about the leak"
CHUNK_BYTES = 2048  # 64 ms of 16 kHz mono s16le, what a satellite sends per chunk
HTTP_CHUNK_S = 0.1  # an HTTP upload sends 100 ms of audio every 100 ms
HTTP_CHUNK_BYTES = round(SAMPLE_RATE * HTTP_CHUNK_S) * 2
L16 = f"audio/L16; rate={SAMPLE_RATE}; channels=1"
STAGES = ("transcribe", "understand", "act", "store")
TARGET_P50_MS = 150.0
TARGET_RSS_MB = 250.0


@dataclass(frozen=True)
class TurnSample:
    """One in-process voice turn."""

    audio_s: float
    total_ms: float
    stages: dict[str, float]
    outcome: str  # understood / wrong_action / rejected / not_understood
    lists_changed: bool  # the shopping list changed: the next transcribe rebuilds the grammar


@dataclass(frozen=True)
class WyomingSample:
    """One utterance over Wyoming (``handle_ms`` None: empty transcript, not sent back)."""

    stt_ms: float
    handle_ms: float | None
    handled: bool


@dataclass(frozen=True)
class HttpSample:
    """One utterance streamed over HTTP: last chunk sent -> response, and its stages."""

    total_ms: float
    stages: dict[str, float]
    handled: bool


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def spread(values: Sequence[float]) -> dict[str, float]:
    """n, p50, p95 and max, rounded for the report."""
    p50, p95, top = percentile(values, 0.5), percentile(values, 0.95), max(values, default=math.nan)
    return {"n": len(values), "p50": round(p50, 3), "p95": round(p95, 3), "max": round(top, 3)}


def pick_utterances(
    count: int, n_voices: int, low_s: float = 2.5, high_s: float = 3.5
) -> list[Utterance]:
    """``count`` in-scope clips of ``low_s``-``high_s`` s, spread over intents and voices."""
    sentences = [s for s in select(count + 30) if s.in_scope]
    clips = synthesise_all(sentences, VOICES[: max(1, n_voices)])
    fitting = [u for u in clips if low_s <= u.seconds <= high_s]
    if len(fitting) <= count:
        return fitting
    return [fitting[i * len(fitting) // count] for i in range(count)]


def open_home(home: Path) -> tuple[Vault, Assistant]:
    """A vault in ``home`` holding the corpus's ``LISTS`` (members, contact, shopping list),
    its clock at the corpus's ``NOW``, and an assistant over it."""
    vault = Vault.open(home, clock=ManualClock(NOW.astimezone()))
    household, _ = runtime.init_household(vault, "Bench household", MEMBERS[0])
    vault.add_member(household.id, MEMBERS[1], role="adult")
    vault.add_member(household.id, MEMBERS[2], role="child")
    for contact in LISTS.contacts:
        vault.add_contact(household.id, contact.title())
    assistant = Assistant(vault, household.id)
    for item in LISTS.shopping_items:
        assistant.ask(f"add {item} to the shopping list")
    return vault, assistant


def judge(utterance: Utterance, intent: str | None, slots: dict[str, Any], rejected: bool) -> str:
    """Whether the turn did what the sentence asks (as bench/speech_accuracy.py judges)."""
    if rejected or intent is None:
        return "rejected" if rejected else "not_understood"
    right = intent == utterance.sentence.intent and slots == dict(utterance.sentence.slots)
    return "understood" if right else "wrong_action"


def measure_turns(assistant: Assistant, utterances: Sequence[Utterance]) -> list[TurnSample]:
    """Every utterance through ``ask_audio`` (members in turn) after one untimed warm-up."""
    assistant.ask_audio(Audio(utterances[0].samples), member=MEMBERS[0])
    samples = []
    for index, utterance in enumerate(utterances):
        member = MEMBERS[index % len(MEMBERS)]
        started = time.perf_counter()
        outcome = assistant.ask_audio(Audio(utterance.samples), member=member)
        total_ms = (time.perf_counter() - started) * 1000
        rejected = outcome.speech is not None and outcome.speech.rejected
        changed = any(a.kind == "shopping_item" and a.op != "read" for a in outcome.actions)
        stages = {k: float(v) for k, v in outcome.timings_ms.items()}
        verdict = judge(utterance, outcome.intent, dict(outcome.slots), rejected)
        samples.append(TurnSample(utterance.seconds, total_ms, stages, verdict, changed))
    return samples


# -- Wyoming ------------------------------------------------------------------------------
async def read_until(client: AsyncTcpClient, kinds: set[str]) -> Event:
    """The next event of one of ``kinds``; an ``error`` event or a closed connection raise."""
    while True:
        event = await client.read_event()
        if event is None:
            raise RuntimeError("the Wyoming server closed the connection")
        if event.type == "error":
            raise RuntimeError(f"the Wyoming server answered an error: {event.data}")
        if event.type in kinds:
            return event


async def transcribe_round_trip(client: AsyncTcpClient, samples: bytes) -> tuple[str, float]:
    """The transcript of ``samples`` and the ms from sending audio-stop to receiving it."""
    fmt = {"rate": SAMPLE_RATE, "width": 2, "channels": 1}
    await client.write_event(Transcribe(language="en").event())
    await client.write_event(AudioStart(**fmt).event())
    for start in range(0, len(samples), CHUNK_BYTES):
        chunk = samples[start : start + CHUNK_BYTES]
        await client.write_event(AudioChunk(audio=chunk, **fmt).event())
    await client.write_event(Ping().event())  # answered after every chunk was taken in
    await read_until(client, {"pong"})
    started = time.perf_counter()
    await client.write_event(AudioStop().event())
    event = await read_until(client, {"transcript"})
    return Transcript.from_event(event).text, (time.perf_counter() - started) * 1000


async def handle_round_trip(client: AsyncTcpClient, text: str) -> tuple[bool, float]:
    """Whether ``text`` was handled, and the ms from sending it to the answer."""
    started = time.perf_counter()
    await client.write_event(Transcript(text=text).event())
    event = await read_until(client, {"handled", "not-handled"})
    return event.type == "handled", (time.perf_counter() - started) * 1000


async def measure_wyoming(
    assistant: Assistant, utterances: Sequence[Utterance]
) -> list[WyomingSample]:
    """Every utterance over one Wyoming connection, after one untimed round trip."""
    server = WyomingServer(assistant, HOST, 0)
    await server.start()
    await server.wait_warm()
    samples = []
    try:
        async with AsyncTcpClient(HOST, server.port, connect_timeout=5, read_timeout=120) as tcp:
            await transcribe_round_trip(tcp, utterances[0].samples)
            for utterance in utterances:
                text, stt_ms = await transcribe_round_trip(tcp, utterance.samples)
                handled, handle_ms = (await handle_round_trip(tcp, text)) if text else (False, None)
                samples.append(WyomingSample(stt_ms, handle_ms, handled))
    finally:
        await server.stop()
    return samples


# -- HTTP ---------------------------------------------------------------------------------
def paced(samples: bytes, marks: list[float]) -> Iterator[bytes]:
    """``samples`` in 100 ms chunks, one every 100 ms; the time the last one was written is
    appended to ``marks`` (httpx asks for the next chunk once it has sent the one before)."""
    started = time.perf_counter()
    for index, start in enumerate(range(0, len(samples), HTTP_CHUNK_BYTES)):
        delay = started + index * HTTP_CHUNK_S - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield samples[start : start + HTTP_CHUNK_BYTES]
    marks.append(time.perf_counter())


def http_turn(client: httpx.Client, samples: bytes, member: str) -> HttpSample:
    """One clip streamed in real time to ``POST /v1/turns``."""
    marks: list[float] = []
    response = client.post(
        "/v1/turns",
        content=paced(samples, marks),
        headers={"Content-Type": L16},
        params={"member": member},
    )
    total_ms = (time.perf_counter() - marks[-1]) * 1000
    if response.status_code != 201:
        raise RuntimeError(f"POST /v1/turns answered {response.status_code}: {response.text}")
    body = response.json()
    stages = {k: float(v) for k, v in body["timings_ms"].items()}
    return HttpSample(total_ms, stages, body["intent"] is not None)


def measure_http(
    vault: Vault, assistant: Assistant, utterances: Sequence[Utterance]
) -> list[HttpSample]:
    """Every utterance streamed over HTTP (members in turn), after one untimed upload."""
    _device, token = vault.add_device(assistant.household_id, "bench device")
    app = create_app(vault, assistant.household_id, assistant, tick_seconds=None)
    config = uvicorn.Config(app, host=HOST, port=free_port(), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    headers = {"Authorization": f"Bearer {token}"}
    samples = []
    try:
        with httpx.Client(
            base_url=f"http://{HOST}:{config.port}", headers=headers, timeout=120
        ) as client:
            http_turn(client, utterances[0].samples, MEMBERS[0])
            for index, utterance in enumerate(utterances):
                samples.append(http_turn(client, utterance.samples, MEMBERS[index % len(MEMBERS)]))
    finally:
        server.should_exit = True
        thread.join(30)
    return samples


# -- confide serve ------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process in MB (10^6 bytes), from /proc/PID/status (kB units)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) * 1024 / 1e6, 1)
    return found


async def _talk_to_serve(
    port: int,
    proc: subprocess.Popen[bytes],
    samples: bytes,
    timeout_s: float,
    free_text: bytes | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    while True:  # until Wyoming answers describe
        try:
            async with AsyncTcpClient(HOST, port, connect_timeout=2, read_timeout=10) as tcp:
                await tcp.write_event(Describe().event())
                await read_until(tcp, {"info"})
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"confide serve exited early ({proc.returncode})") from None
            if time.perf_counter() - started > timeout_s:
                raise RuntimeError("the Wyoming server of confide serve did not start") from None
            await asyncio.sleep(0.1)
    ready_s = time.perf_counter() - started
    before = memory_mb(proc.pid)
    async with AsyncTcpClient(HOST, port, connect_timeout=5, read_timeout=timeout_s) as tcp:
        _, first_ms = await transcribe_round_trip(tcp, samples)
        _, second_ms = await transcribe_round_trip(tcp, samples)
        loaded = memory_mb(proc.pid)
        # a shopping-list change: the next transcribe rebuilds the grammar and its decoder
        await handle_round_trip(tcp, "add milk to the shopping list")
        _, rebuild_ms = await transcribe_round_trip(tcp, samples)
    changed = memory_mb(proc.pid)
    async with (
        AsyncTcpClient(HOST, port, connect_timeout=5, read_timeout=timeout_s) as one,
        AsyncTcpClient(HOST, port, connect_timeout=5, read_timeout=timeout_s) as other,
    ):
        both = await asyncio.gather(
            transcribe_round_trip(one, samples), transcribe_round_trip(other, samples)
        )
    concurrent = memory_mb(proc.pid)
    dictated: dict[str, float] = {}
    if free_text is not None:
        async with AsyncTcpClient(HOST, port, connect_timeout=5, read_timeout=timeout_s) as tcp:
            _, dictation_ms = await transcribe_round_trip(tcp, free_text)
        dictated = {**memory_mb(proc.pid), "ms": round(dictation_ms, 1)}
    return {
        "ready_s": round(ready_s, 2),
        "rss_at_ready_mb": before.get("VmRSS"),
        "first_stt_ms": round(first_ms, 1),
        "second_stt_ms": round(second_ms, 1),
        "rebuild_stt_ms": round(rebuild_ms, 1),
        **{k.lower() + "_mb": v for k, v in loaded.items()},
        **{k.lower() + "_after_change_mb": v for k, v in changed.items()},
        "concurrent_stt_ms": round(max(ms for _, ms in both), 1),
        **{k.lower() + "_after_concurrent_mb": v for k, v in concurrent.items()},
        **{"dictation_" + k.lower(): v for k, v in dictated.items()},
    }


def measure_serve(
    samples: bytes,
    timeout_s: float = 120.0,
    enrolled: Sequence[Voice] = (),
    free_text: bytes | None = None,
) -> dict[str, Any]:
    """Start ``confide serve``, load recognition with one round trip, read its memory, stop it.

    With ``enrolled`` voices the home is enrolled first (the household's adapted model is in
    use), and ``free_text`` (an utterance the grammar rejects) is sent last: its dictation
    pass is what the peak (VmHWM) shows.
    """
    exe = Path(sys.executable).with_name("confide")
    with tempfile.TemporaryDirectory(prefix="confide-bench-serve-") as tmp:
        port, log_path = free_port(), Path(tmp) / "serve.log"
        if enrolled:
            with Vault.open(Path(tmp) / "home") as vault:
                household, _ = runtime.init_household(vault, "Bench household", MEMBERS[0])
                enroll_voices(vault, household.id, enrolled, Path(tmp))
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [str(exe), "serve", "--home", str(Path(tmp) / "home"), "--host", HOST,
                 "--port", "0", "--wyoming-host", HOST, "--wyoming-port", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                result = asyncio.run(_talk_to_serve(port, proc, samples, timeout_s, free_text))
            except Exception:
                tail = log_path.read_text(errors="replace").splitlines()[-15:]
                print("\n".join(["# confide serve log (tail):", *tail]), file=sys.stderr)
                raise
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return {**result, "exit_code": proc.returncode}


# -- report -------------------------------------------------------------------------------
def summarise_turns(turns: Sequence[TurnSample]) -> dict[str, Any]:
    stages = {s: spread([t.stages.get(s, math.nan) for t in turns]) for s in STAGES}
    rtf = [t.stages.get("transcribe", math.nan) / 1000 / t.audio_s for t in turns]
    kinds = ("understood", "wrong_action", "rejected", "not_understood")
    after = [
        t.total_ms for t, before in zip(turns[1:], turns, strict=False) if before.lists_changed
    ]
    return {
        "total_ms": spread([t.total_ms for t in turns]),
        "stages_ms": stages,
        "rtf": spread(rtf),
        "outcomes": {k: sum(t.outcome == k for t in turns) for k in kinds},
        "shopping_list_changes": sum(t.lists_changed for t in turns),
        "after_change_ms": spread(after),
    }


def summarise_wyoming(samples: Sequence[WyomingSample]) -> dict[str, Any]:
    sent = [(s.stt_ms, s.handle_ms) for s in samples if s.handle_ms is not None]
    return {
        "stop_to_transcript_ms": spread([s.stt_ms for s in samples]),
        "transcript_to_answer_ms": spread([handle for _, handle in sent]),
        "stop_to_answer_ms": spread([stt + handle for stt, handle in sent]),
        "handled": sum(s.handled for s in samples),
        "empty_transcripts": len(samples) - len(sent),
    }


def summarise_http(samples: Sequence[HttpSample]) -> dict[str, Any]:
    return {
        "last_chunk_to_response_ms": spread([s.total_ms for s in samples]),
        "stages_ms": {
            stage: spread([s.stages.get(stage, math.nan) for s in samples])
            for stage in ("decode", *STAGES)
        },
        "handled": sum(s.handled for s in samples),
    }


def _no_nan(value: Any) -> Any:
    """``value`` with NaN (no data) as ``None``, for strict JSON."""
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    return None if isinstance(value, float) and math.isnan(value) else value


def _verdict(stats: dict[str, float]) -> str:
    return f"p50 <= {TARGET_P50_MS:.0f}: {'met' if stats['p50'] <= TARGET_P50_MS else 'MISSED'}"


def print_table(report: dict[str, Any]) -> None:
    """The table of ``report`` (parts that were not run are left out)."""
    turns, wy, web, serve = (report.get(k) for k in ("in_process", "wyoming", "http", "serve"))
    rows: list[tuple[str, dict[str, float], str]] = []
    if turns:
        rows.append(("in process: end of audio -> stored", turns["total_ms"], "total"))
        rows += [(f"  {stage}", stats, "") for stage, stats in turns["stages_ms"].items()]
        rows.append(("  real-time factor (transcribe)", turns["rtf"], "rtf"))
    if wy:
        rows.append(("wyoming: audio-stop -> transcript", wy["stop_to_transcript_ms"], ""))
        rows.append(("wyoming: transcript -> handled", wy["transcript_to_answer_ms"], ""))
        rows.append(("wyoming: audio-stop -> handled", wy["stop_to_answer_ms"], "total"))
    if web:
        rows.append((
            "HTTP, audio streamed in real time (chunked audio/L16): last chunk sent -> "
            "response (turn stored)", web["last_chunk_to_response_ms"], "total",
        ))  # fmt: skip
        rows += [(f"  {stage}", stats, "") for stage, stats in web["stages_ms"].items()]
    width = max([34, *(len(label) for label, _, _ in rows)])
    print(f"{'path / stage (ms)':<{width}} {'n':>4} {'p50':>9} {'p95':>9} {'max':>9}  target")
    for label, st, kind in rows:
        digits, target = (3, "") if kind == "rtf" else (1, _verdict(st) if kind else "")
        print(f"{label:<{width}} {st['n']:>4} {st['p50']:>9.{digits}f} {st['p95']:>9.{digits}f} "
              f"{st['max']:>9.{digits}f}  {target}".rstrip())  # fmt: skip
    if turns:
        o, after = turns["outcomes"], turns["after_change_ms"]
        print(f"# in process: {o['understood']} understood, {o['wrong_action']} wrong actions, "
              f"{o['rejected']} rejected, {o['not_understood']} not understood; "
              f"{turns['shopping_list_changes']} shopping-list changes"
              + (f", the {after['n']} turns after them (grammar rebuilt) took p50 "
                 f"{after['p50']:.0f} ms" if after["n"] else ""))  # fmt: skip
    if web:
        print(f"# HTTP: {web['handled']} of {web['last_chunk_to_response_ms']['n']} understood "
              "and acted on; transcribe = after the last chunk (the rest was decoded while "
              "the body arrived)")  # fmt: skip
    if wy:
        print(f"# wyoming: {wy['handled']} handled, {wy['empty_transcripts']} empty transcripts "
              "(not sent back for handling)")  # fmt: skip
    if serve:
        rss = serve.get("vmrss_mb", math.inf)
        print(f"# confide serve: VmRSS {rss} MB, VmHWM {serve.get('vmhwm_mb')} MB after two "
              f"transcribe round trips (target <= {TARGET_RSS_MB:.0f} MB: "
              f"{'met' if rss <= TARGET_RSS_MB else 'MISSED'}); {serve['rss_at_ready_mb']} MB "
              f"when Wyoming first answered, {serve['ready_s']} s after start; first transcript "
              f"{serve['first_stt_ms']} ms, second {serve['second_stt_ms']} ms; "
              f"exit code {serve['exit_code']}")  # fmt: skip
        print(f"# confide serve after a shopping-list change: transcript "
              f"{serve['rebuild_stt_ms']} ms (grammar rebuilt), VmRSS "
              f"{serve.get('vmrss_after_change_mb')} MB, VmHWM "
              f"{serve.get('vmhwm_after_change_mb')} MB")  # fmt: skip
        print(f"# confide serve, two streams at once: slower transcript "
              f"{serve.get('concurrent_stt_ms')} ms, VmRSS "
              f"{serve.get('vmrss_after_concurrent_mb')} MB, VmHWM "
              f"{serve.get('vmhwm_after_concurrent_mb')} MB")  # fmt: skip
        if "dictation_ms" in serve:
            print(f"# confide serve, a free-text command (dictation pass): transcript "
                  f"{serve['dictation_ms']} ms, VmRSS {serve.get('dictation_vmrss')} MB after, "
                  f"VmHWM {serve.get('dictation_vmhwm')} MB")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=40, help="utterances (default: 40)")
    parser.add_argument("--voices", type=int, default=len(VOICES), help="use the first N voices")
    parser.add_argument("--json", action="store_true", help="print one JSON summary instead")
    parser.add_argument("--no-wyoming", action="store_true", help="skip the Wyoming part")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP streaming part")
    parser.add_argument("--no-serve", action="store_true", help="skip the confide serve part")
    parser.add_argument(
        "--enrolled",
        action="store_true",
        help="enroll every voice first (the household's adapted model and dictation pass)",
    )
    args = parser.parse_args(argv)
    begun = time.perf_counter()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    report: dict[str, Any] = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "python": platform.python_version(),
        },
        "load_average_at_start": [round(x, 2) for x in load],
    }
    utterances = pick_utterances(args.count, args.voices)
    if len(utterances) < args.count:
        print(f"# only {len(utterances)} clips of 2.5-3.5 s were found", file=sys.stderr)
    report["utterances"] = {
        "n": len(utterances),
        "mean_audio_s": round(sum(u.seconds for u in utterances) / len(utterances), 2),
        "voices": sorted({u.voice.label for u in utterances}),
        "intents": len({u.sentence.intent for u in utterances}),
    }
    with tempfile.TemporaryDirectory(prefix="confide-bench-voice-") as tmp:
        vault, assistant = open_home(Path(tmp) / "home")
        if args.enrolled:
            enroll_voices(vault, assistant.household_id, VOICES[: args.voices], Path(tmp))
            assistant.refresh_voice_model(force=True)
        try:
            assistant.recognizer.warm_up()  # as serve does at start-up
            report["in_process"] = summarise_turns(measure_turns(assistant, utterances))
            if not args.no_wyoming:
                wyoming = asyncio.run(measure_wyoming(assistant, utterances))
                report["wyoming"] = summarise_wyoming(wyoming)
            if not args.no_http:
                report["http"] = summarise_http(measure_http(vault, assistant, utterances))
        finally:
            vault.close()
    if not args.no_serve:
        free = None
        if args.enrolled:
            with tempfile.TemporaryDirectory(prefix="confide-bench-free-") as tmp:
                free = synthesise(FREE_TEXT, VOICES[0], Path(tmp))
        report["serve"] = measure_serve(
            utterances[0].samples,
            enrolled=VOICES[: args.voices] if args.enrolled else (),
            free_text=free,
        )
    report["run_s"] = round(time.perf_counter() - begun, 1)
    if args.json:
        print(json.dumps(_no_nan(report), indent=2, allow_nan=False))
        return
    m, u = report["machine"], report["utterances"]
    print(f"# voice turns, end of audio -> action stored; {report['date']}; {m['platform']}, "
          f"nproc {m['nproc']}, Python {m['python']}; load average "
          f"{' '.join(f'{x:.2f}' for x in load)} at start")  # fmt: skip
    print(f"# {u['n']} commands of 2.5-3.5 s (mean {u['mean_audio_s']} s, {u['intents']} "
          f"intents, voices {', '.join(u['voices'])}); whole utterance available at end of "
          f"audio (batch decode); run took {report['run_s']} s")  # fmt: skip
    print_table(report)


if __name__ == "__main__":
    main()
