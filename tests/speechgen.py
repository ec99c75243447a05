"""Speech for the tests and the speech probe, synthesised at run time (nothing is committed).

Needs the Debian packages espeak-ng and sox; tests that use them skip with
:data:`needs_speech` when they are missing.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from array import array
from pathlib import Path

import pytest

TOOLS = bool(shutil.which("espeak-ng") and shutil.which("sox"))
needs_speech = pytest.mark.skipif(
    not TOOLS, reason="espeak-ng and sox (Debian packages) are not installed"
)


def synthesise(text: str, folder: Path, voice: str = "en-us", wpm: int = 160) -> bytes:
    """16 kHz mono s16le: espeak-ng, 0.5 s of silence each side and faint white noise.

    Pure digital silence breaks pocketsphinx's noise estimation; a real microphone never
    gives it, so the noise is part of a realistic test.  The intermediate files in ``folder``
    are removed before returning.
    """
    wav, raw = folder / "s.wav", folder / "s.raw"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(wav), text], check=True)
    subprocess.run(
        [
            "sox",
            "-R",  # repeatable: the dither of the resampling is seeded, so a clip is the same
            str(wav),
            "-t",
            "raw",
            "-r",
            "16000",
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed-integer",
            str(raw),
            "pad",
            "0.5",
            "0.5",
        ],
        check=True,
    )
    samples = array("h", raw.read_bytes())
    wav.unlink()
    raw.unlink()
    rng = random.Random(text)
    noisy = array("h", (max(-32768, min(32767, s + rng.randint(-100, 100))) for s in samples))
    if sys.byteorder != "little":
        noisy.byteswap()
    return noisy.tobytes()


def synthesise_wav(text: str, folder: Path, voice: str = "en-us", wpm: int = 160) -> bytes:
    """The same speech as :func:`synthesise`, as the bytes of a 16 kHz mono WAV file."""
    from confide.voice import Audio

    return Audio(synthesise(text, folder, voice, wpm)).to_wav()
