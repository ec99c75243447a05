"""``confide sweep``: erase now what has outlived the members' retention settings (and the
blob files of writes a killed process never committed).

``confide serve`` does the same every 20 s; this is for installations that do not run it (a
cron job) and for checking.  Prints what was erased and the receipts that list every item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from confide.commands.common import DbOpt, HomeOpt, JsonOpt, emit, installation

if TYPE_CHECKING:
    from confide.lifecycle import SweepResult


def sweep_text(result: SweepResult) -> str:
    if not result.found_anything:
        return "Nothing has expired: nothing was erased."
    lines = [
        f"Retention sweep: {result.turns} expired turn(s) erased, {result.recordings} "
        f"recording(s) erased, {result.records} finished or cancelled record(s) erased, "
        f"{result.kept} record(s) kept (still in use)."
    ]
    lines.extend(f"  receipt {rid}: confide verify-erasure {rid}" for rid in result.receipts)
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command()
    def sweep(home: HomeOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
        """Erase what has expired (turns, recordings, finished records); prints the receipts."""
        from confide import runtime
        from confide.lifecycle import sweep as run_sweep

        with installation(home, db) as inst:
            runtime.finish_deletions(inst.vault, residue=True)
            result = run_sweep(inst.vault, inst.household.id)
            emit(result.to_dict(), as_json, sweep_text(result))
