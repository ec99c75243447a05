"""Fixtures shared by the whole suite: vaults on both backends, a household, the byte scanner.

``backend`` runs a test on SQLite and on PostgreSQL (marked ``postgres``).  PostgreSQL is the
server on 127.0.0.1:5432; it is started if it does not answer, and a test that needs it *fails*
(never skips) when it cannot be reached.  Each PostgreSQL test gets a schema of its own, dropped
at teardown.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from confide.clock import ManualClock
from confide.vault import MemberInfo, Vault

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)

VaultFactory = Callable[..., Vault]
ScanHome = Callable[..., dict[bytes, list[Path]]]


# -- PostgreSQL ------------------------------------------------------------------------------
def _pg_problem() -> str | None:
    """Why PostgreSQL cannot be used, or ``None`` if it answers."""
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as err:
        return str(err.orig).strip()
    finally:
        engine.dispose()
    return None


def _start_pg() -> str:
    """Start the local cluster(s); ``pg_ctlcluster start`` waits until the server accepts
    connections.  Returns what it printed, for the failure message."""
    conf = Path("/etc/postgresql")
    versions = sorted(p.name for p in conf.iterdir()) if conf.is_dir() else []
    if not versions:
        return "no cluster in /etc/postgresql"
    output = []
    for version in versions:
        done = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        output.append(
            f"pg_ctlcluster {version} main start: exit {done.returncode} {done.stderr.strip()}"
        )
    return "; ".join(output)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    problem = _pg_problem()
    if problem is not None:
        try:
            started = _start_pg()
        except (OSError, subprocess.SubprocessError) as err:
            started = f"starting it failed: {err}"
        retry = _pg_problem()
        problem = None if retry is None else f"{retry} ({started})"
    if problem is not None:
        pytest.fail(
            f"PostgreSQL is required by the postgres-marked tests but {PG_URL} cannot be reached "
            f"(even after `pg_ctlcluster ... main start`): {problem}. "
            "Start the server, or deselect these tests with -m 'not postgres'.",
            pytrace=False,
        )
    engine = sa.create_engine(PG_URL)
    yield engine
    engine.dispose()


# -- vaults ----------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database(
    backend: str, request: pytest.FixtureRequest
) -> Iterator[tuple[str | None, str | None]]:
    """``(url, schema)`` for :meth:`Vault.open`: SQLite's default file, or a fresh PG schema."""
    if backend == "sqlite":
        yield None, None
        return
    admin: sa.Engine = request.getfixturevalue("pg_admin")
    schema = f"t_{secrets.token_hex(8)}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield PG_URL, schema
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def vault_factory(
    tmp_path: Path, database: tuple[str | None, str | None], clock: ManualClock
) -> Iterator[VaultFactory]:
    """Opens a vault (a fresh instance each call) on this test's database, home ``tmp/home``."""
    opened: list[Vault] = []
    url, schema = database

    def open_vault(home: Path | None = None) -> Vault:
        vault = Vault.open(home or tmp_path / "home", url=url, schema=schema, clock=clock)
        opened.append(vault)
        return vault

    yield open_vault
    for vault in opened:
        vault.close()


@pytest.fixture
def vault(vault_factory: VaultFactory) -> Vault:
    return vault_factory()


@dataclass(frozen=True)
class HouseholdData:
    id: str
    owner: MemberInfo
    adult: MemberInfo
    child: MemberInfo


@pytest.fixture
def household(vault: Vault, clock: ManualClock) -> HouseholdData:
    """A household with an owner (Ada), an adult (Ben) and a child (Cleo), created 1 s apart."""
    hh = vault.create_household("Lovelace Home")
    people = []
    for name, role in (("Ada", "owner"), ("Ben", "adult"), ("Cleo", "child")):
        clock.advance(timedelta(seconds=1))
        people.append(vault.add_member(hh.id, name, role=role))
    clock.advance(timedelta(seconds=1))
    return HouseholdData(hh.id, *people)


# -- byte scan -------------------------------------------------------------------------------
def _scan_file(path: Path, needles: list[bytes], chunk_size: int, overlap: int) -> set[bytes]:
    hits: set[bytes] = set()
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            window = tail + chunk
            hits.update(n for n in needles if n not in hits and n in window)
            # Keep the last len(longest)-1 bytes so a needle split across chunks is found.
            tail = window[-overlap:] if overlap else b""
    return hits


def scan_home_dir(
    home: Path, needles: Iterable[bytes], *, chunk_size: int = 1 << 20
) -> dict[bytes, list[Path]]:
    """Every needle mapped to the files under ``home`` (recursively, all of them) holding it."""
    wanted = list(dict.fromkeys(needles))
    if not wanted or any(not isinstance(n, bytes) or not n for n in wanted):
        raise ValueError("needles must be a non-empty collection of non-empty bytes")
    if not home.is_dir():
        raise FileNotFoundError(f"nothing to scan: {home} is not a directory")
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    overlap = max(len(n) for n in wanted) - 1
    found: dict[bytes, list[Path]] = {n: [] for n in wanted}

    def fail(err: OSError) -> None:
        raise err

    for dirpath, _dirs, files in os.walk(home, onerror=fail):
        for name in sorted(files):
            path = Path(dirpath) / name
            if not path.is_file():  # sockets, fifos, dangling links hold no bytes
                continue
            for needle in _scan_file(path, wanted, chunk_size, overlap):
                found[needle].append(path)
    return found


@pytest.fixture
def scan_home() -> ScanHome:
    """``scan_home(home, needles, chunk_size=...)``: see :func:`scan_home_dir`."""
    return scan_home_dir
