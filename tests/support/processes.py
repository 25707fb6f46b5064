"""Ending a helper process a test or a benchmark started (a bus, a daemon, a tray), and
telling which of two processes was started first."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any


def end(process: subprocess.Popen[Any] | None, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL if it is still there after `grace` seconds; reaped either way."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def spawn_order(first_pid: int) -> Callable[[int], int]:
    """A sort key putting process IDs in the order Linux handed them out, counting from
    `first_pid` (a process started before the others compared).

    Linux gives out IDs in increasing order but wraps at pid_max, so on a busy machine
    a later process can have the smaller ID: a plain `<` then says the wrong thing.
    """
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    return lambda pid: (pid - first_pid) % pid_max
