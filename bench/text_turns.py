"""Benchmark: text turns through language -> skills -> vault, on SQLite and PostgreSQL.

Runs a realistic mix of household requests (varied phrasings and values, out-of-scope ones
included) through ``Assistant.ask`` and reports turns per second and the p50/p95 latency of
one turn.  Usage::

    .venv/bin/python bench/text_turns.py [--turns 3000] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from confide import runtime
from confide.assistant import Assistant
from confide.vault import Vault

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

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
    "call the dentist", "water the plants", "pick up the kids", "pay the rent",
    "buy a birthday card", "take the bins out", "book the car service",
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


def run(vault: Vault, workload: list[tuple[str, str]], warmup: int) -> dict[str, float]:
    household, _ = runtime.create_demo(vault)
    assistant = Assistant(vault, household.id)
    for text, member in workload[:warmup]:
        assistant.ask(text, member=member)
    latencies = []
    understood = 0
    started = time.perf_counter()
    for text, member in workload[warmup:]:
        t0 = time.perf_counter()
        outcome = assistant.ask(text, member=member)
        latencies.append(time.perf_counter() - t0)
        understood += outcome.intent is not None
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return {
        "turns": n,
        "per_second": n / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(n * 0.95) - 1] * 1000,
        "understood": understood / n,
    }


def bench_sqlite(workload: list[tuple[str, str]], warmup: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault.open(Path(tmp) / "home")
        try:
            return run(vault, workload, warmup)
        finally:
            vault.close()


def bench_postgres(workload: list[tuple[str, str]], warmup: int) -> dict[str, float]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            vault = Vault.open(Path(tmp) / "home", url=PG_URL, schema=schema)
            try:
                return run(vault, workload, warmup)
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
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    workload = sentences(args.turns + args.warmup, seed=2026)
    runners = {"sqlite": bench_sqlite, "postgres": bench_postgres}
    print(f"# text turns, {date.today()}, {platform.machine()} {platform.processor() or ''}")
    print(f"{'backend':<10} {'turns':>6} {'turns/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'understood':>11}")
    for name in args.backends.split(","):
        r = runners[name](workload, args.warmup)
        print(
            f"{name:<10} {r['turns']:>6} {r['per_second']:>9.0f} {r['p50_ms']:>8.2f} "
            f"{r['p95_ms']:>8.2f} {r['understood']:>10.0%}"
        )


if __name__ == "__main__":
    main()
