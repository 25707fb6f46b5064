"""Moonlight child processes: spawned async, drained, stopped by their process group.

Every child gets its own session on POSIX so that stopping it also stops what it
started (`flatpak run` puts Moonlight in a sandbox child), and its output pipes
are always drained so a chatty Moonlight can never block on a full pipe: output
is read in chunks, not lines, and only the last 4 KiB of a line is kept, however
long the line is. A `Tracker` hears when a child starts and ends (children.py
records them so a later run can close those a crash left behind).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.concurrency import within
from pawpado_desktop.moonlight.errors import INSTALL_URL, MoonlightUnusable

log = logging.getLogger(__name__)

_TAIL_LINES = 200
_LINE_BYTES = 4096  # kept of each line: its end, where Moonlight's message is
_CHUNK = 65536


class Tracker(Protocol):
    async def started(self, pid: int) -> None: ...

    async def ended(self) -> None: ...


def redacted(argv: Sequence[str]) -> list[str]:
    """`argv` fit for a log line: the value after --pin is hidden."""
    shown = list(argv)
    for i, arg in enumerate(shown[:-1]):
        if arg.lstrip("-").lower() == "pin":
            shown[i + 1] = "****"
    return shown


async def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None,
    cwd: Path | None,
    tracker: Tracker | None = None,
) -> asyncio.subprocess.Process:
    log.debug("running %s", redacted(argv))
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=None if env is None else dict(env),
            cwd=cwd,
            start_new_session=sys.platform != "win32",
        )
    except OSError as exc:
        raise MoonlightUnusable(
            "Moonlight at {path} could not be started ({reason}). "
            "Reinstall it from {url}, or correct its location in Settings.",
            path=argv[0],
            reason=exc.strerror or str(exc),
            url=INSTALL_URL,
        ) from exc
    if tracker is not None:
        try:
            await asyncio.shield(tracker.started(process.pid))
        except BaseException:  # the caller never gets the handle: the child must not stay
            send_signal(process, kill=True)
            raise
    return process


def send_signal(process: asyncio.subprocess.Process, *, kill: bool) -> None:
    """SIGTERM (or SIGKILL) the child's whole process group; a child that is gone is fine."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if sys.platform == "win32":  # no process groups or graceful signal there
            process.kill()
        else:
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


async def run_captured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None,
    cwd: Path | None,
    tracker: Tracker | None = None,
) -> Completed:
    """Run to completion. Callers bound it with `within`: on timeout or
    cancellation the child is killed before the exception goes on."""
    process = await spawn(argv, env=env, cwd=cwd, tracker=tracker)
    try:
        out, err = await process.communicate()
    except BaseException:
        send_signal(process, kill=True)
        with contextlib.suppress(ProcessLookupError):
            await asyncio.shield(process.wait())
        raise
    finally:
        if tracker is not None and process.returncode is not None:
            await asyncio.shield(tracker.ended())
    return Completed(process.returncode or 0, _decode(out), _decode(err))


class WatchedProcess:
    """A long-running child whose output lines are kept (last 200) and reported."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        on_line: Callable[[str], None] | None = None,
        tracker: Tracker | None = None,
    ) -> None:
        self._process = process
        self._on_line = on_line
        self._tracker = tracker
        self.lines: deque[str] = deque(maxlen=_TAIL_LINES)
        self.stopped_by_us = False
        assert process.stdout is not None and process.stderr is not None
        self._readers = [
            asyncio.ensure_future(self._drain(process.stdout)),
            asyncio.ensure_future(self._drain(process.stderr)),
        ]
        self._exited = asyncio.ensure_future(self._wait_all())

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.returncode if self._exited.done() else None

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        """Read until the pipe closes, whatever comes: a line of any length is cut to
        its last bytes, and a failing listener is logged, never the end of reading."""
        line = bytearray()
        while chunk := await stream.read(_CHUNK):
            *ends, rest = chunk.split(b"\n")
            for end in ends:
                line += end[-_LINE_BYTES:]
                self._emit(bytes(line[-_LINE_BYTES:]))
                line.clear()
            line += rest[-_LINE_BYTES:]
            del line[:-_LINE_BYTES]
        if line:
            self._emit(bytes(line))

    def _emit(self, raw: bytes) -> None:
        text = _decode(raw).rstrip("\r")
        self.lines.append(text)
        if self._on_line is not None:
            try:
                self._on_line(text)
            except Exception:
                log.exception("handling a Moonlight output line failed")

    async def _wait_all(self) -> int:
        try:
            return await self._wait_exit()
        finally:
            # Only once it has exited: a record of a child that may still run stays.
            if self._tracker is not None and self._process.returncode is not None:
                await asyncio.shield(self._tracker.ended())

    async def _wait_exit(self) -> int:
        code = await self._process.wait()
        # The pipes close when the child exits, unless a grandchild kept them open.
        with contextlib.suppress(TimeoutError):
            await within(SYSTEM_CLOCK, 2.0, asyncio.gather(*self._readers, return_exceptions=True))
        for reader in self._readers:
            reader.cancel()
        return code

    async def wait(self) -> int:
        """The exit code (negative: the signal that ended it on POSIX)."""
        return await asyncio.shield(self._exited)

    async def stop(self, grace: float) -> int:
        """Ask it to close (SIGTERM), then kill it if it is still there after `grace`."""
        if self._exited.done():
            return self._exited.result()
        self.stopped_by_us = True
        send_signal(self._process, kill=False)
        try:
            return await within(SYSTEM_CLOCK, grace, self.wait())
        except TimeoutError:
            log.info("Moonlight (pid %s) ignored SIGTERM; killing it", self.pid)
        return await self.kill()

    async def kill(self) -> int:
        if not self._exited.done():
            self.stopped_by_us = True
            send_signal(self._process, kill=True)
        return await self.wait()


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
