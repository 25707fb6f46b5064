"""One background thread that runs blocking calls in order, awaited with a timeout.

Keyring backends block (D-Bus round trips, unlock prompts) and are not known to
be thread-safe, so every call goes through the same single thread. It is a
daemon thread rather than a ThreadPoolExecutor because the interpreter joins
executor threads at exit: a keyring prompt that never returns would otherwise
keep the CLI from ever exiting.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.concurrency import within

T = TypeVar("T")

_Job = tuple[Callable[[], Any], "concurrent.futures.Future[Any]"]


class SerialWorker:
    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        # A job whose caller gave up waiting but which is still running: the
        # thread is stuck in it, so later jobs would only queue up behind it.
        self._abandoned: concurrent.futures.Future[Any] | None = None

    @property
    def is_stuck(self) -> bool:
        return self._abandoned is not None and not self._abandoned.done()

    async def run(self, fn: Callable[[], T], seconds: float) -> T:
        """Run `fn` on the worker thread; TimeoutError if it takes longer than `seconds`."""
        if self._closed:
            raise RuntimeError(f"{self._name} worker is closed")
        if self.is_stuck:
            raise TimeoutError("an earlier call is still blocked")
        self._ensure_started()
        job: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((fn, job))
        try:
            return await within(SYSTEM_CLOCK, seconds, asyncio.shield(asyncio.wrap_future(job)))
        except (TimeoutError, asyncio.CancelledError):
            # Drop it if it has not started; if it is running we can only stop waiting.
            if not job.cancel():
                self._abandoned = job
            raise

    def close(self) -> None:
        """Let the thread end after the jobs already queued."""
        with self._start_lock:
            self._closed = True
            if self._thread is not None:
                self._jobs.put(None)

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while (item := self._jobs.get()) is not None:
            fn, job = item
            if not job.set_running_or_notify_cancel():
                continue
            try:
                result = fn()
            except BaseException as exc:  # handed to the awaiting coroutine
                job.set_exception(exc)
            else:
                job.set_result(result)
