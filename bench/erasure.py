"""Erasure speed: one turn erased and verified, and a member with 100,000 turns erased entirely.

1. *One turn*: turns made by the real assistant (text path) in a vault that already holds
   ``--background`` other turns; each is forgotten (acknowledged, erased, blobs, WAL, receipt
   sealed) and its receipt verified; p50/p95 over ``--samples`` turns (target p50 <= 10 ms).
2. *A whole member*: ``--member-turns`` turns (default 100,000: the design target) are written
   straight into the tables - the rows a turn really leaves (a wrapped data key, the turn, four
   sealed artifacts of realistic sizes, an action record with its own key for one turn in
   three) - then
   ``forget --all --scope everything`` runs end to end (target <= 5 s) and the receipt is
   verified.

    python bench/erasure.py [--db postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from confide.assistant import Assistant
from confide.lifecycle import Selection, forget, verify_erasure
from confide.vault import Vault
from confide.vault.schema import action_records, artifacts, data_keys, turns

#: Plaintext sizes of a typical turn's artifacts (bytes), sealed adds a nonce and a tag.
ARTIFACT_SIZES = {"transcript": 40, "interpretation": 140, "actions": 180, "reply": 60}
SEALED_OVERHEAD = 28


def _schema(url: str | None) -> str | None:
    if url is None or not url.startswith("postgresql"):
        return None
    name = f"bench_{secrets.token_hex(6)}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    engine.dispose()
    return name


def _drop(url: str | None, schema: str | None) -> None:
    if schema is None or url is None:
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def one_turn(home: Path, url: str | None, samples: int, background: int) -> dict[str, float]:
    schema = _schema(url)
    vault = Vault.open(home, url=url, schema=schema)
    try:
        household = vault.create_household("Bench")
        owner = vault.add_member(household.id, "Ada", role="owner")
        assistant = Assistant(vault, household.id)
        texts = ("add milk to the shopping list", "set a timer for 7 minutes", "what time is it")
        for i in range(background):
            assistant.ask(texts[i % 3])
        erase_ms, verify_ms, total_ms = [], [], []
        for i in range(samples):
            out = assistant.ask(texts[i % 3])
            started = time.perf_counter()
            receipt = forget(
                vault, household.id, Selection("turn", turn_id=out.turn_id), actor="bench"
            )
            mid = time.perf_counter()
            if not verify_erasure(vault, household.id, receipt.id).ok:
                raise SystemExit(f"receipt {receipt.id} did not verify")
            done = time.perf_counter()
            erase_ms.append((mid - started) * 1000)
            verify_ms.append((done - mid) * 1000)
            total_ms.append((done - started) * 1000)
        del owner
    finally:
        vault.close()
        _drop(url, schema)
    return {
        "erase p50": statistics.median(erase_ms),
        "erase p95": percentile(erase_ms, 0.95),
        "verify p50": statistics.median(verify_ms),
        "erase+verify p50": statistics.median(total_ms),
        "erase+verify p95": percentile(total_ms, 0.95),
    }


def _fill(vault: Vault, household_id: str, member_id: str, count: int, tag: str) -> None:
    """``count`` turns of one member, written as the rows a turn leaves (sealed sizes)."""
    now = vault.now() - count
    chunk = 5000
    for start in range(0, count, chunk):
        keys, turn_rows, arts, recs = [], [], [], []
        for n in range(start, min(count, start + chunk)):
            turn_id = f"turn_{tag}{n:019d}"
            at = now + n
            keys.append(
                {
                    "id": f"key_{turn_id}",
                    "household_id": household_id,
                    "kind": "turn",
                    "wrapped": os.urandom(60),
                    "created_at": at,
                }
            )
            turn_rows.append(
                {
                    "id": turn_id,
                    "household_id": household_id,
                    "member_id": member_id,
                    "device_id": None,
                    "source": "text",
                    "key_id": f"key_{turn_id}",
                    "created_at": at,
                }
            )
            for k, (kind, size) in enumerate(ARTIFACT_SIZES.items()):
                arts.append(
                    {
                        "id": f"art_{tag}{n:018d}{k}",
                        "turn_id": turn_id,
                        "kind": kind,
                        "store": "db",
                        "size": size,
                        "created_at": at,
                        "expires_at": None,
                        "ciphertext": os.urandom(size + SEALED_OVERHEAD),
                    }
                )
            if n % 3 == 0:
                keys.append(
                    {
                        "id": f"key_rec_{tag}{n:019d}",
                        "household_id": household_id,
                        "kind": "record",
                        "wrapped": os.urandom(60),
                        "created_at": at,
                    }
                )
                recs.append(
                    {
                        "id": f"rec_{tag}{n:019d}",
                        "household_id": household_id,
                        "member_id": member_id,
                        "audience_member_id": None,
                        "kind": "shopping_item",
                        "status": "active",
                        "origin_turn_id": turn_id,
                        "created_at": at,
                        "updated_at": at,
                        "version": 0,
                        "ciphertext": os.urandom(80),
                        "key_id": f"key_rec_{tag}{n:019d}",
                    }
                )
        with vault.engine.begin() as conn:
            conn.execute(data_keys.insert(), keys)
            conn.execute(turns.insert(), turn_rows)
            conn.execute(artifacts.insert(), arts)
            conn.execute(action_records.insert(), recs)


def whole_member(home: Path, url: str | None, count: int) -> dict[str, float]:
    schema = _schema(url)
    vault = Vault.open(home, url=url, schema=schema)
    try:
        household = vault.create_household("Bench")
        owner = vault.add_member(household.id, "Ada", role="owner")
        other = vault.add_member(household.id, "Ben")
        started = time.perf_counter()
        _fill(vault, household.id, owner.id, count, "a")
        _fill(vault, household.id, other.id, 1000, "b")  # someone else's turns stay
        filled = time.perf_counter() - started
        started = time.perf_counter()
        receipt = forget(
            vault, household.id, Selection("all", owner.id), scope="everything", actor="bench"
        )
        erased = time.perf_counter() - started
        started = time.perf_counter()
        verdict = verify_erasure(vault, household.id, receipt.id)
        verified = time.perf_counter() - started
        if not verdict.ok or len(receipt.turns) != count:
            raise SystemExit(f"whole-member erasure wrong: {verdict.problems[:3]}")
    finally:
        vault.close()
        _drop(url, schema)
    return {"fill s": filled, "erase s": erased, "verify s": verified, "turns": count}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary home)")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--background", type=int, default=1000)
    parser.add_argument("--member-turns", type=int, default=100_000)
    args = parser.parse_args()
    backend = "PostgreSQL" if args.db else "SQLite"
    with tempfile.TemporaryDirectory() as tmp:
        single = one_turn(Path(tmp) / "one", args.db, args.samples, args.background)
        member = whole_member(Path(tmp) / "all", args.db, args.member_turns)
    print(f"Erasure on {backend}, {date.today()}, {platform.machine()}, {os.cpu_count()} cores")
    print(f"{'measure':<40} {'value':>10}   target")
    for name, value in single.items():
        target = "<= 10 ms" if name == "erase+verify p50" else ""
        print(f"{'one turn: ' + name + ' (ms)':<40} {value:>10.2f}   {target}")
    print(f"{'member turns erased':<40} {member['turns']:>10}")
    print(f"{'whole member: erase, end to end (s)':<40} {member['erase s']:>10.2f}   <= 5 s")
    print(f"{'whole member: verify the receipt (s)':<40} {member['verify s']:>10.2f}")
    print(f"{'(writing the fixture took, s)':<40} {member['fill s']:>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
