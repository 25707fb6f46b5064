"""Other Moonlight processes on this computer.

Moonlight has no single-instance lock and every instance rewrites the whole
host list when it saves, so a window left open can overwrite a pairing made by
our `pair` run. We find them by process name: /proc on Linux, `ps` on macOS,
`tasklist` on Windows. This is advice for a warning, so failures yield nothing.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.concurrency import within
from pawpado_desktop.moonlight.process import run_captured

log = logging.getLogger(__name__)

_LIST_TIMEOUT = 5.0


@dataclass(frozen=True)
class RunningMoonlight:
    pid: int
    name: str


def is_moonlight_name(name: str) -> bool:
    """`moonlight`, `moonlight-qt`, `Moonlight.exe`, an AppImage's `Moonlight-6.1.0...`."""
    stem = name.strip().lower().removesuffix(".exe")
    return stem == "moonlight" or stem.startswith("moonlight-")


def parse_ps(output: str) -> list[RunningMoonlight]:
    """Lines of `ps -axo pid=,comm=` (macOS prints the executable's full path)."""
    found = []
    for line in output.splitlines():
        pid_text, _, command = line.strip().partition(" ")
        name = PurePosixPath(command.strip()).name
        if _is_pid(pid_text) and is_moonlight_name(name):
            found.append(RunningMoonlight(int(pid_text), name))
    return found


def _is_pid(text: str) -> bool:
    # isdigit() alone accepts "²" and numbers too long for int().
    return text.isascii() and text.isdigit() and len(text) <= 10


def parse_tasklist(output: str) -> list[RunningMoonlight]:
    """CSV rows of `tasklist /FO CSV /NH`: "Image Name","PID",..."""
    found = []
    for row in csv.reader(io.StringIO(output, newline="")):  # csv wants raw line ends
        if len(row) >= 2 and _is_pid(row[1]):
            name = PureWindowsPath(row[0]).name
            if is_moonlight_name(name):
                found.append(RunningMoonlight(int(row[1]), name))
    return found


def scan_proc(proc_root: Path) -> list[RunningMoonlight] | None:
    """Linux: the `comm` name of every process; None when there is no /proc."""
    if not proc_root.is_dir():
        return None
    found = []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text(encoding="utf-8", errors="replace").strip()
        except OSError:  # exited meanwhile, or not ours to read
            continue
        if is_moonlight_name(name):
            found.append(RunningMoonlight(int(entry.name), name))
    return found


async def running_moonlights(
    platform: str = sys.platform,
    *,
    proc_root: Path = Path("/proc"),
    env: Mapping[str, str] | None = None,
) -> list[RunningMoonlight]:
    try:
        if platform == "win32":
            tasklist = run_captured(["tasklist", "/FO", "CSV", "/NH"], env=env, cwd=None)
            done = await within(SYSTEM_CLOCK, _LIST_TIMEOUT, tasklist)
            return parse_tasklist(done.stdout)
        scanned = await asyncio.to_thread(scan_proc, proc_root)
        if scanned is not None:
            return scanned
        ps = run_captured(["ps", "-axo", "pid=,comm="], env=env, cwd=None)
        done = await within(SYSTEM_CLOCK, _LIST_TIMEOUT, ps)
        return parse_ps(done.stdout)
    except Exception as exc:  # advice for a warning: never fail the caller
        log.info("could not list running programs: %s", exc)
        return []
