"""``confide backup --out DIR`` and ``confide restore DIR``: data backups without keys.

A backup holds the household's data as ciphertext and never a key; it can be restored only into
the installation that made it (its key store stays there).  A restore leaves out everything
forgotten since the backup was made.  See :mod:`confide.lifecycle.backup`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from confide.commands.common import DbOpt, HomeOpt, JsonOpt, emit, installation

ACTOR = "operator:cli"


def register(app: typer.Typer) -> None:
    @app.command()
    def backup(
        out: Annotated[
            Path,
            typer.Option(
                "--out", help="A new (or empty) directory for the backup; written atomically."
            ),
        ],
        home: HomeOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Back up the household's data (ciphertext only: no data key, no household key)."""
        from confide.lifecycle import create_backup

        with installation(home, db) as inst:
            made = create_backup(inst.vault, inst.household.id, out, actor=ACTOR)
        tables = made.tables
        text = (
            f"Backup {made.backup_id} in {made.path}: {tables['turns']} turn(s), "
            f"{tables['artifacts']} artifact(s), {tables['action_records']} record(s), "
            f"{made.blobs} blob(s).  It holds no keys: only this installation can restore it."
        )
        emit(made.to_dict(), as_json, text)

    @app.command()
    def restore(
        directory: Annotated[
            Path, typer.Argument(metavar="DIR", help="A directory written by `confide backup`.")
        ],
        home: HomeOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Restore a backup; whatever was forgotten since it was made stays forgotten."""
        from confide.lifecycle import restore_backup

        with installation(home, db) as inst:
            done = restore_backup(inst.vault, inst.household.id, directory, actor=ACTOR)
        left = done.left_out
        forgotten = left["forgotten_turns"] + left["turns_without_key"]
        text = (
            f"Restored backup {done.backup_id} ({done.backup_created_at}): "
            f"{done.restored['turns']} turn(s), {done.restored['action_records']} record(s); "
            f"left out {forgotten} turn(s), {left['forgotten_artifacts']} artifact(s) and "
            f"{left['forgotten_records']} record(s) forgotten since; removed "
            f"{len(done.rolled_back_turns)} turn(s) made after the backup."
        )
        emit(done.to_dict(), as_json, text)
