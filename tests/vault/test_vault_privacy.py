"""No plaintext at rest: a byte scan of every file in the home directory (and every DB row).

The scanner itself is tested first with positive controls, so the scans below cannot pass
because they looked nowhere.
"""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
import sqlalchemy as sa

from confide.vault import read_artifact

LIMIT = 16 * 1024


# -- the scanner -----------------------------------------------------------------------------
def test_scan_finds_a_marker_in_any_file(tmp_path, scan_home):
    home = tmp_path / "home"
    deep = home / ".hidden" / "deeper"
    deep.mkdir(parents=True)
    target = deep / "log.txt"
    target.write_bytes(os.urandom(5000) + b"MARKER-ONE" + os.urandom(10))
    (home / "empty").write_bytes(b"")
    (home / "other.bin").write_bytes(os.urandom(3000))

    found = scan_home(home, [b"MARKER-ONE", b"ABSENT-NEEDLE"])

    assert found == {b"MARKER-ONE": [target], b"ABSENT-NEEDLE": []}


@pytest.mark.parametrize("chunk_size", [1, 2, 7, 16, 1 << 20])
def test_scan_finds_needles_spanning_chunk_boundaries(tmp_path, scan_home, chunk_size):
    long_needle, short_needle = b"SPANNING-NEEDLE-XYZ", b"SHORT"
    home = tmp_path / "home"
    home.mkdir()
    expected_long, expected_short = [], []
    for offset in range(2 * min(chunk_size, 40) + len(long_needle)):
        long_file = home / f"long-{offset:03d}.bin"
        long_file.write_bytes(b"x" * offset + long_needle + b"y" * 3)
        short_file = home / f"short-{offset:03d}.bin"
        short_file.write_bytes(b"x" * offset + short_needle)
        expected_long.append(long_file)
        expected_short.append(short_file)

    found = scan_home(home, [long_needle, short_needle], chunk_size=chunk_size)

    assert sorted(found[long_needle]) == expected_long
    assert sorted(found[short_needle]) == expected_short


def test_scan_sees_rows_of_a_sqlite_database_and_its_wal(tmp_path, scan_home):
    home = tmp_path / "home"
    home.mkdir()
    db = home / "plain.db"
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        con.execute("CREATE TABLE notes (body TEXT)")
        con.execute("INSERT INTO notes VALUES ('PLAINTEXT-ROW-MARKER')")
        con.commit()
        found = scan_home(home, [b"PLAINTEXT-ROW-MARKER"])
        assert home / "plain.db-wal" in found[b"PLAINTEXT-ROW-MARKER"]
    finally:
        con.close()  # the last connection checkpoints the WAL into the database file
    assert scan_home(home, [b"PLAINTEXT-ROW-MARKER"]) == {b"PLAINTEXT-ROW-MARKER": [db]}


def test_scan_refuses_to_scan_nothing(tmp_path, scan_home):
    with pytest.raises(FileNotFoundError):
        scan_home(tmp_path / "missing", [b"x"])
    with pytest.raises(ValueError, match="needles"):
        scan_home(tmp_path, [])
    with pytest.raises(ValueError, match="needles"):
        scan_home(tmp_path, [b""])


# -- the vault -------------------------------------------------------------------------------
TRANSCRIPTS = [
    "remind me to collect the Marzipan Zeppelin parcel at 6:47",
    "send a message to Grandma Rose saying the Quasar Lighthouse key is under the mat",
    "add Žluťoučký Kůň biscuits to the shopping list",
]
SLOTS = [
    {"task": "collect the Marzipan Zeppelin parcel", "when": "2031-07-19T06:47"},
    {"recipient": "Grandma Rose", "body": "the Quasar Lighthouse key is under the mat"},
    {"item": "Žluťoučký Kůň biscuits"},
]
REPLIES = [
    "OK, I will remind you to collect the Marzipan Zeppelin parcel",
    "Message sent: the Quasar Lighthouse key is under the mat",
    "Added Žluťoučký Kůň biscuits",
]
AUDIO_MARKER = b"VOICEPRINT-OCELOT-7731"
DISCLOSURE = {"skill": "courier", "parcel": "Marzipan Zeppelin", "address": "12 Nimbus Lane"}

