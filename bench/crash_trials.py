"""Crash injection: ``kill -9`` a Confide process at random points while it stores turns and
deletes them, then check what a restart finds.

Each trial copies a seeded home (a household; Ben with SEED_TURNS turns), starts a worker
process that (1) forgets all of Ben's turns in small batches, then (2) runs text turns,
forgetting every third one's predecessor as it goes, printing a line after each turn is stored
(``STORED``) and after each deletion is acknowledged (``ACK``).  The parent kills the worker with
SIGKILL after a random delay, opens the vault again (which resumes acknowledged deletions, as
every ``confide`` command does) and checks:

* every deletion in the database is done and its receipt verifies (``verify_erasure``), and
  every turn an ``ACK`` named is gone (no row, no key, no artifact);
* every turn the worker reported ``STORED`` is still there, whole and readable, unless a
  receipt names it (its deletion was committed, perhaps just before the kill);
* no turn is half-stored, nothing is orphaned, and SQLite's integrity check passes.

    python bench/crash_trials.py --trials 500      # prints a table
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

SEED_TURNS = 30
WORK_TURNS = 80
ITEMS = [
    "apples",
    "bread",
    "butter",
    "carrots",
    "cheese",
    "coffee",
    "eggs",
    "flour",
    "grapes",
    "honey",
    "jam",
    "lemons",
    "milk",
    "noodles",
    "oats",
    "pasta",
    "pears",
    "rice",
    "salt",
    "sugar",
    "tea",
    "tomatoes",
    "yoghurt",
]


@dataclass(frozen=True)
class Database:
    """Where the vault lives: SQLite in the home (``url`` None) or a PostgreSQL schema."""

    url: str | None = None
    schema: str | None = None

    def args(self) -> list[str]:
        return [] if self.url is None else [self.url, self.schema or ""]


_DB = Database()


def _open(home: Path):
    from confide.vault import Vault

    return Vault.open(home, url=_DB.url, schema=_DB.schema)


def seed(home: Path) -> str:
    """A home with a household (Ada, Ben) and SEED_TURNS turns of Ben's; returns its id."""
    from confide.assistant import Assistant

    vault = _open(home)
    try:
        household = vault.create_household("Crash test home")
        vault.add_member(household.id, "Ada", role="owner")
        vault.add_member(household.id, "Ben")
        assistant = Assistant(vault, household.id)
        for i in range(SEED_TURNS):
            assistant.ask(f"add {ITEMS[i % len(ITEMS)]} to the shopping list", member="Ben")
    finally:
        vault.close()
    return household.id


def worker(home: Path, household_id: str) -> None:
    """The process that gets killed (see the module docstring)."""
    from confide.assistant import Assistant
    from confide.lifecycle import Selection, execute, request

    vault = _open(home)
    assistant = Assistant(vault, household_id)
    ben = vault.member(household_id, "Ben").id
    print("READY", flush=True)
    ack = request(vault, household_id, Selection("all", ben), actor="crash", scope="everything")
    print(f"ACK {ack.receipt_id} all:{ben}", flush=True)
    execute(vault, ack.receipt_id, batch=3)
    stored: list[str] = []
    for i in range(WORK_TURNS):
        text = f"add {ITEMS[i % len(ITEMS)]} to the shopping list"
        out = assistant.ask(text)
        stored.append(out.turn_id)
        print(f"STORED {out.turn_id} {json.dumps(text)}", flush=True)
        if i % 3 == 2:
            target = stored[-2]
            ack = request(vault, household_id, Selection("turn", turn_id=target), actor="crash")
            print(f"ACK {ack.receipt_id} {target}", flush=True)
            execute(vault, ack.receipt_id)
    print("FINISHED", flush=True)


@dataclass
class Trial:
    delay_ms: float
    acked: int = 0
    stored: int = 0
    finished: bool = False
    problems: list[str] = field(default_factory=list)


