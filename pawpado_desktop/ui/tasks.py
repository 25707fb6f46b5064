"""Background coroutines started from Qt signals, kept alive until they finish.

An asyncio task nobody references can be collected mid-run; this holds each one,
and sends an unexpected exception to sys.excepthook (which logs it and tells the
user) instead of letting it vanish.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class Tasks:
    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Awaitable[T]) -> asyncio.Task[T]:
        coroutine: Coroutine[Any, Any, T] = work if asyncio.iscoroutine(work) else _await(work)
        task = asyncio.get_event_loop().create_task(coroutine)
        self._running.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._running.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            sys.excepthook(type(error), error, error.__traceback__)

    @property
    def running(self) -> int:
        return len(self._running)

    async def cancel_all(self) -> None:
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _await(work: Awaitable[T]) -> T:
    return await work
