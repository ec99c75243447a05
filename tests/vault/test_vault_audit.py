"""The audit log: append-only, hash-chained, ids only."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from confide.vault import AuditEntry
from confide.vault.schema import audit_log

ACTIONS = [
    ("member:mem_a", "read_turn", ["turn_1"]),
    ("owner:mem_b", "export", ["mem_a", "turn_1", "turn_2"]),
    ("skill:weather", "disclosure", ["turn_3", "art_9"]),
    ("operator", "delete", []),
    ("reviewer:rv_1", "review", ["turn_4"]),
]


@pytest.fixture
def logged(vault, household, clock):
    entries = []
    for actor, action, targets in ACTIONS:
        clock.advance(timedelta(seconds=1))
        entries.append(vault.record_access(household.id, actor, action, targets))
    return entries


def _names_entry(problem: str | None, seq: int) -> bool:
    return problem is not None and re.search(rf"\b{seq}\b", problem) is not None


def _execute(vault, statement):
    with vault.engine.begin() as conn:
        assert conn.execute(statement).rowcount >= 1


def _where(household_id, seq):
    return (audit_log.c.household_id == household_id) & (audit_log.c.seq == seq)


def test_record_access_appends(vault, household, clock, logged):
    assert [e.seq for e in logged] == [1, 2, 3, 4, 5]
    assert all(isinstance(e, AuditEntry) for e in logged)
    assert logged[1].actor == "owner:mem_b"
    assert logged[1].action == "export"
    assert logged[1].targets == ("mem_a", "turn_1", "turn_2")
    assert logged[-1].at == clock.now().timestamp()
    assert len({e.mac for e in logged}) == 5
    assert vault.audit_entries(household.id) == logged
    assert vault.audit_entries(household.id, limit=2) == logged[:2]

    clock.advance(timedelta(seconds=1))
    sixth = vault.record_access(household.id, "operator", "backup", ["hh"])
    assert sixth.seq == 6
    assert vault.audit_entries(household.id)[-1] == sixth


def test_verify_clean_log(vault, household, logged):
    verdict = vault.verify_audit(household.id)
    assert verdict.ok
    assert verdict.entries == len(logged)
    assert verdict.problem is None


def test_verify_empty_log(vault, household):
    verdict = vault.verify_audit(household.id)
    assert (verdict.ok, verdict.entries) == (True, 0)


def test_verify_after_reopening(vault_factory, vault, household, logged):
    verdict = vault_factory().verify_audit(household.id)
    assert (verdict.ok, verdict.entries) == (True, len(logged))


def test_chains_are_per_household(vault, household, logged):
    other = vault.create_household("Neighbours")
    first = vault.record_access(other.id, "operator", "export", ["mem_x"])
    assert first.seq == 1
    assert vault.verify_audit(other.id).ok
    assert vault.verify_audit(household.id).entries == len(logged)
    # Breaking one household's chain leaves the other's intact.
    _execute(vault, audit_log.update().where(_where(household.id, 2)).values(actor="x"))
    assert not vault.verify_audit(household.id).ok
    assert vault.verify_audit(other.id).ok


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "member:mem_z"),
        ("action", "read_turn"),
        ("targets", json.dumps(["mem_a"])),
        ("at", 0.0),
        ("mac", "0" * 64),
    ],
)
def test_edited_entry_detected(vault, household, logged, column, value):
    _execute(vault, audit_log.update().where(_where(household.id, 3)).values({column: value}))
    verdict = vault.verify_audit(household.id)
    assert not verdict.ok
    assert _names_entry(verdict.problem, 3), verdict.problem
    assert verdict.entries == 2  # the entries before the edit still verify


def test_edited_entry_with_recomputed_chain_fields_detected(vault, household, logged):
    """An editor who also copies a valid mac/prev_mac from elsewhere still cannot forge it."""
    _execute(
        vault,
        audit_log.update()
        .where(_where(household.id, 4))
        .values(actor=logged[2].actor, action=logged[2].action, mac=logged[2].mac),
    )
    verdict = vault.verify_audit(household.id)
    assert not verdict.ok
    assert _names_entry(verdict.problem, 4), verdict.problem


def test_removed_middle_entry_detected(vault, household, logged):
    _execute(vault, audit_log.delete().where(_where(household.id, 3)))
    verdict = vault.verify_audit(household.id)
    assert not verdict.ok
    assert _names_entry(verdict.problem, 3), verdict.problem


def test_removed_first_entry_detected(vault, household, logged):
    _execute(vault, audit_log.delete().where(_where(household.id, 1)))
    verdict = vault.verify_audit(household.id)
    assert not verdict.ok
    assert _names_entry(verdict.problem, 1), verdict.problem


def test_reordered_entries_detected(vault, household, logged):
    # Swap the sequence numbers of entries 2 and 3 (through a free number: (household, seq) is
    # the primary key).
    for old, new in ((2, 1000), (3, 2), (1000, 3)):
        _execute(vault, audit_log.update().where(_where(household.id, old)).values(seq=new))
    assert [e.action for e in vault.audit_entries(household.id)][1:3] == ["disclosure", "export"]
    verdict = vault.verify_audit(household.id)
    assert not verdict.ok
    assert _names_entry(verdict.problem, 2), verdict.problem


@pytest.mark.parametrize("removed", [1, 2, 5])
def test_removed_last_entries_detected(vault, household, logged, removed):
    first_removed = len(logged) - removed + 1
    _execute(
        vault,
        audit_log.delete().where(
            (audit_log.c.household_id == household.id) & (audit_log.c.seq >= first_removed)
        ),
    )
    assert len(vault.audit_entries(household.id)) == len(logged) - removed
    verdict = vault.verify_audit(household.id)
    assert not verdict.ok
    assert _names_entry(verdict.problem, first_removed), verdict.problem


def test_removed_last_entries_detected_by_a_fresh_instance(vault_factory, vault, household, logged):
    _execute(vault, audit_log.delete().where(audit_log.c.seq == len(logged)))
    verdict = vault_factory().verify_audit(household.id)
    assert not verdict.ok
    assert _names_entry(verdict.problem, len(logged)), verdict.problem


def test_entries_hold_ids_only(vault, household, turn_writer, db_bytes):
    written = turn_writer(
        vault,
        household.id,
        household.child.id,
        {"transcript": b"tell grandma the Periwinkle secret"},
        records=[{"kind": "message", "payload": {"body": "Periwinkle secret"}}],
    )
    targets = [written.turn.id, written.artifacts["transcript"].id, written.records[0].id]
    entry = vault.record_access(household.id, f"owner:{household.owner.id}", "read_turn", targets)

    with vault.engine.connect() as conn:
        row = conn.execute(sa.select(audit_log)).one()
    assert json.loads(row.targets) == targets
    assert entry.targets == tuple(targets)
    stored = b"|".join(str(value).encode() for value in row)
    assert b"Periwinkle" not in stored
    assert b"grandma" not in stored
    assert row.actor == f"owner:{household.owner.id}"
    assert row.action == "read_turn"
    assert b"Periwinkle" not in db_bytes(vault)