def _check(home: Path, household_id: str, lines: list[str], trial: Trial) -> None:
    from confide.lifecycle import list_receipts, verify_erasure
    from confide.runtime import finish_deletions
    from confide.vault import find_orphans, lineage, read_artifact
    from confide.vault.schema import artifacts, turns

    acked: dict[str, str] = {}
    stored: dict[str, str] = {}
    for line in lines:
        word, _, rest = line.partition(" ")
        if word == "ACK":
            receipt_id, target = rest.split(" ", 1)
            acked[receipt_id] = target
        elif word == "STORED":
            turn_id, text = rest.split(" ", 1)
            stored[turn_id] = json.loads(text)
    trial.acked, trial.stored = len(acked), len(stored)
    trial.finished = "FINISHED" in lines
    vault = _open(home)
    try:
        finish_deletions(vault, residue=True)
        receipts = {r.id: r for r in list_receipts(vault, household_id)}
        named = {t.turn_id for r in receipts.values() for t in r.turns}
        for receipt_id in acked:
            if receipt_id not in receipts:
                trial.problems.append(f"acknowledged deletion {receipt_id} is missing")
        for receipt in receipts.values():
            result = verify_erasure(vault, household_id, receipt.id)
            if not result.ok:
                trial.problems.append(f"{receipt.id} does not verify: {result.problems[:3]}")
        with vault.reading() as conn:
            present = set(conn.execute(sa.select(turns.c.id)).scalars())
            kinds: dict[str, set[str]] = {}
            for row in conn.execute(sa.select(artifacts.c.turn_id, artifacts.c.kind)):
                kinds.setdefault(row.turn_id, set()).add(row.kind)
            if vault.engine.dialect.name == "sqlite":
                check = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
                if check != "ok":
                    trial.problems.append(f"integrity_check: {check}")
        for turn_id in named & present:
            trial.problems.append(f"turn {turn_id} is named by a receipt but still there")
        for turn_id, text in stored.items():
            if turn_id in named:
                continue
            if turn_id not in present:
                trial.problems.append(f"stored turn {turn_id} was lost")
                continue
            found = lineage(vault, household_id, turn_id)
            transcript = next(a for a in found.artifacts if a.kind == "transcript")
            if read_artifact(vault, household_id, transcript.id).decode() != text:
                trial.problems.append(f"turn {turn_id} reads back wrong")
        for turn_id in present:
            if not {"transcript", "interpretation", "reply"} <= kinds.get(turn_id, set()):
                trial.problems.append(f"turn {turn_id} is half-stored: {kinds.get(turn_id)}")
        trial.problems.extend(f"orphan {o}" for o in find_orphans(vault))
    finally:
        vault.close()


def _pg_schema(url: str, drop: str | None = None) -> str:
    engine = sa.create_engine(url)
    name = drop or f"crash_{os.urandom(6).hex()}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE' if drop else f'CREATE SCHEMA "{name}"')
    engine.dispose()
    return name


def run_trial(seed_home: Path | None, household_id: str, work: Path, rng: random.Random) -> Trial:
    """One copy of the seeded home (on PostgreSQL: a freshly seeded schema), one worker killed
    after a random delay, one check."""
    global _DB  # noqa: PLW0603 - the harness runs one database at a time
    home = work / "home"
    if seed_home is None:
        assert _DB.url is not None
        _DB = Database(_DB.url, _pg_schema(_DB.url))
        household_id = seed(home)
    else:
        shutil.copytree(seed_home, home)
    # half the kills land early (during the batched deletion of Ben's turns), half anywhere
    # (PostgreSQL round trips make the same work take about three times as long)
    scale = 1 if _DB.url is None else 3
    trial = Trial(delay_ms=round(scale * rng.uniform(0, 60 if rng.random() < 0.5 else 450), 1))
    proc = subprocess.Popen(
        [sys.executable, __file__, "--worker", str(home), household_id, *_DB.args()],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    lines = []
    first = proc.stdout.readline().strip()
    if first != "READY":
        proc.kill()
        proc.communicate()
        trial.problems.append(f"worker did not start: {first!r}")
        return trial
    time.sleep(trial.delay_ms / 1000)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate()
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    _check(home, household_id, lines, trial)
    shutil.rmtree(work, ignore_errors=True)
    if _DB.url is not None and _DB.schema is not None:
        _pg_schema(_DB.url, drop=_DB.schema)
    return trial


def run_trials(
    count: int, *, seed_value: int = 20261201, folder: Path | None = None, url: str | None = None
) -> list[Trial]:
    """``count`` trials on SQLite, or on the PostgreSQL server at ``url`` (a schema each)."""
    global _DB  # noqa: PLW0603 - the harness runs one database at a time
    _DB = Database(url)
    rng = random.Random(seed_value)
    base = Path(tempfile.mkdtemp(prefix="confide-crash-", dir=folder))
    try:
        seed_home: Path | None = None
        household_id = ""
        if url is None:
            seed_home = base / "seed"
            household_id = seed(seed_home)
        return [run_trial(seed_home, household_id, base / f"trial-{i}", rng) for i in range(count)]
    finally:
        shutil.rmtree(base, ignore_errors=True)
        _DB = Database()


def table(trials: list[Trial]) -> str:
    killed = [t for t in trials if not t.finished]
    failed = [t for t in trials if t.problems]
    rows = [
        ("trials", len(trials)),
        ("killed before the end", len(killed)),
        ("acknowledged deletions seen", sum(t.acked for t in trials)),
        ("turns reported stored", sum(t.stored for t in trials)),
        ("trials with a problem", len(failed)),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value:>8}" for name, value in rows]
    lines.extend(f"  problem (delay {t.delay_ms} ms): {p}" for t in failed for p in t.problems)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--db", help="a PostgreSQL URL (default: SQLite in each home)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        global _DB  # noqa: PLW0603
        if len(args.worker) == 4:
            _DB = Database(args.worker[2], args.worker[3])
        worker(Path(args.worker[0]), args.worker[1])
        return 0
    started = time.perf_counter()
    trials = run_trials(args.trials, seed_value=args.seed, url=args.db)
    print(table(trials))
    print(f"({time.perf_counter() - started:.0f} s)")
    return 1 if any(t.problems for t in trials) else 0


if __name__ == "__main__":
    raise SystemExit(main())
