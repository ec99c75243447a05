"""Voice turns from WAV files (the CLI) and WAV bodies (the API): decode, then ask.

Decoding is timed as the ``decode`` stage; :meth:`Assistant.ask_audio` does the rest.  Bad
audio raises before any turn exists, so nothing is stored for it.  Messages name the file and
the problem, never the audio.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from confide.assistant import Assistant
from confide.errors import ConfideError
from confide.turn_outcome import Stage, TurnOutcome
from confide.voice import Audio, VoiceError, decode_wav

#: The largest WAV accepted: 30 s of 48 kHz stereo 32-bit PCM is about 11.5 MB.
MAX_WAV_BYTES = 12 * 1024 * 1024


class AudioInputError(ConfideError):
    """A WAV file that cannot be read or decoded (bad input: CLI exit 2, HTTP 4xx)."""

    code = "audio_input"


@dataclass(frozen=True)
class DecodedWav:
    """A decoded recording (16 kHz mono) and how long decoding took."""

    audio: Audio
    decode_ms: float


def decode_timed(data: bytes | bytearray | memoryview) -> DecodedWav:
    """Decode one WAV body; raises :class:`VoiceError` (its ``code`` says what is wrong)."""
    started = time.perf_counter()
    audio = decode_wav(data)
    return DecodedWav(audio, (time.perf_counter() - started) * 1000)


def read_wav(path: Path) -> bytes:
    """The bytes of a WAV file, refusing files larger than :data:`MAX_WAV_BYTES` unread."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_WAV_BYTES + 1)
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise AudioInputError(
            f"{path}: cannot read the file ({reason})", code="file_unreadable"
        ) from err
    if len(data) > MAX_WAV_BYTES:
        raise AudioInputError(
            f"{path}: the file is larger than {MAX_WAV_BYTES // (1024 * 1024)} MiB "
            "(at most 30 s of audio is accepted)",
            code="audio_too_long",
        )
    return data


def decode_files(paths: Sequence[Path]) -> list[DecodedWav]:
    """Every file decoded, or an error naming the first bad file (then nothing has run)."""
    decoded = []
    for path in paths:
        data = read_wav(path)
        try:
            decoded.append(decode_timed(data))
        except VoiceError as err:
            raise AudioInputError(f"{path}: {err.message}", code=err.code) from err
    return decoded


def run_voice_turn(
    assistant: Assistant,
    decoded: DecodedWav,
    *,
    member: str | None = None,
    device_id: str | None = None,
) -> TurnOutcome:
    """One voice turn of a decoded recording, with ``decode`` first among its timings."""
    outcome = assistant.ask_audio(decoded.audio, member=member, device_id=device_id)
    return outcome.with_timing(Stage.DECODE, decoded.decode_ms)
