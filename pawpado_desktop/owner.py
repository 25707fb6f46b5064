"""One owner per shared thing, across every Pawpado process of this user.

A Play, the tailnet join and each Moonlight child have exactly one owner
process. The owner holds an exclusive file lock for as long as it owns the thing
(the OS drops the lock when the process dies, however it dies) and writes who it
is (PID and process start time) in a file beside the lock, so another process
can name the owner, and a record left by a dead process can be told from a live
owner's work. A PID alone is not enough: PIDs are reused, the start time is not.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock

from pawpado_desktop.config import read_json, write_json


def process_start_time(pid: int) -> int | None:
    """When process `pid` started, in OS-specific units; None if unknown or not running.

    Linux: clock ticks since boot from /proc (field 22 of stat). Elsewhere None, and
    callers fall back to whether the PID runs at all.
    """
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    fields = raw.rpartition(")")[2].split()
    try:
        return int(fields[19])  # field 22 overall; fields[0] is field 3 (the state)
    except (IndexError, ValueError):
        return None


def pid_running(pid: int) -> bool:
    """Whether some process has this PID (it may be another program after reuse)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return _windows_pid_running(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it runs, and it is not ours
    except OSError:
        return False
    return True


def _windows_pid_running(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


@dataclass(frozen=True)
class ProcessIdentity:
    """A process as it can be recognised later: its PID and when it started."""

    pid: int
    started: int | None = None

    @classmethod
    def current(cls) -> ProcessIdentity:
        return cls(os.getpid(), process_start_time(os.getpid()))

    @classmethod
    def of(cls, pid: int) -> ProcessIdentity:
        return cls(pid, process_start_time(pid))

    def is_alive(self) -> bool:
        """True while this very process runs (not a later one that reused the PID)."""
        if not pid_running(self.pid):
            return False
        if self.started is None:
            return True  # no start time on this platform: the PID is all we know
        return process_start_time(self.pid) == self.started

    def to_json(self) -> dict[str, Any]:
        return {"pid": self.pid, "started": self.started}

    @classmethod
    def from_json(cls, raw: Any) -> ProcessIdentity | None:
        if not isinstance(raw, dict):
            return None
        pid, started = raw.get("pid"), raw.get("started")
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
            return None
        if started is not None and (not isinstance(started, int) or isinstance(started, bool)):
            return None
        return cls(pid, started)


class OwnerLock:
    """An exclusive, non-blocking, crash-safe lock with the owner's identity beside it.

    `try_acquire()` never waits: a thing that is owned is refused at once, and the
    caller says who owns it. The lock file itself is never written to (opening it
    to try the lock truncates it on some platforms); the owner file is.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.owner_path = path.with_name(path.name + ".owner.json")
        self._lock = filelock.FileLock(str(path), thread_local=False, is_singleton=False)

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return bool(self._lock.is_locked)

    def try_acquire(self, **info: Any) -> bool:
        """Take the lock now if it is free; True if this process owns it afterwards.

        `info` (plain JSON values) is written beside the owner's identity, for the
        others to read with `owner_info()`.
        """
        if self.held:
            return True
        if not self._take():
            return False
        with contextlib.suppress(OSError):  # the lock still protects; the owner is unnamed
            write_json(self.owner_path, {**info, **ProcessIdentity.current().to_json()})
        return True

    def release(self) -> None:
        if not self.held:
            return
        with contextlib.suppress(OSError):
            self.owner_path.unlink(missing_ok=True)
        self._lock.release(force=True)

    def is_free(self) -> bool:
        """True if nobody holds the lock right now (tested by taking and dropping it)."""
        if self.held or not self._take():
            return False
        self._lock.release(force=True)
        return True

    def _take(self) -> bool:
        """The lock, without waiting and without naming the owner."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        return True

    def owner(self) -> ProcessIdentity | None:
        """Who holds the lock, if another live process does and wrote its name."""
        info = self.owner_info()
        return None if info is None else ProcessIdentity.from_json(info)

    def owner_info(self) -> dict[str, Any] | None:
        """The owner file of a live holder (None when the lock is free or unnamed)."""
        if self.held:
            raw = read_json(self.owner_path)
            return raw if isinstance(raw, dict) else None
        if self.is_free():
            return None  # a file left by a dead owner says nothing
        raw = read_json(self.owner_path)
        if not isinstance(raw, dict):
            return None
        identity = ProcessIdentity.from_json(raw)
        return raw if identity is not None and identity.is_alive() else None
