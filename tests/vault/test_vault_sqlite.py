"""SQLite settings of the vault: WAL, secure_delete, foreign keys - on every connection."""

from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa

from confide.vault.schema import artifacts, contacts

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _pragma(conn, name):
    return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_pragmas_on_every_pooled_connection(vault):
    with contextlib.ExitStack() as stack:
        raws = [vault.engine.raw_connection() for _ in range(3)]
        for raw in raws:
            stack.callback(raw.close)
        assert len({id(raw.dbapi_connection) for raw in raws}) == 3
        for raw in raws:
            pragmas = {
                name: raw.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "secure_delete", "foreign_keys")
            }
            assert pragmas == {"journal_mode": "wal", "secure_delete": 1, "foreign_keys": 1}
            # NORMAL (1) or FULL (2): with WAL both survive a crash of the process; OFF does not.
            assert raw.execute("PRAGMA synchronous").fetchone()[0] in (1, 2)


def test_pragmas_after_reopening(vault_factory):
    vault_factory().close()
    with vault_factory().engine.connect() as conn:
        assert _pragma(conn, "journal_mode") == "wal"
        assert _pragma(conn, "secure_delete") == 1
        assert _pragma(conn, "foreign_keys") == 1


def test_database_is_in_home_and_uses_a_wal(vault, household):
    assert vault.engine.url.database == str(vault.home / "confide.db")
    wal = vault.home / "confide.db-wal"
    assert wal.is_file()
    assert wal.stat().st_size > 0  # the writes of the household fixture went to the WAL


def test_foreign_keys_are_enforced(vault, household):
    with pytest.raises(sa.exc.IntegrityError), vault.engine.begin() as conn:
        conn.execute(
            artifacts.insert().values(
                id="art_x",
                turn_id="turn_missing",
                kind="transcript",
                store="db",
                size=0,
                created_at=0.0,
                ciphertext=b"",
            )
        )


def _checkpoint(vault):
    raw = vault.engine.raw_connection()  # autocommit: the vault's connect hook sets it
    try:
        busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        raw.close()


def test_deleted_rows_leave_no_bytes(vault, household, scan_home):
    """secure_delete: a deleted row is zeroed in its page, not left in free space."""
    marker = b"Quokkamarker"
    needles = [marker, marker.lower()]
    vault.add_contact(household.id, marker.decode())
    _checkpoint(vault)
    found = scan_home(vault.home, needles)
    assert vault.home / "confide.db" in found[marker]  # control: the row is in the file

    with vault.engine.begin() as conn:
        conn.execute(contacts.delete().where(contacts.c.name == marker.decode()))
    _checkpoint(vault)
    assert (vault.home / "confide.db-wal").stat().st_size == 0
    assert scan_home(vault.home, needles) == {n: [] for n in needles}
