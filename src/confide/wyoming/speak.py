"""Text-to-speech for ``synthesize``: espeak-ng voices, one synthesiser per voice.

:mod:`confide.voice.tts` serialises syntheses itself (espeak-ng is process-global); the
lock here only guards the cache of synthesisers.  The text is spoken and forgotten: it is
neither kept nor logged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from confide.voice.tts import Speech, SpeechSynthesizer

__all__ = ["SAMPLES_PER_CHUNK", "Speaker", "chunks"]

#: Samples per ``audio-chunk`` of synthesised speech.
SAMPLES_PER_CHUNK = 1024


class Speaker:
    """Synthesises text with a named voice; synthesisers are made on first use."""

    def __init__(self, words_per_minute: int = 165) -> None:
        self.words_per_minute = words_per_minute
        self._voices: dict[str, SpeechSynthesizer] = {}
        self._lock = threading.Lock()

    def synthesize(self, text: str, voice: str) -> Speech:
        """Speech for ``text`` (blocking; run it in a thread).  Raises ``VoiceError``."""
        from confide.voice.tts import SpeechSynthesizer

        with self._lock:
            engine = self._voices.get(voice)
            if engine is None:
                engine = SpeechSynthesizer(voice, words_per_minute=self.words_per_minute)
                self._voices[voice] = engine
        return engine.synthesize(text)


def chunks(samples: bytes, width: int = 2, per_chunk: int = SAMPLES_PER_CHUNK) -> Iterator[bytes]:
    """``samples`` cut into chunks of ``per_chunk`` samples (the last one shorter)."""
    step = per_chunk * width
    for start in range(0, len(samples), step):
        yield samples[start : start + step]
