"""``confide enroll``: teach the recogniser a member's voice from recordings of the prompts.

``confide enroll --prompts`` lists the prompts; a member records each as ``NN.wav`` (any WAV
Confide accepts) and runs ``confide enroll --member NAME DIR`` (or the files).  What is kept
is the adaptation statistics of their voice, sealed in one turn of theirs; the recordings are
not stored.  ``confide forget TURN_ID`` takes the member's voice out of the model again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from confide.commands.common import DbOpt, HomeOpt, JsonOpt, emit, installation
from confide.errors import ConfideError


def register(app: typer.Typer) -> None:
    @app.command()
    def enroll(
        recordings: Annotated[
            list[Path] | None,
            typer.Argument(help="NN.wav recordings of the prompts, or directories of them."),
        ] = None,
        member: Annotated[
            str | None, typer.Option("--member", help="Whose voice (default: the owner).")
        ] = None,
        prompts: Annotated[
            bool, typer.Option("--prompts", help="List the prompts to record, and stop.")
        ] = False,
        home: HomeOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Adapt speech recognition to a member's voice (recordings of the prompts)."""
        from confide.voice.enrollment import MIN_PROMPTS, PROMPTS

        if prompts:
            listing = [{"number": i, "file": f"{i:02d}.wav", "text": p}
                       for i, p in enumerate(PROMPTS, 1)]  # fmt: skip
            text = "\n".join(f"{i:02d}.wav  {p}" for i, p in enumerate(PROMPTS, 1))
            emit(
                listing,
                as_json,
                f"Record at least {MIN_PROMPTS} of these, one WAV file each, named by number:\n"
                + text,
            )
            return
        if not recordings:
            raise ConfideError(
                "give the recordings (NN.wav files or a directory); "
                "confide enroll --prompts lists what to read",
                code="no_audio",
            )
        from confide.enrollment import enroll as run_enrollment
        from confide.enrollment import recordings_in

        for path in recordings:
            if not path.exists():
                raise ConfideError(f"{path}: no such file or directory", code="file_unreadable")
        found = recordings_in(recordings)
        with installation(home, db) as inst:
            outcome = run_enrollment(inst.vault, inst.household.id, member, found)
        emit(
            outcome.to_dict(),
            as_json,
            f"Enrolled {outcome.member}: {len(outcome.prompts)} prompts read; the recogniser "
            f"now adapts to their voice. Turn {outcome.turn_id} holds it "
            f"(confide forget {outcome.turn_id} takes it out again).",
        )
