"""bench/voice_latency.py on three utterances: in process, over Wyoming and ``confide serve``.

Slow-ish (a grammar build and one ``serve`` start-up), but it keeps the benchmark working.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

import confide.wyoming  # noqa: F401  (first: imports wyoming.audio without its warning)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from speech_corpus import LISTS, missing_tools
from voice_latency import (
    STAGES,
    measure_http,
    measure_serve,
    measure_turns,
    measure_wyoming,
    memory_mb,
    open_home,
    percentile,
    pick_utterances,
    print_table,
    summarise_http,
    summarise_turns,
    summarise_wyoming,
)

pytestmark = pytest.mark.skipif(
    bool(missing_tools()), reason="espeak-ng and sox (Debian packages) are not installed"
)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0
    assert percentile([], 0.5) != percentile([], 0.5)  # NaN


def test_memory_of_this_process() -> None:
    found = memory_mb(os.getpid())
    assert 0 < found["VmRSS"] <= found["VmHWM"]


def test_three_utterances_in_process_over_wyoming_and_serve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pocketsphinx")
    utterances = pick_utterances(3, 1)
    assert len(utterances) == 3
    assert all(2.5 <= u.seconds <= 3.5 and u.sentence.in_scope for u in utterances)
    vault, assistant = open_home(tmp_path / "home")
    try:
        assert sorted(assistant.household_lists().shopping_items) == sorted(LISTS.shopping_items)
        turns = measure_turns(assistant, utterances)
        wyoming = asyncio.run(measure_wyoming(assistant, utterances))
        streamed = measure_http(vault, assistant, utterances)
    finally:
        vault.close()
    assert len(turns) == len(wyoming) == len(streamed) == 3
    for sample in streamed:  # the stages of a live upload, transcribe after the last chunk
        assert list(sample.stages) == ["decode", *STAGES]
        assert sample.total_ms >= sum(sample.stages.values()) * 0.99
    for turn in turns:
        assert set(STAGES) <= set(turn.stages)
        assert turn.total_ms >= sum(turn.stages[s] for s in STAGES) * 0.99
    assert all(s.stt_ms > 0 for s in wyoming)
    serve = measure_serve(utterances[0].samples)
    assert serve["exit_code"] == 0
    assert 0 < serve["vmrss_mb"] <= serve["vmhwm_mb"]
    report = {
        "in_process": summarise_turns(turns),
        "wyoming": summarise_wyoming(wyoming),
        "http": summarise_http(streamed),
        "serve": serve,
    }
    assert sum(report["in_process"]["outcomes"].values()) == 3
    print_table(report)
    table = capsys.readouterr().out
    assert "in process: end of audio -> stored" in table
    assert "wyoming: audio-stop -> transcript" in table
    assert "HTTP, audio streamed in real time (chunked audio/L16): last chunk sent" in table
    assert "confide serve: VmRSS" in table
