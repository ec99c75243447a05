"""Residue of interrupted writes is removed when a home is opened; a forgotten turn says so."""

from __future__ import annotations

import os
import time

import pytest

from confide.assistant import Assistant
from confide.lifecycle import Selection, forget
from confide.lifecycle.residue import remove_residue
from confide.vault import NotFoundError, find_orphans, lineage


def _age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_unreferenced_old_blobs_and_temp_files_go_young_and_referenced_ones_stay(vault, household):
    with vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "voice")
        kept = session.put_artifact(turn, "audio", os.urandom(20_000))
    vault.blobs.put("art_left_by_a_crash", os.urandom(20_000))
    vault.blobs.put("art_being_written", os.urandom(20_000))
    stray = vault.blobs.path_for("art_left_by_a_crash").parent / ".tmp-abc.blob"
    stray.write_bytes(b"half")
    for path in (stray, vault.blobs.path_for("art_left_by_a_crash"), vault.blobs.path_for(kept.id)):
        _age(path, 3600)
    assert {o.id for o in find_orphans(vault)} >= {"art_left_by_a_crash", "art_being_written"}

    assert remove_residue(vault) == 2
    assert not stray.exists()
    assert not vault.blobs.exists("art_left_by_a_crash")
    assert vault.blobs.exists("art_being_written")  # may belong to a turn still committing
    assert vault.blobs.exists(kept.id)
    _age(vault.blobs.path_for("art_being_written"), 3600)
    assert remove_residue(vault) == 1
    assert find_orphans(vault) == []


def test_a_forgotten_turn_says_when_and_where_its_receipt_is(vault, household):
    out = Assistant(vault, household.id).ask("what time is it")
    receipt = forget(vault, household.id, Selection("turn", turn_id=out.turn_id), actor="t")
    with pytest.raises(NotFoundError) as err:
        lineage(vault, household.id, out.turn_id)
    assert err.value.code == "forgotten"
    assert receipt.id in err.value.message and "was forgotten on" in err.value.message
    with pytest.raises(NotFoundError) as unknown:
        lineage(vault, household.id, "turn_never")
    assert unknown.value.code == "not_found"
