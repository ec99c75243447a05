"""A household voice model for the speech benchmarks: every voice reads the enrollment prompts.

Each voice of ``speech_corpus.VOICES`` is one member of the household: it reads the
prompts of :mod:`confide.voice.enrollment` (synthesised like the corpus, in memory), its
statistics are computed as ``confide enroll`` computes them, and the household model is
built from all of them (:mod:`confide.voice.adapt`).  The prompts are written apart from
the held-out corpus and from the development set, so what is measured after enrollment is
still held out.
"""

from __future__ import annotations

import shutil
import time
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from confide.voice.adapt import Recording, build_model, voice_statistics
from confide.voice.enrollment import PROMPTS, spoken_words
from speech_corpus import SAMPLE_RATE, Sentence, Voice, synthesise_all

if TYPE_CHECKING:
    from confide.vault import Vault


def enrolled_model(voices: Sequence[Voice], folder: Path, *, log: bool = True) -> Path:
    """Build the model of a household whose members are ``voices`` into ``folder``."""
    started = time.perf_counter()
    prompts = [Sentence(prompt, None) for prompt in PROMPTS]
    statistics = []
    for voice in voices:
        utterances = synthesise_all(prompts, [voice])
        recordings = [Recording(u.samples, spoken_words(u.sentence.text)) for u in utterances]
        statistics.append(voice_statistics(recordings, folder / "cache"))
    model = build_model(statistics, folder / "model", folder / "cache")
    if log:
        print(
            f"# enrolled {len(voices)} voices x {len(PROMPTS)} prompts in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return model


def enroll_voices(
    vault: Vault, household_id: str, voices: Sequence[Voice], folder: Path
) -> list[str]:
    """Each voice reads the prompts and is enrolled as ``confide enroll`` does it (the owner's
    turns, one per voice); returns the enrollment turn ids.  The WAV files are removed."""
    from confide.enrollment import enroll

    prompts = [Sentence(prompt, None) for prompt in PROMPTS]
    turns = []
    for index, voice in enumerate(voices):
        work = folder / f"enroll-{index}"
        work.mkdir(parents=True)
        try:
            recordings = {}
            for number, utterance in enumerate(synthesise_all(prompts, [voice]), 1):
                path = work / f"{number:02d}.wav"
                with wave.open(str(path), "wb") as out:
                    out.setnchannels(1)
                    out.setsampwidth(2)
                    out.setframerate(SAMPLE_RATE)
                    out.writeframes(utterance.samples)
                recordings[number] = path
            turns.append(enroll(vault, household_id, None, recordings).turn_id)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return turns
