"""Spoken replies outside Wyoming: ``POST /v1/speech`` and ``confide ask --reply-wav``.

Text is spoken with eSpeak NG (:class:`confide.voice.tts.SpeechSynthesizer`) in one of the
voices Wyoming offers (:data:`confide.wyoming.describe.VOICES`) and handed back as a 16-bit
mono WAV file built in memory.  Nothing is stored and nothing is logged: neither the text
nor the audio reaches the vault, the home directory or an error message.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from confide.errors import ConfideError
from confide.hub.turn_requests import read_capped
from confide.voice.tts import MAX_TEXT_CHARS, Speech, SpeechSynthesizer
from confide.wyoming.describe import DEFAULT_VOICE, VOICES, voice_for

__all__ = [
    "SPEECH_REQUEST",
    "SpeechRequest",
    "Voices",
    "check_voice",
    "read_speech_request",
    "speak_reply",
]

JSON_TYPE = "application/json"
WAV_TYPE = "audio/wav"
#: A JSON body of at most MAX_TEXT_CHARS characters, each escaped (``\\uXXXX``), fits.
MAX_BODY_BYTES = 16 * 1024
TTS_UNKNOWN_VOICE = "tts_unknown_voice"
_KEEP = frozenset("\t\n\r")


class SpeechError(ConfideError):
    """A request to speak that cannot be taken (bad input: CLI exit 2, HTTP 4xx)."""

    code = "speech_error"


class SpeechRequest(BaseModel):
    """``POST /v1/speech``: what to say and, optionally, in which voice."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description=f"The text to speak, literally (no SSML), at most {MAX_TEXT_CHARS} characters.",
    )
    voice: str | None = Field(
        default=None,
        description=f"One of {', '.join(v.name for v in VOICES)} (default {DEFAULT_VOICE}).",
    )


def check_voice(name: str | None) -> str:
    """The voice called ``name`` (``None``: the default), or :class:`SpeechError`."""
    if name is None:
        return DEFAULT_VOICE
    found = voice_for(name, None) if name else None
    if found is None:
        names = ", ".join(v.name for v in VOICES)
        raise SpeechError(
            f"there is no voice {name[:40]!r}; the voices are {names}", code=TTS_UNKNOWN_VOICE
        )
    return found


class Voices:
    """One synthesiser per voice, made on first use; safe to share between threads."""

    def __init__(self) -> None:
        self._made: dict[str, SpeechSynthesizer] = {}
        self._lock = threading.Lock()

    def get(self, voice: str) -> SpeechSynthesizer:
        with self._lock:
            found = self._made.get(voice)
            if found is None:
                found = self._made[voice] = SpeechSynthesizer(voice)
            return found

    def wav(self, text: str, voice: str) -> bytes:
        """``text`` spoken by ``voice`` as WAV bytes (blocking: run it in a worker thread)."""
        return self.get(voice).synthesize(text).to_wav()


def _pieces(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """``text`` cut at whitespace into pieces of at most ``limit`` characters."""
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        if len(rest) <= limit:
            pieces.append(rest)
            break
        cut = rest.rfind(" ", 0, limit + 1)
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:].strip()
    return pieces


def speakable(text: str) -> str:
    """A reply made safe to speak: control characters and lone surrogates become spaces."""
    clean = "".join(
        " " if (ord(c) < 32 or 127 <= ord(c) < 160) and c not in _KEEP else c for c in text
    )
    return clean.encode("utf-8", "replace").decode("utf-8").replace("\ufffd", " ")


def speak_reply(synthesizer: SpeechSynthesizer, text: str) -> Speech | None:
    """A whole reply spoken (however long), or ``None`` if it holds nothing to say.

    A reply is Confide's own text, so it is never refused: it is cleaned, cut into pieces
    the synthesiser accepts and the pieces' samples are joined.
    """
    parts = [synthesizer.synthesize(piece) for piece in _pieces(speakable(text))]
    if not parts:
        return None
    return Speech(samples=b"".join(p.samples for p in parts), rate=parts[0].rate)


def _content_type(request: Request) -> None:
    value = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if value not in ("", JSON_TYPE) and not value.endswith("+json"):
        raise SpeechError(
            f"unsupported content type {value[:80]!r}: send {JSON_TYPE} "
            '({"text": ..., "voice": ...})',
            code="unsupported_media_type",
        )


async def read_speech_request(request: Request) -> SpeechRequest:
    """The JSON body of ``POST /v1/speech``; bad JSON is a 422 like any validation error."""
    _content_type(request)
    body = await read_capped(request, MAX_BODY_BYTES)
    try:
        return SpeechRequest.model_validate_json(body)
    except ValidationError as err:
        errors = [{**e, "loc": ("body", *e.get("loc", ()))} for e in err.errors()]
        raise RequestValidationError(errors) from None


#: The OpenAPI description of ``POST /v1/speech``: a JSON request, a WAV answer.
SPEECH_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {JSON_TYPE: {"schema": SpeechRequest.model_json_schema()}},
    },
}

SPEECH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The speech: a 16-bit mono PCM WAV file at the synthesiser's rate",
        "content": {WAV_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    },
    400: {"description": "Bad input: blank text, control characters, an unknown voice"},
    401: {"description": "No valid device token"},
    413: {"description": "Body larger than the cap"},
    415: {"description": "Content type other than application/json"},
    422: {"description": "Malformed JSON, text missing or longer than the limit"},
}
