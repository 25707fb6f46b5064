"""Ending a helper process a test or a benchmark started (a bus, a daemon, a tray)."""

from __future__ import annotations

import subprocess
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
