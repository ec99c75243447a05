"""The root error of :mod:`confide.voice`.

Every rejection of audio raises :class:`VoiceError` with a stable ``code``:

=====================  ==========================================================
``audio_empty``        no bytes at all, or a WAV/stream holding no samples
``audio_not_wav``      the bytes are not a WAV file (text, an image, JSON, ...)
``audio_corrupt``      a WAV file whose headers or chunk sizes are inconsistent
``audio_too_long``     more audio than :data:`confide.voice.audio.MAX_DURATION_S`
``audio_unsupported``  well-formed audio in a format Confide does not accept
=====================  ==========================================================

Messages say what is wrong and what is accepted.  They hold numbers taken from headers
(sample rates, sizes), never audio bytes or anything derived from what was said.
"""

from __future__ import annotations

from confide.errors import ConfideError

__all__ = [
    "AUDIO_CORRUPT",
    "AUDIO_EMPTY",
    "AUDIO_NOT_WAV",
    "AUDIO_TOO_LONG",
    "AUDIO_UNSUPPORTED",
    "RecognitionError",
    "VoiceError",
]

AUDIO_EMPTY = "audio_empty"
AUDIO_NOT_WAV = "audio_not_wav"
AUDIO_CORRUPT = "audio_corrupt"
AUDIO_TOO_LONG = "audio_too_long"
AUDIO_UNSUPPORTED = "audio_unsupported"


class VoiceError(ConfideError):
    """Audio that cannot be used, or a voice component used the wrong way.

    Audio rejections are the caller's fault (``bad_input``: CLI exit 2, HTTP 4xx).
    """

    code = "voice_error"
    bad_input = True


class RecognitionError(VoiceError):
    """Samples an engine cannot take (not 16-bit PCM)."""

    code = "audio_corrupt"
