"""The one way a test waits for something: poll a condition until it holds.

`wait_until` (async, on the test's event loop) and `wait_until_blocking` (a plain
thread: a test that drives processes or a D-Bus fake) share the rule: check every
20 ms of real time, fail with `what` (and `detail()`, e.g. a process's output) when
`timeout` real seconds pass. A timeout bounds a hang; it is never a timing assertion,
so keep it generous and let the scaled clock make the awaited thing quick.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

POLL_SECONDS = 0.02


def _failure(what: str, check: Callable[[], object], detail: Callable[[], str] | None) -> str:
    message = f"timed out waiting for {what or getattr(check, '__name__', 'a condition')}"
    return f"{message}\n{detail()}" if detail is not None else message


async def wait_until(
    check: Callable[[], object],
    timeout: float = 30.0,
    *,
    what: str = "",
    detail: Callable[[], str] | None = None,
) -> None:
    """Return as soon as `check()` is true; AssertionError after `timeout` real seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(_failure(what, check, detail))
        await asyncio.sleep(POLL_SECONDS)


def wait_until_blocking(
    check: Callable[[], object],
    timeout: float = 30.0,
    *,
    what: str = "",
    detail: Callable[[], str] | None = None,
) -> None:
    """`wait_until` for code that runs no event loop (it sleeps the calling thread)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(_failure(what, check, detail))
        time.sleep(POLL_SECONDS)
