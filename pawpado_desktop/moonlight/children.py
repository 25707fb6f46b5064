"""The Moonlight children we started, recorded so a later run can close them if we die.

Every child runs in its own session (process.spawn), so when Pawpado dies hard
(kill -9, a crash) its Moonlight lives on: a stream keeps the cloud PC busy and
a `pair` window stays open. Each child is written to `moonlight-children.json`
in the config directory (0600, replaced atomically, several processes serialised
by a short file lock) with its identity (PID and start time), what it was, the
action it ran (PIN hidden) and the identity of the Pawpado process that started
it. The record goes when the child ends.

At start-up `close_orphans` closes the children of dead Pawpado processes that
still run, and nothing else: never the children of a live Pawpado process, and
never a process that is not the very Moonlight we launched (same PID and start
time, and a command line that ends with the action we ran). Where the platform
cannot tell (no start time and no command line: Windows), nothing is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import filelock

from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.concurrency import within
from pawpado_desktop.config import config_dir, read_json, write_json
from pawpado_desktop.moonlight.process import redacted, run_captured
from pawpado_desktop.owner import ProcessIdentity

log = logging.getLogger(__name__)

FILE_NAME = "moonlight-children.json"
_LOCK_TIMEOUT = 5.0  # writers hold the lock for one small read-modify-write
_POLL = 0.05  # real seconds between checks while an orphan closes
_KILL_WAIT = 2.0  # after SIGKILL, how long to wait for it to be gone
_PS_TIMEOUT = 5.0
_HIDDEN = redacted(["--pin", "0"])[1]


class ChildKind(StrEnum):
    STREAM = "stream"
    PAIR = "pair"
    LIST = "list"


@dataclass(frozen=True)
class ChildRecord:
    child: ProcessIdentity
    kind: ChildKind
    args: tuple[str, ...]  # the action and its arguments as run, the PIN hidden
    parent: ProcessIdentity  # the Pawpado process that started it
    boot: str | None = None  # Linux boot id: a record of an earlier boot is stale

    def to_json(self) -> dict[str, Any]:
        return {
            "child": self.child.to_json(),
            "kind": self.kind.value,
            "args": list(self.args),
            "parent": self.parent.to_json(),
            "boot": self.boot,
        }

    @classmethod
    def from_json(cls, raw: Any) -> ChildRecord | None:
        if not isinstance(raw, dict):
            return None
        child = ProcessIdentity.from_json(raw.get("child"))
        parent = ProcessIdentity.from_json(raw.get("parent"))
        args, boot = raw.get("args"), raw.get("boot")
        try:
            kind = ChildKind(str(raw.get("kind")))
        except ValueError:
            return None
        if child is None or parent is None or not isinstance(args, list) or not args:
            return None
        if not all(isinstance(a, str) for a in args) or not isinstance(boot, str | None):
            return None
        return cls(child, kind, tuple(args), parent, boot)


class ChildTracker:
    """One child's record: written once it runs, removed when it ends."""

    def __init__(self, registry: ChildRegistry, kind: ChildKind, args: Sequence[str]) -> None:
        self._registry = registry
        self._kind = kind
        self._args = tuple(args)
        self._record: ChildRecord | None = None

    async def started(self, pid: int) -> None:
        self._record = await self._registry.add(pid, self._kind, self._args)

    async def ended(self) -> None:
        record, self._record = self._record, None
        if record is not None:
            await self._registry.remove([record])


