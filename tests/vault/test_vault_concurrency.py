"""Two writers on PostgreSQL: an update applies only to the version of a record it read.

SQLite serialises writers (BEGIN IMMEDIATE), so the race exists only on PostgreSQL, where
several `serve` processes may share one database (DESIGN.md §7).
"""

from __future__ import annotations

import pytest

from confide.vault import ConflictError


@pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_cancel_and_a_firing_cannot_both_win(vault, household) -> None:
    with vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "text")
        timer = session.records(turn).create(
            "timer", {"duration_s": 60}, member_id=household.owner.id
        )
    # The sweep reads the timer as active...
    with pytest.raises(ConflictError) as caught, vault.session(household.id) as sweep:
        records = sweep.records(None)  # one store per sweep, as the scheduler uses it
        assert [r.id for r in records.list("timer")] == [timer.id]
        # ...while a turn elsewhere cancels it and commits first.
        with vault.session(household.id) as cancel:
            cancel.records(None).update(timer.id, status="cancelled")
        records.update(timer.id, status="done")
    assert caught.value.code == "concurrent_update"
    with vault.read_records(household.id) as records:
        assert records.get(timer.id).status == "cancelled"


@pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_the_store_that_read_a_record_detects_a_later_change(vault, household) -> None:
    with vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "text")
        alarm = session.records(turn).create(
            "alarm", {"time": "07:00"}, member_id=household.owner.id
        )
    with pytest.raises(ConflictError), vault.session(household.id) as first:
        records = first.records(None)
        records.get(alarm.id)
        with vault.session(household.id) as second:
            second.records(None).update(alarm.id, payload={"time": "08:00"})
        records.update(alarm.id, status="cancelled")
    with vault.read_records(household.id) as records:
        kept = records.get(alarm.id)
    assert (kept.status, dict(kept.payload)) == ("active", {"time": "08:00"})


def test_sequential_updates_in_one_store_all_apply(vault, household) -> None:
    with vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "text")
        records = session.records(turn)
        timer = records.create("timer", {"duration_s": 60}, member_id=household.owner.id)
        records.update(timer.id, payload={"duration_s": 90})
        records.update(timer.id, status="done")
        assert records.get(timer.id).status == "done"
