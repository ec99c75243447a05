"""The HTTP API, versioned under /v1 and described at /openapi.json.

Devices authenticate with a bearer token (``confide devices add NAME``).  Errors are JSON
bodies ``{"error": {"code", "message"}}``: bad input answers 4xx, never 5xx.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from confide.assistant import Assistant
from confide.errors import ConfideError
from confide.hub.announcements import Announcements
from confide.hub.auth import DeviceDep
from confide.hub.chores import Chore, chores_lifespan
from confide.hub.deletions import router as deletions_router
from confide.hub.speech import (
    SPEECH_REQUEST,
    SPEECH_RESPONSES,
    WAV_TYPE,
    Voices,
    check_voice,
    read_speech_request,
)
from confide.hub.turn_requests import TURN_REQUEST, run_turn
from confide.hub.views import turn_view
from confide.vault import NotFoundError, Vault, history

log = logging.getLogger(__name__)

STATUS_BY_CODE = {
    "not_found": 404,
    "unknown_member": 404,
    "conflict": 409,
    "concurrent_update": 409,
    "request_too_large": 413,
    "audio_too_long": 413,
    "unsupported_media_type": 415,
    "audio_unsupported": 415,
    "bad_audio_parameters": 415,
}


async def post_speech(request: Request, _dev: DeviceDep) -> Response:
    """``POST /v1/speech``: the caller's text spoken, as WAV bytes; nothing is kept or logged.

    Synthesis runs in a worker thread; not in the audit log (no one's data is read).
    """
    body = await read_speech_request(request)
    voice = check_voice(body.voice)
    voices: Voices = request.app.state.voices
    wav = await run_in_threadpool(voices.wav, body.text, voice)
    # neither kept here nor by a cache on the way
    return Response(wav, media_type=WAV_TYPE, headers={"Cache-Control": "no-store"})


def create_app(
    vault: Vault,
    household_id: str,
    assistant: Assistant | None = None,
    *,
    tick_seconds: float | None = 1.0,
    chores: Sequence[Chore] = (),
) -> FastAPI:
    """The API over one vault; every ``tick_seconds`` due timers and alarms fire, and each
    chore (a retention sweep...) runs in a worker thread at its own interval."""
    runner = assistant or Assistant(vault, household_id)

    announcements = Announcements()

    def fire() -> None:
        announcements.add(runner.fire_due())

    every = [*([Chore("firing due records", tick_seconds, fire)] if tick_seconds else []), *chores]
    app = FastAPI(title="Confide", version="1", lifespan=chores_lifespan(every))
    app.state.assistant = runner
    app.state.voices = Voices()

    @app.exception_handler(ConfideError)
    async def confide_error(_request: Request, err: ConfideError) -> JSONResponse:
        status = STATUS_BY_CODE.get(err.code, 400) if err.bad_input else 503
        if isinstance(err, NotFoundError):
            status = 404
        return JSONResponse({"error": err.to_dict()}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in err.errors()
        )
        return JSONResponse({"error": {"code": "bad_request", "message": where}}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, err: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": "http_error", "message": str(err.detail)}},
            status_code=err.status_code,
            headers=err.headers,
        )

    @app.exception_handler(SQLAlchemyError)
    async def storage_error(_request: Request, err: SQLAlchemyError) -> JSONResponse:
        log.error("database error: %s", type(err).__name__)
        message = "the database is unavailable or busy; try again"
        return JSONResponse(
            {"error": {"code": "storage_unavailable", "message": message}}, status_code=503
        )

    @app.post(
        "/v1/turns",
        status_code=201,
        summary="Run one turn: a JSON text turn, or a voice turn (WAV or audio/L16, streamable)",
        openapi_extra=TURN_REQUEST,
    )
    async def post_turn(
        request: Request,
        dev: DeviceDep,
        member: Annotated[
            str | None, Query(description="Who is speaking (default: owner); for audio bodies.")
        ] = None,
    ) -> dict[str, Any]:
        return await run_turn(runner, request, device_id=dev.id, member=member)

    app.add_api_route(
        "/v1/speech",
        post_speech,
        methods=["POST"],
        summary="Speak a text: a WAV file (16-bit mono PCM); nothing is stored",
        response_class=Response,
        responses=SPEECH_RESPONSES,
        openapi_extra=SPEECH_REQUEST,
    )

    @app.get("/v1/history", summary="List turns, newest first")
    def get_history(
        dev: DeviceDep,
        member: str | None = None,
        since: Annotated[float | None, Query(description="epoch seconds")] = None,
        until: Annotated[float | None, Query(description="epoch seconds")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        member_id = runner.member(member).id if member else None
        turns = history(
            vault, household_id, member_id=member_id, since=since, until=until, limit=limit
        )
        vault.record_access(
            household_id, f"device:{dev.id}", "history.read", [member_id or household_id]
        )
        return [t.to_dict() for t in turns]

    @app.get("/v1/turns/{turn_id}", summary="A turn and everything derived from it")
    def get_turn(turn_id: str, dev: DeviceDep) -> dict[str, Any]:
        return turn_view(vault, household_id, turn_id, actor=f"device:{dev.id}")

    @app.get("/healthz", summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/announcements", summary="Timers, alarms and reminders that went off")
    def get_announcements(dev: DeviceDep, member: str | None = None) -> list[dict[str, Any]]:
        members = [runner.member(member)] if member else runner.vault.members(household_id)
        taken = announcements.take(m.id for m in members)
        if taken:
            vault.record_access(
                household_id,
                f"device:{dev.id}",
                "announcements.read",
                [str(a["record_id"]) for a in taken],
            )
        return taken

    @app.get("/v1/members/{name}/inbox", summary="Messages sent to a household member")
    def get_inbox(name: str, dev: DeviceDep) -> list[dict[str, Any]]:
        messages = runner.inbox(name)
        vault.record_access(
            household_id, f"device:{dev.id}", "inbox.read", [m.id for m in messages]
        )
        return [
            {
                "record_id": m.id,
                "from_member_id": m.member_id,
                "body": m.payload.get("body"),
                "turn_id": m.origin_turn_id,
                "created_at": m.created_at.isoformat(),
            }
            for m in messages
        ]

    app.include_router(deletions_router)
    return app
