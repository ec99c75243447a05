"""A household voice model for the speech benchmarks: every voice reads the enrollment prompts.

Each voice of ``speech_corpus.VOICES`` is one member of the household: it reads the
prompts of :mod:`confide.voice.enrollment` (synthesised like the corpus, in memory), its
statistics are computed as ``confide enroll`` computes them, and the household model is
built from all of them (:mod:`confide.voice.adapt`).  The prompts are written apart from
the held-out corpus and from the development set, so what is measured after enrollment is
still held out.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from confide.voice.adapt import Recording, build_model, voice_statistics
from confide.voice.enrollment import PROMPTS, spoken_words
from speech_corpus import Sentence, Voice, synthesise_all


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
