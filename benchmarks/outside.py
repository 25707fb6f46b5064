"""The tray seen from outside: what a user's desktop would measure.

The app runs as installed (`python -m pawpado_desktop -v`, no import hook, no
marker) on Xvfb with `trayer` as the tray host, signed in against the
simulator. Everything is read by this parent process:

- shown: spawn to the moment trayer's panel grows because an icon docked in it
  (polled with xdotool every ~20 ms, so the figure includes up to one poll);
- first state: spawn to the app's "ready" log line on its stderr pipe;
- RSS: VmRSS from /proc 30 s after the first state (bare tray: 30 s after shown).

A bare PySide6 tray (QApplication + one QSystemTrayIcon) is measured the same
way in the same run, so the ratio between the two is what we quote. The desktop
is the e2e tests' (`tests/e2e/desktop.py`); without its tools the figures are
left out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.harness import PROJECT
from benchmarks.procstat import rss_mib
from tests.e2e.desktop import Desktop, missing_tools, running_desktop
from tests.support.processes import end

SETTLED_S = 30.0  # after the first state, as the issue measures it
DOCK_WAIT_S = 30.0
POLL_S = 0.02
BARE_TRAY = """
import sys
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
app = QApplication(sys.argv[:1])
pixmap = QPixmap(22, 22)
pixmap.fill()
tray = QSystemTrayIcon(QIcon(pixmap))
tray.show()
app.exec()
"""
DESKTOP_KEYS = ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")


def available() -> list[str]:
    """The desktop tools this needs that are missing (empty: it can run)."""
    return [
        t for t in missing_tools() if t in ("Xvfb", "trayer", "xdotool", "dbus-daemon", "dunst")
    ]


@dataclass
class Seen:
    shown_s: float
    first_state_s: float | None
    rss_mib: float
    largest: str = ""  # the biggest parts of that RSS, from /proc/PID/smaps


def rss_by_mapping(pid: int, top: int = 8) -> str:
    """The resident MiB of the largest mappings: a shared library, or anonymous memory."""
    sizes: dict[str, float] = {}
    name = "?"
    for line in Path(f"/proc/{pid}/smaps").read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if fields and "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
            name = Path(fields[5]).name if len(fields) > 5 else "[anonymous]"
            name = name.split(".so")[0] if ".so" in name else name
        elif fields and fields[0] == "Rss:":
            sizes[name] = sizes.get(name, 0.0) + int(fields[1]) / 1024
    ranked = sorted(sizes.items(), key=lambda item: -item[1])[:top]
    return ", ".join(f"{n} {mib:.1f}" for n, mib in ranked)


@dataclass
class _Lines:
    """The child's stderr, read on a thread; when each wanted text first arrived."""

    process: subprocess.Popen[str]
    spawned: float
    wanted: tuple[str, ...]
    seen: dict[str, float] = field(default_factory=dict)

    def read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            for text in self.wanted:
                if text in line and text not in self.seen:
                    self.seen[text] = time.monotonic() - self.spawned


def panel_width(desktop: Desktop) -> int:
    widths = [desktop.geometry(w)[2] for w in desktop.windows("panel")]
    return max(widths, default=0)


def _wait(what: str, until: float, check: object) -> None:
    while time.monotonic() < until:
        if callable(check) and check():
            return
        time.sleep(POLL_S)
    raise RuntimeError(f"{what} did not happen in time")


def one_launch(desktop: Desktop, argv: list[str], env: dict[str, str], ready_text: str) -> Seen:
    empty = panel_width(desktop)
    full_env = {k: v for k, v in env.items() if k != "QT_QPA_PLATFORM"}
    full_env.update({k: desktop.env[k] for k in DESKTOP_KEYS})
    full_env["QT_QPA_PLATFORM"] = "xcb"
    spawned = time.monotonic()
    process = subprocess.Popen(
        argv,
        env=full_env,
        cwd=PROJECT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = _Lines(process, spawned, (ready_text,) if ready_text else ())
    threading.Thread(target=lines.read, daemon=True).start()
    try:
        shown = None
        until = spawned + DOCK_WAIT_S
        while shown is None and time.monotonic() < until:
            if panel_width(desktop) > empty:
                shown = time.monotonic() - spawned
            elif process.poll() is not None:
                raise RuntimeError(f"the tray exited ({process.returncode}) before docking")
            else:
                time.sleep(POLL_S)
        if shown is None:
            raise RuntimeError("no icon docked in trayer")
        first: float | None = None
        if ready_text:
            _wait("the first state", spawned + DOCK_WAIT_S, lambda: ready_text in lines.seen)
            first = lines.seen[ready_text]
        settle_from = spawned + (first if first is not None else shown)
        time.sleep(max(0.0, settle_from + SETTLED_S - time.monotonic()))
        rss = rss_mib(process.pid)
        largest = rss_by_mapping(process.pid)
    finally:
        end(process, grace=15)
    _wait(
        "the icon to leave the panel", time.monotonic() + 10, lambda: panel_width(desktop) <= empty
    )
    return Seen(shown, first, rss, largest)


def measure_outside(envs: list[dict[str, str]], root: Path) -> tuple[list[Seen], list[Seen]]:
    """The app once per environment in `envs` (each signed in), the bare tray as often."""
    app, bare = [], []
    with running_desktop(root) as desktop:
        for env in envs:
            argv = [sys.executable, "-m", "pawpado_desktop", "-v"]
            app.append(one_launch(desktop, argv, env, "pawpado_desktop.ui.shell: ready"))
            bare.append(
                one_launch(desktop, [sys.executable, "-c", BARE_TRAY], dict(os.environ), "")
            )
    return app, bare
