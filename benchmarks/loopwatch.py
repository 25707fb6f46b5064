"""Event-loop stalls: how long each callback of one loop ran, and what the slow ones did.

While a `StallWatch` is active, every `Handle._run` of the watched loop is timed
(other loops, such as the simulator's threads, pass through untouched). A
callback is a task step or a plain callback: while it runs, nothing else on
the loop can, so its duration is the stall the user feels. A watchdog thread
looks every few milliseconds and, for a callback that has run longer than
`capture_after_s`, records the loop thread's stack: the line that blocks.
Garbage collections are timed too (`gc.callbacks`): a full collection runs
inside whatever callback allocated last, so a long one shows up as a stall
whose stack ends in an unrelated allocation.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any

_Run = Callable[[asyncio.Handle], None]


@dataclass(frozen=True)
class Stall:
    seconds: float
    what: str  # the callback, or the task and where its coroutine resumed
    stack: str  # innermost frames caught mid-callback, newest first ("" if none)


def short(path: str) -> str:
    """A source path without the parts every reader already knows."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    if "/lib/python3." in path:
        return "stdlib/" + path.split("/lib/python3.", 1)[1].split("/", 1)[-1]
    return path.removeprefix(os.getcwd() + os.sep)


def innermost(frame: FrameType, count: int = 3) -> str:
    """The innermost frames of a stack that are not the import machinery, newest first."""
    frames = [
        f
        for f in traceback.extract_stack(frame)
        if not f.filename.startswith("<frozen") and "importlib" not in f.filename
    ]
    return " < ".join(f"{short(f.filename)}:{f.lineno} {f.name}" for f in reversed(frames[-count:]))


def describe(handle: asyncio.Handle) -> str:
    callback: Any = getattr(handle, "_callback", None)
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro: Any = task.get_coro()
        frame = getattr(coro, "cr_frame", None)
        where = f" at {short(frame.f_code.co_filename)}:{frame.f_lineno}" if frame else ""
        return f"task {task.get_name()} ({getattr(coro, '__qualname__', coro)}){where}"
    return repr(callback)[:160]


class StallWatch:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        keep: int = 5,
        capture_after_s: float = 0.03,
        look_every_s: float = 0.005,
    ) -> None:
        self.loop = loop
        self.keep = keep
        self.capture_after_s = capture_after_s
        self.look_every_s = look_every_s
        self.callbacks = 0
        self.slowest: list[Stall] = []
        self.longest_gc = 0.0  # seconds, any generation
        self.full_collections = 0  # generation 2
        self._gc_started = 0.0
        self._original: _Run | None = None
        self._running_since: float | None = None
        self._caught: str = ""
        self._loop_thread = threading.get_ident()
        self._done = threading.Event()
        self._watchdog = threading.Thread(target=self._look, name="stall-watchdog", daemon=True)

    @property
    def longest(self) -> float:
        return self.slowest[0].seconds if self.slowest else 0.0

    def over(self, seconds: float) -> int:
        return sum(1 for s in self.slowest if s.seconds > seconds)

    def __enter__(self) -> StallWatch:
        original: _Run = asyncio.events.Handle._run
        self._original = original
        watch = self

        def timed(handle: asyncio.Handle) -> None:
            if handle._loop is not watch.loop:  # type: ignore[attr-defined]
                original(handle)
                return
            before = describe(handle)
            watch._caught = ""
            started = time.perf_counter()
            watch._running_since = started
            try:
                original(handle)
            finally:
                watch._running_since = None
                watch._record(time.perf_counter() - started, before)

        asyncio.events.Handle._run = timed  # type: ignore[method-assign,assignment]
        gc.callbacks.append(self._on_gc)
        self._watchdog.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._original is not None:
            asyncio.events.Handle._run = self._original  # type: ignore[method-assign,assignment]
        gc.callbacks.remove(self._on_gc)
        self._done.set()
        self._watchdog.join(timeout=1)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if threading.get_ident() != self._loop_thread:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        self.longest_gc = max(self.longest_gc, time.perf_counter() - self._gc_started)
        if info.get("generation") == 2:
            self.full_collections += 1

    def _record(self, seconds: float, what: str) -> None:
        self.callbacks += 1
        if len(self.slowest) >= self.keep and seconds <= self.slowest[-1].seconds:
            return
        self.slowest.append(Stall(seconds, what, self._caught))
        self.slowest.sort(key=lambda s: s.seconds, reverse=True)
        del self.slowest[self.keep :]

    def _look(self) -> None:
        while not self._done.wait(self.look_every_s):
            since = self._running_since
            if since is None or self._caught:
                continue
            if time.perf_counter() - since >= self.capture_after_s:
                frame = sys._current_frames().get(self._loop_thread)
                if frame is not None and self._running_since == since:
                    self._caught = innermost(frame)
