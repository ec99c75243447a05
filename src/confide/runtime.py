"""Where a Confide installation lives and how to open it: home directory, database, household.

``--home DIR`` or ``CONFIDE_HOME`` (default: the platform's user data directory) holds the
SQLite database, the blob store and ``keys/`` (the household key file, mode 0600).  A provider
points ``--db`` / ``CONFIDE_DB_URL`` at PostgreSQL; keys and blobs stay under the home.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from confide.errors import ConfideError
from confide.vault import Household, Vault

DEMO_HOUSEHOLD = "Demo household"
DEMO_OWNER = "Alex"
DEMO_MEMBERS = (("Bob", "adult"), ("Sam", "child"))
DEMO_CONTACTS = ("Grandma",)


class NotInitialisedError(ConfideError):
    code = "not_initialised"

    def __init__(self, home: Path) -> None:
        super().__init__(f"no Confide household in {home}; run `confide init` first")


def resolve_home(home: Path | None) -> Path:
    if home is not None:
        return home.expanduser()
    env = os.environ.get("CONFIDE_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("confide", appauthor=False))


def resolve_db_url(url: str | None) -> str | None:
    return url or os.environ.get("CONFIDE_DB_URL") or None


@dataclass
class Installation:
    """An opened vault and the household this home serves."""

    home: Path
    vault: Vault
    household: Household

    def close(self) -> None:
        self.vault.close()


def open_vault(home: Path | None, db_url: str | None) -> Vault:
    return Vault.open(resolve_home(home), url=resolve_db_url(db_url))


def _household_file(home: Path) -> Path:
    return home / "household"


def household_of(vault: Vault) -> Household | None:
    """The household this home serves: the one named in ``<home>/household``.

    A database may hold many households (a provider on PostgreSQL); each home names its own.
    """
    try:
        household_id = _household_file(vault.home).read_text().strip()
    except FileNotFoundError:
        return None
    for household in vault.households():
        if household.id == household_id:
            return household
    raise ConfideError(
        f"{_household_file(vault.home)} names household {household_id}, which this database "
        "does not hold; check --db / CONFIDE_DB_URL",
        code="household_missing",
    )


def init_household(vault: Vault, name: str, owner: str) -> tuple[Household, bool]:
    """The home's household, created with its owner if there is none (idempotent)."""
    existing = household_of(vault)
    if existing is not None:
        return existing, False
    household = vault.create_household(name)
    vault.add_member(household.id, owner, role="owner")
    _household_file(vault.home).write_text(household.id + "\n")
    return household, True


def create_demo(vault: Vault) -> tuple[Household, str | None]:
    """A demo household with a few members and a device token, unless one exists.

    Returns the household and, when it was just created, the demo device's token.
    """
    household, created = init_household(vault, DEMO_HOUSEHOLD, DEMO_OWNER)
    if not created:
        return household, None
    for name, role in DEMO_MEMBERS:
        vault.add_member(household.id, name, role=role)
    for contact in DEMO_CONTACTS:
        vault.add_contact(household.id, contact)
    _device, token = vault.add_device(household.id, "demo device")
    return household, token


def open_installation(home: Path | None, db_url: str | None) -> Installation:
    """The installation of an initialised home; reading commands never create one."""
    if not _household_file(resolve_home(home)).exists():
        raise NotInitialisedError(resolve_home(home))
    vault = open_vault(home, db_url)
    household = household_of(vault)
    if household is None:
        vault.close()
        raise NotInitialisedError(resolve_home(home))
    finish_deletions(vault)
    return Installation(vault.home, vault, household)


def finish_deletions(vault: Vault, *, residue: bool = False) -> list[str]:
    """Complete every acknowledged deletion a killed process left unfinished (invariant 6).

    With ``residue`` (``serve`` at start, ``confide sweep``) also remove the blob files of
    writes that never committed: that walks the whole blob store, too much for every command.
    """
    from confide.lifecycle import resume_pending
    from confide.lifecycle.residue import remove_residue

    finished = resume_pending(vault)
    if residue:
        remove_residue(vault)
    return finished
