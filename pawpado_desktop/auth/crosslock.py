"""A lock shared by every Pawpado process of this user (tray and CLI alike).

Whoever rotates the refresh token must be alone, or two processes redeem the
same token and the second one is taken for a thief. An asyncio lock orders the
coroutines of this process; a file lock in the config folder orders processes.
The file lock is tried without blocking from a worker thread, so the event loop
never waits on the file system.

A holder's network work runs under `hold_deadline_s`, half of what the others
wait for the lock: a slow identity provider makes the holder give up, never the
processes queued behind it (they would otherwise be told `SignInBusy`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import filelock

from pawpado_desktop.errors import PawpadoError

POLL_INTERVAL = 0.01  # a non-blocking flock attempt: cheap enough to try often
HOLD_SHARE = 0.5  # of the wait: what is left covers the holder's store reads and writes


class SignInBusy(PawpadoError):
    title = "Sign-in busy"


class CrossProcessLock:
    def __init__(self, path: Path, *, timeout: float = 60.0) -> None:
        self.path = path
        self._timeout = timeout
        # Not thread-local: it is taken on a worker thread and released on the loop's.
        self._file_lock = filelock.FileLock(str(path), thread_local=False)
        self._local = asyncio.Lock()

    @property
    def hold_deadline_s(self) -> float:
        """How long a holder may wait on the network, well inside the others' wait."""
        return self._timeout * HOLD_SHARE

    @contextlib.asynccontextmanager
    async def hold(self, give_up_s: float | None = None) -> AsyncIterator[None]:
        """Hold the lock; SignInBusy after `give_up_s` seconds (default: the lock's own)."""
        async with self._local:
            await self._acquire(self._timeout if give_up_s is None else give_up_s)
            try:
                yield
            finally:
                self._file_lock.release()

    async def _acquire(self, give_up_s: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + give_up_s
        while True:
            attempt = asyncio.ensure_future(asyncio.to_thread(self._try_acquire))
            try:
                got = await asyncio.shield(attempt)
            except asyncio.CancelledError:
                # The thread may still win the lock after we stop waiting: give it back.
                if await attempt:
                    self._file_lock.release()
                raise
            if got:
                return
            if loop.time() >= deadline:
                raise SignInBusy(
                    "Another Pawpado window has been updating your sign-in for too long. "
                    "Close other Pawpado windows or wait a moment, then try again."
                )
            await asyncio.sleep(POLL_INTERVAL)

    def _try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self._file_lock.acquire(blocking=False)
        except filelock.Timeout:
            return False
        return True
