"""Deletion over HTTP: ``DELETE /v1/turns/{id}``, ``POST /v1/deletions``, receipts and their
verification.  A deletion is acknowledged (durable) before it runs; the answer is its receipt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from confide.assistant import Assistant
from confide.hub.auth import DeviceDep
from confide.lifecycle import Selection, forget, list_receipts, load_receipt, verify_erasure

router = APIRouter()

Scope = Literal["voice", "everything"]
SCOPE_HELP = "voice: everything derived from the speech; everything: also the records it made"


class DeletionRequest(BaseModel):
    """What to forget: one mode and what it needs."""

    mode: Literal["turn", "last", "today", "range", "all"]
    turn_id: str | None = Field(default=None, max_length=40, description="For mode turn.")
    member: str | None = Field(
        default=None, max_length=100, description="Whose turns (default: the owner)."
    )
    since: datetime | None = Field(default=None, description="Range start (local if no zone).")
    until: datetime | None = Field(default=None, description="Range end, exclusive.")
    scope: Scope = Field(default="voice", description=SCOPE_HELP)


def _epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.astimezone().timestamp()


def _selection(runner: Assistant, body: DeletionRequest) -> Selection:
    if body.mode == "turn":
        return Selection("turn", turn_id=body.turn_id)
    if body.mode == "range":
        member_id = runner.member(body.member).id if body.member else None
        return Selection("range", member_id, since=_epoch(body.since), until=_epoch(body.until))
    member_id = runner.member(body.member).id
    if body.mode == "today":
        return Selection.today(member_id, runner.vault.clock.now())
    return Selection(body.mode, member_id)


@router.delete("/v1/turns/{turn_id}", summary="Forget one turn; answers its receipt")
def delete_turn(
    turn_id: str,
    request: Request,
    dev: DeviceDep,
    scope: Annotated[Scope, Query(description=SCOPE_HELP)] = "voice",
) -> dict[str, Any]:
    runner: Assistant = request.app.state.assistant
    receipt = forget(
        runner.vault,
        runner.household_id,
        Selection("turn", turn_id=turn_id),
        scope=scope,
        actor=f"device:{dev.id}",
    )
    return receipt.to_dict()


@router.post(
    "/v1/deletions",
    status_code=201,
    summary="Forget turns: one, the last, today, a time range or all of a member",
)
def post_deletion(body: DeletionRequest, request: Request, dev: DeviceDep) -> dict[str, Any]:
    runner: Assistant = request.app.state.assistant
    receipt = forget(
        runner.vault,
        runner.household_id,
        _selection(runner, body),
        scope=body.scope,
        actor=f"device:{dev.id}",
    )
    return receipt.to_dict()


@router.get("/v1/receipts", summary="Deletion receipts, newest first (summaries)")
def get_receipts(
    request: Request, dev: DeviceDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    runner: Assistant = request.app.state.assistant
    found = list_receipts(runner.vault, runner.household_id, limit)
    runner.vault.record_access(
        runner.household_id, f"device:{dev.id}", "receipts.read", [runner.household_id]
    )
    return [r.summary() for r in found]


@router.get("/v1/receipts/{receipt_id}", summary="One receipt with every item")
def get_receipt(receipt_id: str, request: Request, dev: DeviceDep) -> dict[str, Any]:
    runner: Assistant = request.app.state.assistant
    receipt = load_receipt(runner.vault, runner.household_id, receipt_id)
    runner.vault.record_access(
        runner.household_id, f"device:{dev.id}", "receipt.read", [receipt_id]
    )
    return receipt.to_dict()


@router.post(
    "/v1/receipts/{receipt_id}/verification",
    summary="Re-check every item of a receipt (200 verified, 409 not)",
    responses={409: {"description": "Not verified: the body lists the problems."}},
)
def post_verification(receipt_id: str, request: Request, dev: DeviceDep) -> JSONResponse:
    runner: Assistant = request.app.state.assistant
    result = verify_erasure(runner.vault, runner.household_id, receipt_id)
    runner.vault.record_access(
        runner.household_id, f"device:{dev.id}", "erasure.verify", [receipt_id]
    )
    return JSONResponse(result.to_dict(), status_code=200 if result.ok else 409)