NEEDLES = [
    b"Marzipan Zeppelin",
    b"Marzipan",
    b"Quasar Lighthouse",
    "Žluťoučký Kůň".encode(),
    b"2031-07-19T06:47",
    b"under the mat",
    b"Nimbus Lane",
    AUDIO_MARKER,
    b"remind me to collect",
    b"OK, I will remind you",
]
CONTROL_FILE = b"CONTROL-FILE-PLAINTEXT-41"
CONTROL_ROW = b"CONTROL-ROW-PLAINTEXT-42"


def _write_voice_turns(vault, household, turn_writer):
    written = []
    speakers = [household.owner, household.adult, household.child]
    for transcript, slots, reply, speaker in zip(
        TRANSCRIPTS, SLOTS, REPLIES, speakers, strict=True
    ):
        audio = (AUDIO_MARKER + os.urandom(9)) * (LIMIT // 16)  # > 16 KiB: a blob
        written.append(
            turn_writer(
                vault,
                household.id,
                speaker.id,
                {
                    "audio": audio,
                    "transcript": transcript.encode(),
                    "interpretation": json.dumps(
                        {"intent": "x", "slots": slots}, ensure_ascii=False
                    ).encode(),
                    "reply": reply.encode(),
                    "disclosure": json.dumps(DISCLOSURE).encode(),
                },
                records=[{"kind": "reminder", "payload": slots}],
                source="voice",
            )
        )
    # An update re-seals a record: the new payload must be sealed too.
    with vault.session(household.id) as session:
        session.records(None).update(
            written[0].records[0].id, payload={**SLOTS[0], "note": "Marzipan Zeppelin again"}
        )
    return written


def _plant_controls(vault, backend):
    """Plaintext the scans must find: a file in the home and an unencrypted database row."""
    logs = vault.home / "logs"
    logs.mkdir(exist_ok=True)
    (logs / "control.log").write_bytes(b"line 1\n" + CONTROL_FILE + b"\n")
    if backend == "sqlite":
        con = sqlite3.connect(vault.home / "confide.db")
        try:
            con.execute("CREATE TABLE privacy_control (body TEXT)")
            con.execute("INSERT INTO privacy_control VALUES (?)", (CONTROL_ROW.decode(),))
            con.commit()
        finally:
            con.close()
    else:
        with vault.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE privacy_control (body TEXT)"))
            conn.execute(
                sa.text("INSERT INTO privacy_control VALUES (:b)"), {"b": CONTROL_ROW.decode()}
            )


def test_no_plaintext_in_any_file_of_the_home(
    vault, household, backend, turn_writer, scan_home, db_bytes
):
    written = _write_voice_turns(vault, household, turn_writer)
    # The content really is there, readable through the vault.
    assert read_artifact(vault, household.id, written[1].artifacts["transcript"].id) == (
        TRANSCRIPTS[1].encode()
    )
    blobs = list((vault.home / "blobs").rglob("*.blob"))
    assert len(blobs) == len(TRANSCRIPTS)
    if backend == "sqlite":
        wal = vault.home / "confide.db-wal"
        assert wal.stat().st_size > 0  # the scan below covers the WAL, not just the database
        assert (vault.home / "confide.db-shm").is_file()

    found = scan_home(vault.home, NEEDLES)
    assert {n: paths for n, paths in found.items() if paths} == {}
    assert not any(n in db_bytes(vault) for n in NEEDLES)

    _plant_controls(vault, backend)
    needles = [*NEEDLES, CONTROL_FILE, CONTROL_ROW]
    found = scan_home(vault.home, needles)
    assert found[CONTROL_FILE] == [vault.home / "logs" / "control.log"]
    dump = db_bytes(vault)
    assert CONTROL_ROW in dump
    if backend == "sqlite":
        db_files = {vault.home / "confide.db", vault.home / "confide.db-wal"}
        assert found[CONTROL_ROW]
        assert set(found[CONTROL_ROW]) <= db_files
    assert {n: paths for n, paths in found.items() if paths and n in NEEDLES} == {}
    assert not any(n in dump for n in NEEDLES)

    vault.close()  # SQLite: the last connection checkpoints the WAL into the database file
    found = scan_home(vault.home, needles)
    assert {n: paths for n, paths in found.items() if paths and n in NEEDLES} == {}
    if backend == "sqlite":
        assert found[CONTROL_ROW] == [vault.home / "confide.db"]
