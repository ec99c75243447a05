"""``POST /v1/turns``: a JSON text turn or a WAV recording (a voice turn), by content type.

Bodies are streamed and refused (413) as soon as they pass the cap, so an oversized upload is
never held in memory whole.  Bad audio is refused before any turn exists.  Decoding and
recognition are CPU-bound and run in worker threads so the event loop keeps serving.  Errors
name the problem, never the body.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from confide.assistant import Assistant
from confide.errors import ConfideError
from confide.voice.audio import ACCEPTED
from confide.voice_turns import MAX_WAV_BYTES, decode_timed, run_voice_turn

MAX_JSON_BYTES = 64 * 1024
AUDIO_TYPES = frozenset({"audio/wav", "audio/x-wav", "audio/wave"})
JSON_TYPE = "application/json"


class HubError(ConfideError):
    """Root error of ``confide.hub``: a request the API cannot take."""

    code = "hub_error"


class TextTurn(BaseModel):
    text: str = Field(min_length=1, max_length=1000, description="What the person said or typed.")
    member: str | None = Field(default=None, description="Who is speaking (default: owner).")


def media_type(request: Request) -> str:
    """``json`` or ``audio`` by the Content-Type header (none means JSON), else 415."""
    value = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if value in ("", JSON_TYPE) or value.endswith("+json"):
        return "json"
    if value in AUDIO_TYPES:
        return "audio"
    raise HubError(
        f"unsupported content type {value[:80]!r}: send {JSON_TYPE} (a text turn) "
        f"or audio/wav (a voice turn)",
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
    if media_type(request) == "json":
        body = await read_text_turn(request)
        outcome = await run_in_threadpool(
            runner.ask, body.text, member=body.member or member, device_id=device_id
        )
        return outcome.to_dict()
    data = await read_capped(request, MAX_WAV_BYTES)
    decoded = await run_in_threadpool(decode_timed, data)
    del data
    voiced = await run_in_threadpool(
        run_voice_turn, runner, decoded, member=member, device_id=device_id
    )
    return voiced.to_dict()


#: The OpenAPI request body of ``POST /v1/turns``: a JSON text turn or a WAV recording.
TURN_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            JSON_TYPE: {"schema": TextTurn.model_json_schema()},
            **{
                kind: {
                    "schema": {"type": "string", "format": "binary"},
                    "description": f"A voice turn: {ACCEPTED}, at most {MAX_WAV_BYTES} "
                    "bytes; the speaker is the `member` query parameter.",
                }
                for kind in sorted(AUDIO_TYPES)
            },
        },
    },
    "responses": {
        "400": {"description": "Bad input: empty, corrupt or non-WAV audio, bad text"},
        "404": {"description": "Unknown member"},
        "413": {"description": "Body larger than the cap, or audio longer than 30 s"},
        "415": {"description": "Unsupported content type or audio format"},
        "422": {"description": "Invalid JSON body"},
        "503": {
            "description": "The speech recogniser stayed busy with other voice requests "
            "(code `recognizer_busy`): try again in a moment"
        },
    },
}
