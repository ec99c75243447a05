"""What every ``confide`` command shares: the --home/--db/--json options, printing, opening
the installation, and reading dates.  Command modules import these at module level."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from confide import runtime
from confide.errors import ConfideError

HomeOpt = Annotated[
    Path | None, typer.Option("--home", help="Home directory (default: $CONFIDE_HOME).")
]
DbOpt = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: SQLite in the home).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def emit(data: Any, as_json: bool, text: str) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=None))
    else:
        typer.echo(text)


@contextmanager
def installation(home: Path | None, db: str | None) -> Iterator[runtime.Installation]:
    inst = runtime.open_installation(home, db)
    try:
        yield inst
    finally:
        inst.close()


def parse_when(value: str | None, *, end_of_day: bool) -> float | None:
    """A local date (YYYY-MM-DD) or ISO datetime as epoch seconds."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(
                day + timedelta(days=1 if end_of_day else 0), datetime.min.time()
            )
        else:
            moment = datetime.fromisoformat(value)
        return moment.astimezone().timestamp()
    except (ValueError, OverflowError, OSError) as err:
        raise ConfideError(
            f"not a usable date: {value!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)", code="bad_date"
        ) from err
