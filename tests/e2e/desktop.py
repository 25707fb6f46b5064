"""A throwaway desktop for end-to-end tests: Xvfb, a session D-Bus, a tray host
(trayer) and a notification daemon (dunst), plus screenshots and xdotool.

Every piece is a Debian package (.ci/apt-packages). `missing_tools()` says which
are absent, so the test can fail in CI and skip elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.processes import end

TOOLS = ("Xvfb", "trayer", "dunst", "dunstctl", "dbus-daemon", "xdotool", "import", "chromium")
SCREEN = "1280x800x24"


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


@dataclass
class Desktop:
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)

    def start(
        self, *args: str, log: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        handle = (self.root / f"{log}.log").open("wb")
        process = subprocess.Popen(
            list(args), env=env or self.env, stdout=handle, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            list(args), env=self.env, capture_output=True, text=True, timeout=30, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{args[0]} failed: {done.stderr or done.stdout}")
        return done.stdout

    def screenshot(self, name: str, window: str = "root") -> Path:
        path = self.root / f"{len(self.shots):02d}-{name}.png"
        self.run("import", "-window", window, str(path))
        self.shots.append(path)
        return path

    def windows(self, name: str) -> list[str]:
        out = self.run("xdotool", "search", "--onlyvisible", "--name", name, check=False)
        return out.split()

    def wait_window(self, name: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = self.windows(name)
            if found:
                return found[-1]
            time.sleep(0.2)
        raise AssertionError(f"no window named {name!r} appeared")

    def geometry(self, window: str) -> tuple[int, int, int, int]:
        out = self.run("xdotool", "getwindowgeometry", "--shell", window)
        values = dict(line.split("=", 1) for line in out.split())
        return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])

    def stop(self) -> None:
        for process in reversed(self.processes):
            end(process)


DUNSTRC = """
[global]
    follow = none
    origin = top-right
    offset = 16x48
    width = 360
    font = DejaVu Sans 10
    frame_width = 1
    dmenu = {picker}
    show_indicators = yes
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
[log]
    summary = "*"
    script = {logger}
"""


@contextlib.contextmanager
def running_desktop(root: Path) -> Iterator[Desktop]:
    """Xvfb with trayer on top and dunst; yields the environment to run apps in."""
    root.mkdir(parents=True, exist_ok=True)
    desktop = Desktop(root)
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            SCREEN,
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    desktop.processes.append(xvfb)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as reader:
            display = reader.readline().strip()
        assert display, "Xvfb did not report its display"
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        desktop.processes.append(bus)  # type: ignore[arg-type]
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        desktop.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(root / "home"),
            "DISPLAY": f":{display}",
            "DBUS_SESSION_BUS_ADDRESS": address,
            "XDG_RUNTIME_DIR": str(root / "run"),
            "LANG": "C.UTF-8",
        }
        ready = time.monotonic() + 15
        while desktop.run("xdotool", "getdisplaygeometry", check=False) == "":
            if time.monotonic() > ready:
                raise AssertionError(f"Xvfb on :{display} does not accept clients")
            time.sleep(0.1)
        (root / "run").mkdir(mode=0o700, exist_ok=True)
        (root / "home").mkdir(exist_ok=True)
        logger = root / "dunst-log.sh"
        logger.write_text(
            f'#!/bin/sh\nprintf "%s|%s|%s\\n" "$1" "$2" "$3" >> {root}/notifications.log\n'
        )
        logger.chmod(0o755)
        picker = root / "dunst-pick.sh"  # dunst's action menu: choose what the test asked for
        picker.write_text(
            f'#!/bin/sh\nwant=$(cat {root}/pick 2>/dev/null)\ntee -a {root}/picker-input.log | grep -F "$want" | head -n 1\n'
        )
        picker.chmod(0o755)
        rc = root / "dunstrc"
        rc.write_text(DUNSTRC.format(picker=picker, logger=logger))
        desktop.start(
            "trayer",
            "--edge",
            "top",
            "--align",
            "right",
            "--widthtype",
            "request",
            "--height",
            "32",
            "--SetDockType",
            "true",
            "--transparent",
            "true",
            "--alpha",
            "0",
            "--tint",
            "0x202225",
            "--expand",
            "true",
            log="trayer",
        )
        desktop.start("dunst", "-config", str(rc), log="dunst")
        deadline = time.monotonic() + 20
        while not desktop.windows("panel") and time.monotonic() < deadline:
            time.sleep(0.1)
        yield desktop
    finally:
        desktop.stop()


def notifications(desktop: Desktop) -> list[tuple[str, str, str]]:
    """(app, summary, body) of every notification dunst showed, oldest first."""
    path = desktop.root / "notifications.log"
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split("|", 2)
        if len(parts) == 3:
            rows.append((parts[0], parts[1], parts[2]))
    return rows
