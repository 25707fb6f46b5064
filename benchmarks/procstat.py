"""Process figures from /proc (Linux): resident memory, CPU time, context switches."""

from __future__ import annotations

import os
import time
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _status_field(path: Path, name: str) -> int:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)


def rss_mib(pid: int | str = "self") -> float:
    """Resident set size in MiB (VmRSS)."""
    return _status_field(Path(f"/proc/{pid}/status"), "VmRSS") / 1024


def cpu_seconds(pid: int | str = "self") -> float:
    """CPU time of a process in seconds, to the nanosecond where the kernel tells.

    Our own process reads its CPU clock (every thread, ended ones too). Another
    process: the sum of its live threads' schedstat (ns), else stat's 10 ms ticks.
    """
    if pid == "self":
        return time.process_time()
    try:
        return (
            sum(
                int((task / "schedstat").read_text(encoding="utf-8").split()[0])
                for task in Path(f"/proc/{pid}/task").iterdir()
            )
            / 1e9
        )
    except (OSError, ValueError, IndexError):
        pass
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of stat(5)
    return (utime + stime) / CLOCK_TICKS


def context_switches(pid: int | str = "self") -> int:
    """Voluntary + involuntary switches summed over every thread.

    An idle process switches out only when it blocks and is woken again, so the
    count over an idle stretch is the number of its wake-ups (timers, sockets).
    """
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            path = task / "status"
            total += _status_field(path, "voluntary_ctxt_switches")
            total += _status_field(path, "nonvoluntary_ctxt_switches")
        except (OSError, KeyError):  # the thread ended while we looked
            continue
    return total
