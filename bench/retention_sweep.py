"""Benchmark: a retention sweep over a vault of 1,000,000 artifacts (a real SQLite file).

The vault is what a busy household's looks like after the sweeper was down for a while
(``--down-days``, default 7): everything whose expiry passed *before* that is already gone, as
a running sweeper leaves it, and what expired since is due.  Three members: Ada keeps her
requests 18 months and her recordings 3 months, Ben (adult) and Cleo (child) keep requests 3
months and no audio.  Rows are written directly with SQLAlchemy Core ``executemany``: turns with
their data keys (60-byte wrapped keys), 3-4 sealed artifacts each (random bytes of realistic
sealed sizes, ~70-170 bytes), Ada's recent recordings as blob files (512 bytes each - the
unlink cost does not depend on the size), and action records (a quarter of the turns that
acted; about two thirds of them finished or cancelled).

Timed, on a fresh copy of the vault each repetition:

* **backlog**: the first sweep after the downtime (what is due is erased, with receipts);
* **verify**: ``verify_erasure`` of that sweep's receipts;
* **steady state**: the clock moves 20 s between sweeps, as in ``serve``; sweeps that find
  nothing and sweeps that find something (an expired turn, a recording, a record) are timed
  apart;
* **shorten**: Ada's ``transcript_retention`` 18 -> 3 months (every one of her turns and
  artifacts rescheduled in one transaction), then the sweep that erases what that made due.

Usage::

    .venv/bin/python bench/retention_sweep.py [--artifacts 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import shutil
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from confide.clock import ManualClock
from confide.lifecycle import load_receipt, sweep, verify_erasure
from confide.vault import Vault
from confide.vault.erase import compact
from confide.vault.schema import action_records, artifacts, data_keys, turns
from confide.vault.settings import MONTHS, audio_expiry, earliest, months_before, turn_expiry

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KINDS = (("transcript", 70), ("interpretation", 130), ("reply", 80))
ACTIONS_SIZE = 170
RECORD_KINDS = ("alarm", "timer", "reminder", "shopping_item", "calendar_event")
CHUNK = 20_000
BLOB_BYTES = 512


@dataclass
class Built:
    household_id: str
    counts: dict[str, int] = field(default_factory=dict)
    build_s: float = 0.0


def sealed(size: int, rng: random.Random) -> bytes:
    return os.urandom(max(28, size + rng.randint(-20, 20)))


def spread(n: int, start: float, end: float, rng: random.Random) -> list[float]:
    """``n`` times evenly over ``[start, end)``, jittered by a minute."""
    step = (end - start) / n
    return [start + i * step + rng.uniform(0, min(step, 60.0)) for i in range(n)]


def insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start : start + CHUNK])


def build(home: Path, total: int, down_days: float, seed: int) -> Built:
    started = time.perf_counter()
    rng = random.Random(seed)
    vault = Vault.open(home, clock=ManualClock(NOW))
    try:
        household = vault.create_household("Bench Home")
        hh = household.id
        (home / "household").write_text(hh + "\n")
        ada = vault.add_member(hh, "Ada", role="owner")
        ben = vault.add_member(hh, "Ben", role="adult")
        cleo = vault.add_member(hh, "Cleo", role="child")
        vault.set_member_setting(hh, "Ada", "transcript_retention", "18_months", actor="bench")
        vault.set_member_setting(hh, "Ada", "audio_retention", "3_months", actor="bench")

        now = NOW.timestamp()
        last = (NOW - timedelta(days=down_days)).timestamp()  # when the sweeper last ran
        last_dt = datetime.fromtimestamp(last, UTC)
        n_turns = total // 4
        n_ada = n_turns * 2 // 5
        plan = [
            (ada, "18_months", "3_months", n_ada),
            (ben, "3_months", "off", (n_turns - n_ada) * 3 // 5),
            (cleo, "3_months", "off", n_turns - n_ada - (n_turns - n_ada) * 3 // 5),
        ]
        made: list[tuple[str, str, float, float | None, float | None]] = []
        for member, keep, audio, count in plan:
            # what exists: turns whose expiry had not passed when the sweeper last ran
            first = months_before(last_dt, MONTHS[keep]).timestamp() + 1
            for at in spread(count, first, now, rng):
                expires = turn_expiry(keep, at)
                heard = earliest(audio_expiry(audio, at), expires) if audio != "off" else None
                if heard is not None and heard <= last:
                    heard = None  # that recording was already swept
                made.append((f"turn_{secrets.token_hex(10)}", member.id, at, expires, heard))
        recordings = sum(1 for m in made if m[4] is not None)
        acted = total - 3 * len(made) - recordings
        if not 0 <= acted <= len(made):
            raise SystemExit("cannot reach the artifact count with this shape")
        acting = set(rng.sample(range(len(made)), acted))

        key_rows, turn_rows, art_rows, rec_rows, blob_ids = [], [], [], [], []
        retention = {ada.id: "18_months", ben.id: "3_months", cleo.id: "3_months"}
        for index, (turn_id, member_id, at, expires, heard) in enumerate(made):
            key_id = f"key_{turn_id}"
            key_rows.append(
                {
                    "id": key_id,
                    "household_id": hh,
                    "kind": "turn",
                    "wrapped": os.urandom(60),
                    "created_at": at,
                }
            )
            turn_rows.append(
                {
                    "id": turn_id,
                    "household_id": hh,
                    "member_id": member_id,
                    "device_id": None,
                    "source": "voice" if heard is not None else "text",
                    "key_id": key_id,
                    "created_at": at,
                    "expires_at": expires,
                }
            )
            kinds = list(KINDS) + ([("actions", ACTIONS_SIZE)] if index in acting else [])
            for kind, size in kinds:
                data = sealed(size, rng)
                art_rows.append(
                    {
                        "id": f"art_{secrets.token_hex(10)}",
                        "turn_id": turn_id,
                        "kind": kind,
                        "store": "db",
                        "size": len(data) - 28,
                        "created_at": at,
                        "expires_at": expires,
                        "ciphertext": data,
                    }
                )
            if heard is not None:
                blob_id = f"art_{secrets.token_hex(10)}"
                blob_ids.append(blob_id)
                art_rows.append(
                    {
                        "id": blob_id,
                        "turn_id": turn_id,
                        "kind": "audio",
                        "store": "blob",
                        "size": 96_044,
                        "created_at": at,
                        "expires_at": heard,
                        "ciphertext": None,
                    }
                )
            if index in acting and rng.random() < 0.25:
                finished = rng.random() < 0.65
                updated = at + (rng.uniform(0, 3 * 86400) if finished else 0.0)
                months = MONTHS[retention[member_id]]
                cut = months_before(last_dt, months).timestamp()
                if finished and updated <= cut:
                    continue  # already removed by an earlier sweep
                rec_rows.append(
                    {
                        "id": f"rec_{secrets.token_hex(10)}",
                        "household_id": hh,
                        "member_id": member_id,
                        "audience_member_id": None,
                        "kind": rng.choice(RECORD_KINDS),
                        "status": rng.choice(("done", "cancelled")) if finished else "active",
                        "origin_turn_id": turn_id,
                        "created_at": at,
                        "updated_at": min(updated, now),
                        "version": 1 if finished else 0,
                        "ciphertext": sealed(150, rng),
                    }
                )
        with vault.engine.begin() as conn:
            insert(conn, data_keys, key_rows)
            insert(conn, turns, turn_rows)
            insert(conn, artifacts, art_rows)
            insert(conn, action_records, rec_rows)
        for blob_id in blob_ids:
            path = vault.blobs.path_for(blob_id)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.write_bytes(os.urandom(BLOB_BYTES))
        with vault.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        compact(vault)
        counts = {
            "turns": len(turn_rows),
            "artifacts": len(art_rows),
            "recordings": len(blob_ids),
            "records": len(rec_rows),
        }
        with vault.reading() as conn:
            counts["due turns"] = conn.execute(
                sa.select(sa.func.count()).where(turns.c.expires_at <= now)
            ).scalar_one()
            counts["due artifacts"] = conn.execute(
                sa.select(sa.func.count()).where(artifacts.c.expires_at <= now)
            ).scalar_one()
        return Built(hh, counts, time.perf_counter() - started)
    finally:
        vault.close()


@dataclass
class Run:
    backlog_s: float
    backlog: dict[str, int]
    verify_s: float
    idle_ms: list[float]
    interval_ms: list[float]
    interval_items: list[int]
    shorten_s: float
    shorten_sweep_s: float
    shorten_turns: int


def measure(home: Path, household_id: str) -> Run:
    clock = ManualClock(NOW)
    vault = Vault.open(home, clock=clock)
    try:
        started = time.perf_counter()
        result = sweep(vault, household_id)
        backlog_s = time.perf_counter() - started
        started = time.perf_counter()
        for receipt_id in result.receipts:
            checked = verify_erasure(vault, household_id, receipt_id)
            if not checked.ok:
                raise SystemExit(f"receipt {receipt_id} does not verify: {checked.problems[:3]}")
        verify_s = time.perf_counter() - started
        items = sum(len(load_receipt(vault, household_id, r).items()) for r in result.receipts)
        backlog = {
            "turns": result.turns,
            "recordings": result.recordings,
            "records": result.records,
            "kept": result.kept,
            "items": items,
            "receipts": len(result.receipts),
        }
        idle, interval, interval_items = [], [], []
        for _ in range(3):
            started = time.perf_counter()
            if sweep(vault, household_id).receipts:
                raise SystemExit("an idle sweep found something")
            idle.append((time.perf_counter() - started) * 1000)
        # the steady state: the clock moves 20 s between sweeps, as in serve
        for _ in range(400):
            if len(interval) >= 9:
                break
            clock.advance(timedelta(seconds=20))
            started = time.perf_counter()
            done = sweep(vault, household_id)
            took = (time.perf_counter() - started) * 1000
            if done.receipts:
                interval.append(took)
                interval_items.append(done.turns + done.recordings + done.records)
            else:
                idle.append(took)
        started = time.perf_counter()
        vault.set_member_setting(
            household_id, "Ada", "transcript_retention", "3_months", actor="bench"
        )
        shorten_s = time.perf_counter() - started
        started = time.perf_counter()
        shortened = sweep(vault, household_id)
        shorten_sweep_s = time.perf_counter() - started
        return Run(
            backlog_s,
            backlog,
            verify_s,
            idle,
            interval,
            interval_items,
            shorten_s,
            shorten_sweep_s,
            shortened.turns,
        )
    finally:
        vault.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--artifacts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--down-days", type=float, default=7.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="confide-retention-") as tmp:
        template = Path(tmp) / "template"
        built = build(template, args.artifacts, args.down_days, args.seed)
        size = (template / "confide.db").stat().st_size
        print(f"built in {built.build_s:.1f} s: {built.counts}; database {size / 1e6:.0f} MB")
        runs = []
        for n in range(args.repeat):
            work = Path(tmp) / f"run{n}"
            shutil.copytree(template, work)
            runs.append(measure(work, built.household_id))
            shutil.rmtree(work)

    def med(values: list[float]) -> float:
        return statistics.median(values)

    backlog = runs[0].backlog
    print()
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; "
        f"median of {len(runs)} run(s), each on a fresh copy"
    )
    print()
    print("| sweep | erased | time |")
    print("|---|---|---|")
    print(
        f"| backlog after {args.down_days:g} days down ({built.counts['artifacts']:,} artifacts, "
        f"{built.counts['records']:,} records held) | {backlog['turns']:,} turns, "
        f"{backlog['recordings']:,} recordings, {backlog['records']:,} records "
        f"({backlog['items']:,} receipt items, {backlog['kept']:,} records kept) | "
        f"{med([r.backlog_s for r in runs]):.2f} s |"
    )
    print(
        f"| verify-erasure of its {backlog['receipts']} receipts | - | "
        f"{med([r.verify_s for r in runs]):.2f} s |"
    )
    idle = [ms for r in runs for ms in r.idle_ms]
    print(
        f"| steady state, nothing due ({len(idle)} sweeps 20 s apart) | 0 | "
        f"{med(idle):.1f} ms p50, {max(idle):.1f} max |"
    )
    interval = [ms for r in runs for ms in r.interval_ms]
    found = [n for r in runs for n in r.interval_items]
    print(
        f"| steady state, something due ({len(interval)} sweeps) | "
        f"{min(found)}-{max(found)} items each | {med(interval):.1f} ms p50 |"
    )
    print(
        f"| Ada 18 -> 3 months: reschedule ({runs[0].shorten_turns:,} turns due) | - | "
        f"{med([r.shorten_s for r in runs]):.2f} s |"
    )
    print(
        f"| ... then the sweep | {runs[0].shorten_turns:,} turns | "
        f"{med([r.shorten_sweep_s for r in runs]):.2f} s |"
    )


if __name__ == "__main__":
    main()
