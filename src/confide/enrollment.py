"""Voice enrollment: a member reads the prompts, Confide keeps statistics of their voice.

The recordings are decoded, checked (at least :data:`~confide.voice.enrollment.MIN_PROMPTS`
different prompts, each recording matched to its prompt by file name) and turned into
adaptation statistics (:func:`confide.voice.adapt.voice_statistics`).  Then one turn of
source ``enrollment`` is stored for the member, holding a short transcript ("Voice
enrollment: 42 prompts read.") and the sealed ``voice_statistics`` (under a key of its own).
The recordings themselves are never stored.  From then on every recogniser of the household
uses a model adapted to the enrolled voices (:meth:`Assistant.refresh_voice_model`);
forgetting the turn (``confide forget TURN_ID``) removes the member's share of it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confide.errors import ConfideError
from confide.vault import Vault
from confide.voice.adapt import Recording, voice_statistics
from confide.voice.enrollment import MIN_PROMPTS, PROMPTS, prompt_number, spoken_words
from confide.voice.profile import ENROLLMENT_SOURCE, VOICE_STATISTICS
from confide.voice_turns import decode_files

__all__ = ["EnrollmentError", "EnrollmentOutcome", "enroll", "recordings_in"]


class EnrollmentError(ConfideError):
    """Recordings that cannot make an enrollment (bad input: CLI exit 2, HTTP 4xx)."""

    code = "enrollment_invalid"


@dataclass(frozen=True)
class EnrollmentOutcome:
    turn_id: str
    member: str
    prompts: tuple[int, ...]
    stored: tuple[dict[str, Any], ...]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn_id": self.turn_id,
            "member": self.member,
            "prompts_read": len(self.prompts),
            "prompts": list(self.prompts),
            "stored": list(self.stored),
            "timings_ms": {"adapt": round(self.seconds * 1000, 1)},
        }


def recordings_in(paths: Sequence[Path]) -> dict[int, Path]:
    """Prompt number -> recording, from files named ``NN.wav`` or directories of them."""
    found: dict[int, Path] = {}
    for path in paths:
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        for file in files:
            number = prompt_number(file)
            if number is None:
                if path.is_dir():
                    continue  # other files in the folder are not recordings
                raise EnrollmentError(
                    f"{file}: a recording is named by the prompt it reads, 01.wav to "
                    f"{len(PROMPTS):02d}.wav (see: confide enroll --prompts)",
                    code="enrollment_file_name",
                )
            if not file.is_file():
                raise EnrollmentError(f"{file}: no such file", code="file_unreadable")
            if number in found:
                raise EnrollmentError(
                    f"prompt {number} is read twice ({found[number]} and {file})",
                    code="enrollment_duplicate",
                )
            found[number] = file
    if len(found) < MIN_PROMPTS:
        raise EnrollmentError(
            f"{len(found)} prompt(s) recorded: an enrollment needs at least {MIN_PROMPTS} "
            f"of the {len(PROMPTS)} (confide enroll --prompts lists them)",
            code="enrollment_too_short",
        )
    return dict(sorted(found.items()))


def enroll(
    vault: Vault, household_id: str, member_name: str | None, recordings: dict[int, Path]
) -> EnrollmentOutcome:
    """Enroll ``member_name`` (default: the owner) from ``recordings`` (prompt -> WAV)."""
    member = (
        vault.owner(household_id)
        if member_name is None
        else vault.member(household_id, member_name)
    )
    numbers = tuple(recordings)
    decoded = decode_files([recordings[n] for n in numbers])  # every file, before anything
    started = time.perf_counter()
    statistics = voice_statistics(
        [
            Recording(wav.audio.samples, spoken_words(PROMPTS[n - 1]))
            for n, wav in zip(numbers, decoded, strict=True)
        ],
        vault.home / "models",
    )
    del decoded
    seconds = time.perf_counter() - started
    note = f"Voice enrollment: {len(numbers)} prompts read."
    with vault.session(household_id) as session:
        turn = session.start_turn(member.id, ENROLLMENT_SOURCE)
        items = (
            session.put_artifact(turn, "transcript", note.encode()),
            session.put_artifact(turn, VOICE_STATISTICS, statistics, own_key=True),
        )
    return EnrollmentOutcome(
        turn_id=turn.id,
        member=member.name,
        prompts=numbers,
        stored=tuple(item.to_dict() for item in items),
        seconds=seconds,
    )
