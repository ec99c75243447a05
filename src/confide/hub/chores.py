"""Work ``serve`` repeats in the background (firing due timers, retention sweeps...).

Each chore runs in a worker thread at its own interval for as long as the app is up; a failure
is logged (its type, never content) and the chore tries again at the next interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chore:
    """``run`` every ``every`` seconds, in a worker thread."""

    name: str
    every: float
    run: Callable[[], object]


async def _repeat(chore: Chore) -> None:
    while True:
        try:
            await asyncio.to_thread(chore.run)
        except Exception as err:  # noqa: BLE001 - a chore must outlive any one failure
            log.warning("%s failed (%s); retrying", chore.name, type(err).__name__)
        await asyncio.sleep(chore.every)


def chores_lifespan(
    chores: Sequence[Chore],
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A FastAPI lifespan that runs ``chores`` while the app is up."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(_repeat(chore)) for chore in chores]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return lifespan