class ChildRegistry:
    """The children file of one config directory; every method is safe to call from
    several Pawpado processes at once, and a failure to write never fails a child."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        if self._path is None:  # resolved late: the config directory can be chosen late
            self._path = config_dir() / FILE_NAME
        return self._path

    def tracker(self, kind: ChildKind, args: Sequence[str]) -> ChildTracker:
        return ChildTracker(self, kind, args)

    async def add(self, pid: int, kind: ChildKind, args: Sequence[str]) -> ChildRecord | None:
        """Record a child that runs `args` (the PIN is hidden before anything is written)."""
        try:
            return await asyncio.to_thread(self._add, pid, kind, tuple(redacted(args)))
        except (OSError, filelock.Timeout) as exc:
            log.warning("could not record Moonlight process %s: %s", pid, exc)
            return None

    def _add(self, pid: int, kind: ChildKind, args: tuple[str, ...]) -> ChildRecord:
        record = ChildRecord(
            ProcessIdentity.of(pid), kind, args, ProcessIdentity.current(), _boot_id()
        )
        self._update(lambda records: [*records, record])
        return record

    async def remove(self, gone: Sequence[ChildRecord]) -> None:
        children = {r.child for r in gone}
        try:
            await asyncio.to_thread(
                self._update, lambda records: [r for r in records if r.child not in children]
            )
        except (OSError, filelock.Timeout) as exc:
            log.warning("could not update %s: %s", self.path.name, exc)

    async def records(self) -> list[ChildRecord]:
        return await asyncio.to_thread(self._read)

    def _read(self) -> list[ChildRecord]:
        raw = read_json(self.path)
        entries = raw.get("children") if isinstance(raw, dict) else None
        if not isinstance(entries, list):
            return []
        return [r for r in map(ChildRecord.from_json, entries) if r is not None]

    def _update(self, change: Callable[[list[ChildRecord]], list[ChildRecord]]) -> None:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = filelock.FileLock(str(path) + ".lock", thread_local=False, is_singleton=False)
        with lock.acquire(timeout=_LOCK_TIMEOUT):
            before = self._read()
            after = change(before)
            if after == before:
                return
            if after:
                write_json(path, {"children": [r.to_json() for r in after]})
            else:
                path.unlink(missing_ok=True)

    async def close_orphans(self, grace: float) -> list[ChildRecord]:
        """Close the children of dead Pawpado processes that still run; return them.

        Each is asked to close (SIGTERM to its process group), then killed after
        `grace` real seconds. Records of children that are gone, or whose PID now
        belongs to another program, are dropped; those of live owners are kept.
        """
        stale: list[ChildRecord] = []
        orphans: list[ChildRecord] = []
        for record in await self.records():
            if await asyncio.to_thread(running, record.parent):
                continue  # a live Pawpado process: its children are its own business
            if await _is_our_moonlight(record):
                orphans.append(record)
            else:
                stale.append(record)
        closed = await asyncio.gather(*(_close(r, grace) for r in orphans))
        done = [r for r, ok in zip(orphans, closed, strict=True) if ok]
        if stale or done:
            await self.remove([*stale, *done])
        for record in done:
            log.info(
                "closed Moonlight %s (pid %s) left running by a Pawpado process that ended",
                record.kind.value,
                record.child.pid,
            )
        return done


def running(identity: ProcessIdentity) -> bool:
    """True while this very process runs; a zombie (exited, not yet reaped) does not."""
    return identity.is_alive() and _proc_state(identity.pid) not in ("Z", "X")


async def _is_our_moonlight(record: ChildRecord) -> bool:
    if sys.platform == "win32":  # no start time or command line to be sure of
        return False
    boot = await asyncio.to_thread(_boot_id)
    if record.boot is not None and boot is not None and record.boot != boot:
        return False
    if record.child.started is None and await asyncio.to_thread(_has_proc):
        return False  # it ended before its start time was read: its PID proves nothing
    if not await asyncio.to_thread(running, record.child):
        return False
    command = await _command_line(record.child.pid)
    return command is not None and runs_action(command, record.args)


def runs_action(command: str, args: Sequence[str]) -> bool:
    """Whether a command line (arguments joined by spaces) ends with `args`.

    The launcher in front may differ (a shell script that execs, `flatpak run`),
    the action and its arguments are ours; a hidden PIN matches any value.
    """
    parts = [
        r"\S+"
        if arg == _HIDDEN and i and args[i - 1].lstrip("-").lower() == "pin"
        else re.escape(arg)
        for i, arg in enumerate(args)
    ]
    return re.search(r"(?:^|\s)" + " ".join(parts) + r"\s*$", command) is not None


async def _command_line(pid: int) -> str | None:
    """The process's arguments joined by spaces; None when they cannot be read."""
    raw = await asyncio.to_thread(_read_proc, pid, "cmdline")
    if raw is not None:
        return raw.rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", errors="replace")
    if sys.platform.startswith("linux"):
        return None
    try:  # macOS and other Unixes: ask ps, which prints the whole line with -ww
        ps = run_captured(["ps", "-ww", "-o", "command=", "-p", str(pid)], env=None, cwd=None)
        done = await within(SYSTEM_CLOCK, _PS_TIMEOUT, ps)
    except Exception as exc:  # unknown is "not ours": never close what we cannot name
        log.info("could not read the command line of process %s: %s", pid, exc)
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


async def _close(record: ChildRecord, grace: float) -> bool:
    """SIGTERM, then SIGKILL after `grace`; True once it is gone."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, _KILL_WAIT)):
        if not await asyncio.to_thread(running, record.child):
            return True  # also: never signal a PID that another process took meanwhile
        _signal_group(record.child.pid, sig)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while loop.time() < deadline:
            await asyncio.sleep(_POLL)
            if not await asyncio.to_thread(running, record.child):
                return True
    gone = not await asyncio.to_thread(running, record.child)
    if not gone:
        log.warning("Moonlight (pid %s) did not close even when killed", record.child.pid)
    return gone


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the child's process group (it leads one: it was started in its own
    session), so that what it started (a Flatpak sandbox) goes with it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def _proc_state(pid: int) -> str | None:
    raw = _read_proc(pid, "stat")
    if raw is None:
        return None
    fields = raw.rpartition(b")")[2].split()
    return fields[0].decode("ascii", errors="replace") if fields else None


def _read_proc(pid: int, name: str) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:
        return None


def _has_proc() -> bool:
    return Path("/proc/self/stat").exists()


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return None
