"""Database engines for the vault: SQLite (the embedded default) or PostgreSQL by URL.

SQLite is opened in WAL mode with ``synchronous=NORMAL`` (a committed transaction survives the
process being killed at any instruction; only an OS crash or power loss can lose the last few
commits, never corrupt the database - FULL would fsync each commit and halve turn throughput),
``secure_delete=ON`` (deleted rows are zeroed, not left in free pages), automatic checkpoints
every 10,000 pages (a deletion truncates the WAL itself when it is done), foreign keys on, and
every transaction started with ``BEGIN IMMEDIATE`` so concurrent writers queue instead of
failing half-way.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from confide.vault.errors import VaultError


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE instead of pysqlite's own BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        "PRAGMA secure_delete=ON",
        "PRAGMA foreign_keys=ON",
        "PRAGMA busy_timeout=10000",
        # Checkpoint every ~40 MB of WAL rather than 4 MB: erasing a member's history (and
        # ingest) write in bursts; after each deletion the WAL is checkpointed and truncated.
        "PRAGMA wal_autocheckpoint=10000",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # Writers take the write lock up front; readers (Vault.reading) read a WAL snapshot.
    read_only = conn.get_execution_options().get("confide_read_only", False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def create_vault_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for ``url`` with the vault's settings applied.

    ``schema`` (PostgreSQL only) places the tables in that schema via ``search_path``;
    the test suite uses it to isolate runs.
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as err:
        raise VaultError(f"not a database URL: {url!r}", code="bad_database_url") from err
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = sa.create_engine(
            parsed,
            poolclass=sa.pool.QueuePool,
            pool_size=4,
            connect_args={"check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        connect_args: dict[str, Any] = {}
        if schema is not None:
            connect_args["options"] = f"-csearch_path={schema}"
        return sa.create_engine(parsed, connect_args=connect_args, pool_pre_ping=True)
    raise VaultError(
        f"unsupported database {backend!r}: use sqlite:///PATH or postgresql://...",
        code="bad_database_url",
    )
