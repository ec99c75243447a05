"""``POST /v1/turns``: a JSON text turn or a voice turn (a WAV file or raw ``audio/L16``
samples), by content type.

Bodies are streamed and refused (413) as soon as they pass the cap, so an oversized upload is
never held in memory whole.  A voice turn's 16 kHz mono samples are recognised while the body
arrives (:mod:`confide.hub.voice_stream`); other audio is decoded whole at its end.  Bad
audio is refused before any turn exists.  Decoding and recognition are CPU-bound and run in
worker threads so the event loop keeps serving.  Errors name the problem, never the body.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from confide.assistant import Assistant
from confide.hub.audio_upload import (
    BAD_AUDIO_PARAMETERS,
    L16_TYPE,
    PcmFormat,
    UploadBody,
    l16_format,
)
from confide.hub.errors import HubError
from confide.hub.voice_stream import CLIENT_GONE, STALL_S, streamed_voice_turn
from confide.voice.audio import ACCEPTED, MAX_DURATION_S
from confide.voice_turns import MAX_WAV_BYTES

__all__ = ["TURN_REQUEST", "HubError", "TextTurn", "read_capped", "run_turn"]

MAX_JSON_BYTES = 64 * 1024
AUDIO_TYPES = frozenset({"audio/wav", "audio/x-wav", "audio/wave"})
JSON_TYPE = "application/json"


class TextTurn(BaseModel):
    text: str = Field(min_length=1, max_length=1000, description="What the person said or typed.")
    member: str | None = Field(default=None, description="Who is speaking (default: owner).")


def media_type(request: Request) -> Literal["json", "wav", "l16"]:
    """``json``, ``wav`` or ``l16`` by the Content-Type header (none means JSON), else 415."""
    value = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if value in ("", JSON_TYPE) or value.endswith("+json"):
        return "json"
    if value in AUDIO_TYPES:
        return "wav"
    if value == L16_TYPE:
        return "l16"
    raise HubError(
        f"unsupported content type {value[:80]!r}: send {JSON_TYPE} (a text turn), "
        "audio/wav or audio/L16; rate=16000 (a voice turn)",
        code="unsupported_media_type",
    )


async def read_capped(request: Request, limit: int) -> bytes:
    """The whole body, or :class:`HubError` (413) once it passes ``limit`` bytes."""
    too_large = HubError(f"the request body is larger than {limit} bytes", code="request_too_large")
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


async def read_text_turn(request: Request) -> TextTurn:
    """A JSON text turn; malformed or invalid JSON is a 422 like any validation error."""
    body = await read_capped(request, MAX_JSON_BYTES)
    try:
        return TextTurn.model_validate_json(body)
    except ValidationError as err:
        errors = [{**e, "loc": ("body", *e.get("loc", ()))} for e in err.errors()]
        raise RequestValidationError(errors) from None


async def run_turn(
    runner: Assistant, request: Request, *, device_id: str, member: str | None
) -> dict[str, Any]:
    """Run the turn a request carries and return its outcome as JSON."""
    kind = media_type(request)
    if kind == "json":
        body = await read_text_turn(request)
        outcome = await run_in_threadpool(
            runner.ask, body.text, member=body.member or member, device_id=device_id
        )
        return outcome.to_dict()
    fmt: PcmFormat | None = None
    limit = MAX_WAV_BYTES
    if kind == "l16":
        fmt = l16_format(request.headers.get("content-type", ""))
        limit = fmt.max_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise UploadBody(kind, fmt).too_large()  # refused unread
    # A declared length is a file sent whole: recognised at its end.  A live recording is
    # sent with chunked transfer encoding, and recognised while it arrives.
    voiced = await streamed_voice_turn(
        runner,
        request.stream(),
        kind,
        fmt,
        member=member,
        device_id=device_id,
        whole=declared is not None,
    )
    return voiced.to_dict()


_WAV_DESCRIPTION = (
    f"A voice turn: {ACCEPTED}, at most {MAX_WAV_BYTES} bytes; the speaker is the `member` "
    "query parameter.  A file whose header declares 16 kHz mono 16-bit PCM is recognised "
    "while the body arrives (send it with chunked transfer encoding as it is recorded; a "
    "body that declares its Content-Length is a file, recognised whole at its end); "
    "any other is converted and recognised whole at its end."
)
_L16_DESCRIPTION = (
    "A voice turn as raw samples: signed 16-bit **little-endian** PCM (unlike RFC 2586, "
    "which says network byte order; `endianness=big-endian` is refused), the format given "
    "by the parameters: `rate` (required, 8000–48000 Hz) and `channels` (1 or 2, default "
    "1), e.g. `audio/L16; rate=16000; channels=1`.  At most "
    f"{MAX_DURATION_S:g} s.  16 kHz mono is recognised while the body arrives: stream it "
    "with chunked transfer encoding as the microphone records (e.g. 100 ms chunks), and "
    "when the last chunk is in, only the end of the decoding is left (a body with a "
    "declared Content-Length is recognised whole at its end); other rates and "
    f"stereo are converted and recognised whole at the end.  An upload that pauses for "
    f"{STALL_S:g} s gives the recogniser back and is recognised whole at its end.  The "
    "speaker is the `member` query parameter."
)

#: The OpenAPI request body of ``POST /v1/turns``: a JSON text turn or a voice recording.
TURN_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            JSON_TYPE: {"schema": TextTurn.model_json_schema()},
            **{
                kind: {
                    "schema": {"type": "string", "format": "binary"},
                    "description": _WAV_DESCRIPTION,
                }
                for kind in sorted(AUDIO_TYPES)
            },
            "audio/L16": {
                "schema": {"type": "string", "format": "binary"},
                "description": _L16_DESCRIPTION,
            },
        },
    },
    "responses": {
        "400": {
            "description": "Bad input: empty, corrupt or non-WAV audio, an odd number of "
            f"bytes of 16-bit samples, bad text; `{CLIENT_GONE}` if the client went away "
            "mid-upload"
        },
        "404": {"description": "Unknown member"},
        "413": {"description": "Body larger than the cap, or audio longer than 30 s"},
        "415": {
            "description": "Unsupported content type or audio format; "
            f"`{BAD_AUDIO_PARAMETERS}` for missing or malformed audio/L16 parameters"
        },
        "422": {"description": "Invalid JSON body"},
        "503": {
            "description": "The speech recogniser stayed busy with other voice requests "
            "(code `recognizer_busy`): try again in a moment"
        },
    },
}
