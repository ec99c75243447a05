"""Confide's voice: audio in (decoding, validation, endpointing).

Everything downstream consumes :class:`Audio`, 16 kHz mono 16-bit PCM, produced by
:func:`decode_wav` or :func:`decode_raw`; bad audio raises :class:`VoiceError`.
"""

from __future__ import annotations

from confide.voice.audio import MAX_DURATION_S, TARGET_RATE, Audio, decode_raw, decode_wav
from confide.voice.endpoint import Endpointer
from confide.voice.errors import VoiceError
from confide.voice.tts import Speech, SpeechSynthesizer

__all__ = [
    "MAX_DURATION_S",
    "TARGET_RATE",
    "Audio",
    "Endpointer",
    "Speech",
    "SpeechSynthesizer",
    "VoiceError",
    "decode_raw",
    "decode_wav",
]
