"""An idle tray costs (almost) nothing: a generous bound on the CPU time it uses.

The figure itself belongs to the benchmarks; this only catches a busy loop.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.waiting import wait_until_blocking

IDLE_S = 4.0
MAX_CPU_S = IDLE_S / 10  # a busy loop takes the whole core


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


@pytest.mark.slow  # a real tray process starting, then idle for a few real seconds
@pytest.mark.alone  # measures the tray's CPU: no neighbour should share the cores
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_idle_tray_uses_almost_no_cpu(tmp_path: Path) -> None:
    config = tmp_path / "config"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PAWPADO_CONFIG_DIR": str(config)}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    app = subprocess.Popen(
        [sys.executable, "-m", "pawpado_desktop", "--demo", "-v"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        log = config / "logs" / "pawpado-desktop.log"
        def ready() -> bool:
            assert app.poll() is None, "the tray exited during start-up"
            return log.exists() and "ready (" in log.read_text()

        wait_until_blocking(ready, 60, what="the tray to be ready")
        time.sleep(1.0)  # let start-up work finish
        before = cpu_seconds(app.pid)
        time.sleep(IDLE_S)
        used = cpu_seconds(app.pid) - before
        assert app.poll() is None
        print(f"idle CPU: {used:.3f} s over {IDLE_S:.0f} s")
        assert used < MAX_CPU_S
    finally:
        app.terminate()
        app.wait(30)
