"""Helpers of the vault tests: write a turn in one session, dump every database row as bytes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from confide.vault import ActionRecord, StoredItem, TurnHandle, Vault


@dataclass
class WrittenTurn:
    turn: TurnHandle
    artifacts: dict[str, StoredItem] = field(default_factory=dict)  # by kind
    records: list[ActionRecord] = field(default_factory=list)


WriteTurn = Callable[..., WrittenTurn]
DumpDb = Callable[[Vault], bytes]


def write_turn(
    vault: Vault,
    household_id: str,
    member_id: str,
    artifacts: Mapping[str, bytes] | None = None,
    records: Sequence[Mapping[str, Any]] = (),
    *,
    source: str = "text",
    device_id: str | None = None,
) -> WrittenTurn:
    """One turn with ``artifacts`` (kind -> plaintext) and ``records``, committed together.

    Each record is a mapping with ``kind``, ``payload`` and optionally ``member_id`` (default:
    the speaker) and ``audience_member_id``.
    """
    with vault.session(household_id) as session:
        turn = session.start_turn(member_id, source, device_id=device_id)
        written = WrittenTurn(turn)
        for kind, data in (artifacts or {}).items():
            written.artifacts[kind] = session.put_artifact(turn, kind, data)
        store = session.records(turn)
        for spec in records:
            written.records.append(
                store.create(
                    spec["kind"],
                    spec["payload"],
                    member_id=spec.get("member_id") or member_id,
                    audience_member_id=spec.get("audience_member_id"),
                )
            )
    return written


def dump_db(vault: Vault) -> bytes:
    """Every value of every row of every table the vault's connection sees, as bytes.

    Tables are found by reflection, so tables the vault does not know (a planted control) are
    dumped too.  On SQLite this complements the file scan; on PostgreSQL it is the scan.
    """
    parts: list[bytes] = []
    with vault.engine.connect() as conn:
        reflected = sa.MetaData()
        reflected.reflect(conn)
        for table in reflected.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        parts.append(bytes(value))
                    elif value is not None:
                        parts.append(str(value).encode())
    return b"\x00".join(parts)


@pytest.fixture
def turn_writer() -> WriteTurn:
    return write_turn


@pytest.fixture
def db_bytes() -> DumpDb:
    return dump_db
