"""Benchmark: text turns through language -> skills -> vault, on SQLite and PostgreSQL.

Runs a realistic mix of household requests (varied phrasings and values, out-of-scope ones
included) through ``Assistant.ask`` and reports turns per second and the p50/p95 latency of
one turn.  Usage::

    .venv/bin/python bench/text_turns.py [--turns 3000] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from confide import runtime
from confide.assistant import Assistant
from confide.clock import ManualClock
from confide.vault import Vault

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START = datetime(2026, 11, 23, 6, 0).astimezone()  # a Monday morning, local time
SECONDS_PER_TURN = 20

TEMPLATES = [
    "set an alarm for {hour} {minute_words}",
    "wake me up at {hour} {ampm}",
    "wake me up tomorrow at half past {hour}",
    "cancel my alarm",
    "what alarms do I have",
    "start a {n} minute timer",
    "set a timer for {n} seconds",
    "how much time is left on my timer",
    "cancel the timer",
    "put {item} on the shopping list",
    "add {item} to my shopping list",
    "take {item} off the shopping list",
    "what's on the shopping list",
    "remind me to {task} at {hour} {ampm}",
    "remind me in {n} minutes to {task}",
    "add {task} to my calendar on {day} at {hour} {ampm}",
    "what's on my calendar tomorrow",
    "tell {who} {task}",
    "send a message to {who} saying {task}",
    "what time is it",
    "what's the date today",
    "what do you keep about me",
    "turn on the living room lights",
    "play some jazz",
    "what's the weather like",
]
HOURS = ["six", "seven", "eight", "nine", "ten", "eleven", "five", "four"]
MINUTES = ["fifteen", "thirty", "forty five", "o'clock", "oh five", "twenty"]
ITEMS = ["eggs", "milk", "bread", "apples", "coffee", "rice", "butter", "cheese", "tomatoes"]
TASKS = [
    "call the dentist",
    "water the plants",
    "pick up the kids",
    "pay the rent",
    "buy a birthday card",
    "take the bins out",
    "book the car service",
]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def sentences(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text = rng.choice(TEMPLATES).format(
            hour=rng.choice(HOURS),
            minute_words=rng.choice(MINUTES),
            ampm=rng.choice(["am", "pm"]),
            n=rng.choice(["two", "five", "ten", "fifteen", "twenty", "thirty"]),
            item=rng.choice(ITEMS),
            task=rng.choice(TASKS),
            day=rng.choice(DAYS),
            who=rng.choice(["Bob", "Alex", "Grandma"]),
        )
        out.append((text, rng.choice(["Alex", "Bob", "Sam"])))
    return out


def run(
    vault: Vault, clock: ManualClock, workload: list[tuple[str, str]], warmup: int
) -> dict[str, float]:
    """Turns one after another while the household's clock moves on.

    Every turn advances the clock by ``SECONDS_PER_TURN`` and due timers, alarms and reminders
    fire once per simulated minute, so the vault holds what a busy household would hold instead
    of piling up records that never go off.  ``serve`` fires once per wall-clock second in the
    background (one sweep per ~500 turns at the target rate); here a sweep runs every 3 turns,
    so sweeps are timed and reported on their own rather than charged to the turns.
    """
    household, _ = runtime.create_demo(vault)
    assistant = Assistant(vault, household.id)
    assistant.recognizer.warm_up()  # as `confide serve` does at start-up
    latencies: list[float] = []
    sweeps: list[float] = []
    understood = 0
    for index, (text, member) in enumerate(workload):
        t0 = time.perf_counter()
        outcome = assistant.ask(text, member=member)
        if index >= warmup:
            latencies.append(time.perf_counter() - t0)
            understood += outcome.intent is not None
        clock.advance(timedelta(seconds=SECONDS_PER_TURN))
        if index % (60 // SECONDS_PER_TURN) == 0:
            t0 = time.perf_counter()
            assistant.fire_due()
            sweeps.append(time.perf_counter() - t0)
    elapsed = sum(latencies)
    latencies.sort()
    n = len(latencies)
    return {
        "turns": n,
        "per_second": n / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(n * 0.95) - 1] * 1000,
        "understood": understood / n,
        "sweep_ms": statistics.median(sweeps) * 1000,
    }


def bench_sqlite(workload: list[tuple[str, str]], warmup: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(START)
        vault = Vault.open(Path(tmp) / "home", clock=clock)
        try:
            return run(vault, clock, workload, warmup)
        finally:
            vault.close()


def bench_postgres(workload: list[tuple[str, str]], warmup: int) -> dict[str, float]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            clock = ManualClock(START)
            vault = Vault.open(Path(tmp) / "home", url=PG_URL, schema=schema, clock=clock)
            try:
                return run(vault, clock, workload, warmup)
            finally:
                vault.close()
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="fresh vault each time")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    runners = {"sqlite": bench_sqlite, "postgres": bench_postgres}
    print(
        f"# text turns through language -> skills -> vault; {date.today()}; "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"# {args.turns} turns after {args.warmup} warm-up, median of {args.repeat} runs")
    header = ("backend", "turns/s", "p50 ms", "p95 ms", "understood", "sweep p50 ms")
    print(
        f"{header[0]:<10} {header[1]:>9} {header[2]:>8} {header[3]:>8} {header[4]:>11} "
        f"{header[5]:>13}"
    )
    for name in args.backends.split(","):
        results = [
            runners[name](sentences(args.turns + args.warmup, seed=2026 + i), args.warmup)
            for i in range(args.repeat)
        ]
        rate = statistics.median(r["per_second"] for r in results)
        p50 = statistics.median(r["p50_ms"] for r in results)
        p95 = statistics.median(r["p95_ms"] for r in results)
        understood = statistics.mean(r["understood"] for r in results)
        sweep = statistics.median(r["sweep_ms"] for r in results)
        print(f"{name:<10} {rate:>9.0f} {p50:>8.2f} {p95:>8.2f} {understood:>10.0%} {sweep:>13.2f}")


if __name__ == "__main__":
    main()
