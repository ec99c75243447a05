"""Crash injection (invariant 6): 50 worker processes killed with SIGKILL at random points while
storing and deleting turns; after each, a restart must find every acknowledged deletion complete
and verified, no deleted turn readable and no stored turn lost or half-stored.

The harness is ``bench/crash_trials.py`` (run it with ``--trials 500`` for more).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import pytest

from crash_trials import run_trials, table

TRIALS = {"sqlite": 50, "postgres": 12}


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_kill_9_during_ingest_and_deletion_loses_nothing_and_resurrects_nothing(backend, request):
    url = None
    if backend == "postgres":
        admin = request.getfixturevalue("pg_admin")  # starts the server if it is not running
        url = admin.url.render_as_string(hide_password=False)
    count = TRIALS[backend]
    trials = run_trials(count, url=url)  # in a temporary directory of its own, then removed
    report = table(trials)
    print(report)
    assert len(trials) == count
    assert not any(t.problems for t in trials), report
    # the kills really interrupted work: most trials died before the worker finished, and
    # between them they saw deletions acknowledged and turns stored
    assert sum(not t.finished for t in trials) >= count // 2, report
    assert sum(t.acked for t in trials) > count
    assert sum(t.stored for t in trials) > count
