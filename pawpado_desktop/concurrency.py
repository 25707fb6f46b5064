"""Racing and bounding awaitables: the one way the app does it.

- `first_of(*racers)`: the first to finish wins; the others are cancelled and
  waited for (a cancelled `moonlight list` kills its child before we go on).
- `within(clock, seconds, work)`: `work`, unless `seconds` of `clock`'s time pass
  first. Deadlines that follow the server or billing use the app's Clock, so
  tests on a ScaledClock compress them; bounds on a child process or a socket,
  which run in real time, pass `SYSTEM_CLOCK`.
- `all_or_nothing(*steps)`: all at once; the first failure cancels the rest.
- `failure_of(task)`: a racer that only ever ends by raising `task`'s error, to
  race a task the caller keeps (a join that must go on) without cancelling it;
  `never()`: a racer that leaves the decision to the others.

Unlike asyncio.gather and asyncio.wait_for, nothing is left running behind a
result, a failure or a cancellation, and errors come out as they were raised
(no ExceptionGroup to unwrap).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, NoReturn, TypeVar, cast

from pawpado_desktop.clock import Clock

T = TypeVar("T")


async def first_of(*racers: Awaitable[T]) -> tuple[int, T]:
    """(index, result) of the first racer to finish; its error if it failed.

    Racers that finish together are ranked by their order here. The others are
    cancelled and waited for, also when the caller is cancelled. A task passed
    in is cancelled like the rest if it loses: shield it (or race `failure_of`
    it) to keep it.
    """
    if not racers:
        raise ValueError("first_of needs at least one racer")
    tasks = [asyncio.ensure_future(racer) for racer in racers]
    finished: set[asyncio.Future[T]] = set()
    try:
        finished, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await _cancel_and_wait(task for task in tasks if not task.done())
    # Chosen among those done before the cancel: a loser that swallowed it is no winner.
    index = next(i for i, task in enumerate(tasks) if task in finished)
    _retrieve(task for task in tasks if task is not tasks[index])
    return index, tasks[index].result()


async def within(
    clock: Clock,
    seconds: float,
    work: Awaitable[T],
    on_timeout: Callable[[], BaseException] = TimeoutError,
) -> T:
    """`work`'s result (or error), unless `seconds` of `clock`'s time pass first.

    Then `work` is cancelled and waited for, and `on_timeout()` is raised
    (TimeoutError by default). Work that finishes as the time runs out wins.
    """
    index, result = await first_of(work, clock.sleep(seconds))
    if index == 1:
        raise on_timeout()
    return cast(T, result)


async def all_or_nothing(*steps: Awaitable[Any]) -> list[Any]:
    """Every step's result, in order; on the first failure the rest are cancelled
    and waited for, and the failure (the earliest step's, if several) is raised."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        await _cancel_and_wait(task for task in tasks if not task.done())
    failures = _retrieve(tasks)
    if failures:
        raise failures[0]
    return [task.result() for task in tasks]


async def failure_of(task: asyncio.Future[Any]) -> NoReturn:
    """Raise `task`'s error once it fails; never return if it succeeds.

    Cancelling this leaves `task` running.
    """
    await asyncio.wait({task})
    if task.cancelled():
        raise asyncio.CancelledError()
    error = task.exception()
    if error is None:
        await never()
    raise error


async def never() -> NoReturn:
    """Wait until cancelled: a racer that leaves the decision to the others."""
    await asyncio.Event().wait()
    raise AssertionError("an Event nobody sets was set")


async def _cancel_and_wait(tasks: Iterable[asyncio.Future[Any]]) -> None:
    pending = set(tasks)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
    _retrieve(pending)


def _retrieve(tasks: Iterable[asyncio.Future[Any]]) -> list[BaseException]:
    """The errors of the finished `tasks`, marked as seen (so asyncio does not log
    "exception was never retrieved" for a loser that failed while cancelled)."""
    return [
        error
        for task in tasks
        if task.done() and not task.cancelled() and (error := task.exception()) is not None
    ]
