"""Start-up, memory and idle cost of the tray app, on Qt's offscreen platform.

The tray runs as a user would start it (`pawpado-desktop`, no arguments) through
`benchmarks.tray_launcher`, which prints a marker when the tray is shown and
when the first real state (signed in, balance and session) is rendered. The
app is signed in through its keyring (`SlowKeyring` with no delay, kept in a
file) and talks to a simulator on loopback run by this process, with a fake
tailscaled: nothing real is touched.

- start-up: process spawn to each marker, several fresh launches;
- RSS two seconds after the first state;
- idle: launches left alone, then CPU time and context switches (wake-ups)
  over 60 s (20 s with --quick), read from /proc;
- import time: the same launch under `python -X importtime`, split at the
  markers and summed per top-level package (self time, so nothing counts twice);
- floor: a bare PySide6 tray icon (QApplication + QSystemTrayIcon) for scale;
- outside view (`benchmarks.outside`): the app as installed on Xvfb with a tray
  host, shown time and RSS 30 s after the first state read by this process,
  beside a bare PySide6 tray in the same run; these are the figures quoted.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import harness, outside
from benchmarks.harness import PROJECT, Options
from benchmarks.procstat import context_switches, cpu_seconds, rss_mib
from benchmarks.report import Figure, Target, progress
from benchmarks.rig import bench_config
from benchmarks.slow_keyring import DELAY_ENV, FILE_ENV, SlowKeyring
from benchmarks.tray_launcher import MARKER
from pawpado_desktop.auth.keyring_store import KeyringStore
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.sim.demo_world import DemoWorld

GROUP = "tray start-up and idle (offscreen)"
GROUP_IMPORTS = "tray import time before 'tray shown' (self time per package)"
GROUP_OUTSIDE = "tray seen from outside (Xvfb + trayer, no hook; the quoted figures)"
MB_IN_MIB = 1e6 / 2**20
RSS_TARGET = Target(85 * MB_IN_MIB, "<= 85 MB (81.1 MiB)")
SHOWN_TARGET = Target(0.30, "<= 0.30 s")
SHOWN_RATIO_TARGET = Target(1.5, "<= 1.5 x bare")
IDLE_CPU_TARGET = Target(0.02, "<= 0.02 %")
WAKEUPS_TARGET = Target(10, "<= 10 /min")
MARKER_WAIT_S = 30.0
SETTLE_S = 3.0
# Modules that have no business on the way to the first menu.
HEAVY = (
    "pawpado_desktop.sim",
    "starlette",
    "uvicorn",
    "openapi_core",
    *(
        f"pawpado_desktop.ui.windows.{name}"
        for name in ("account", "notice", "progress", "qr", "quit_guard", "settings")
    ),
    *(f"pawpado_desktop.ui.windows.{name}" for name in ("sign_in", "status", "topup")),
    "keyring.backends.SecretService",
    "secretstorage",
    "cryptography",
)
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)$")

# What an unconfigured Linux desktop adds to the launches measured here (which
# name their keyring backend, so `keyring.backend` is loaded but nothing else):
# the app's probe of the platform's keyrings (Secret Service pulls in
# secretstorage and cryptography), and, for comparison, keyring's own discovery,
# which reads the plugin entry points and imports every backend. No session bus
# is reachable here, so nothing is contacted.
KEYRING_SCRIPT = """
import json, sys, time
import keyring.backend
from pawpado_desktop.auth.keyring_backend import is_auto_selectable, platform_backends
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
before, started = rss(), time.perf_counter()
if sys.argv[1] == "app":
    [is_auto_selectable(backend) for backend in platform_backends()]
else:
    keyring.backend.get_all_keyring()
print(json.dumps({"ms": (time.perf_counter() - started) * 1000, "mib": rss() - before}))
"""

FLOOR_SCRIPT = """
import sys, time
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
app = QApplication(sys.argv[:1])
pixmap = QPixmap(22, 22)
pixmap.fill()
tray = QSystemTrayIcon(QIcon(pixmap))
tray.show()
print("PAWPADO-BENCH tray-shown %.6f" % time.time(), file=sys.stderr, flush=True)
app.exec()
"""


@dataclass
class Launch:
    """One launched process and the markers it printed (epoch seconds)."""

    process: subprocess.Popen[str]
    spawned: float
    markers: dict[str, float] = field(default_factory=dict)
    imports: list[tuple[str, int, int]] = field(default_factory=list)  # (module, self us, at)
    _seen: threading.Condition = field(default_factory=threading.Condition)

    def read(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            line = raw.rstrip("\n")
            with self._seen:
                if line.startswith(MARKER):
                    _, event, when = line.split()
                    self.markers[event] = float(when)
                elif match := _IMPORT_LINE.match(line):
                    self.imports.append((match.group(4), int(match.group(1)), len(self.markers)))
                self._seen.notify_all()

    def wait_for(self, event: str, timeout: float = MARKER_WAIT_S) -> float:
        with self._seen:
            if not self._seen.wait_for(
                lambda: event in self.markers or self.process.poll() is not None, timeout
            ):
                raise RuntimeError(f"no {event!r} marker within {timeout:g} s")
            if event not in self.markers:
                raise RuntimeError(f"the process exited ({self.process.returncode}) before {event}")
            return self.markers[event] - self.spawned

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def launch(argv: list[str], env: dict[str, str]) -> Launch:
    spawned = time.time()
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT,
    )
    started = Launch(process, spawned)
    threading.Thread(target=started.read, daemon=True).start()
    return started


class TrayWorld:
    """A simulator and a fake tailscaled, and a signed-in environment per launch."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.world = DemoWorld(config=bench_config()).start()
        self.count = 0

    def env(self) -> dict[str, str]:
        """A fresh home, config folder and keyring (holding a sign-in) for one launch."""
        self.count += 1
        home = self.root / f"launch-{self.count}"
        config = home / "config"
        config.mkdir(parents=True)
        keyring_file = home / "keyring.json"
        env = {**os.environ, **self.world.env()}
        env.pop("PAWPADO_CREDENTIAL_STORE")
        env.update(
            {
                "HOME": str(home),
                "PAWPADO_CONFIG_DIR": str(config),
                "PYTHON_KEYRING_BACKEND": "benchmarks.slow_keyring.SlowKeyring",
                DELAY_ENV: "0",
                FILE_ENV: str(keyring_file),
            }
        )
        self._store_sign_in(keyring_file)
        return env

    def _store_sign_in(self, keyring_file: Path) -> None:
        assert self.world.sim is not None
        body = self.world.sim.control.sign_in_directly().as_response()
        tokens = TokenSet.from_response(body, SYSTEM_CLOCK.now())
        saved = {k: os.environ.get(k) for k in (DELAY_ENV, FILE_ENV)}
        os.environ.update({DELAY_ENV: "0", FILE_ENV: str(keyring_file)})
        store = KeyringStore(backend=SlowKeyring())  # type: ignore[no-untyped-call]
        try:
            asyncio.run(store.save(tokens))
        finally:
            store.close()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def close(self) -> None:
        self.world.stop()


TRAY = [sys.executable, "-m", "benchmarks.tray_launcher"]


def start_ups(world: TrayWorld, runs: int) -> tuple[list[float], list[float], list[float]]:
    shown, first, rss = [], [], []
    for _ in range(runs):
        started = launch(TRAY, world.env())
        try:
            shown.append(started.wait_for("tray-shown"))
            first.append(started.wait_for("first-state"))
            time.sleep(2.0)
            rss.append(rss_mib(started.process.pid))
        finally:
            started.stop()
    return shown, first, rss


def idle(world: TrayWorld, count: int, span_s: float) -> tuple[list[float], list[float]]:
    launches = [launch(TRAY, world.env()) for _ in range(count)]
    try:
        for started in launches:
            started.wait_for("first-state")
        time.sleep(SETTLE_S)
        before = [(cpu_seconds(s.process.pid), context_switches(s.process.pid)) for s in launches]
        opened = time.monotonic()
        time.sleep(span_s)
        elapsed = time.monotonic() - opened
        after = [(cpu_seconds(s.process.pid), context_switches(s.process.pid)) for s in launches]
    finally:
        for started in launches:
            started.stop()
    cpu = [(a[0] - b[0]) / elapsed * 100 for a, b in zip(after, before, strict=True)]
    wakes = [(a[1] - b[1]) * 60 / elapsed for a, b in zip(after, before, strict=True)]
    return cpu, wakes


def package(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "pawpado_desktop" and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def import_breakdown(world: TrayWorld, runs: int) -> tuple[list[Figure], str]:
    """Self import time per package before "tray shown", and what loaded by the first state."""
    totals: dict[str, list[float]] = defaultdict(list)
    heavy: set[str] = set()
    for _ in range(runs):
        started = launch([sys.executable, "-X", "importtime", *TRAY[1:]], world.env())
        try:
            started.wait_for("first-state")
        finally:
            started.stop()
        per_package: dict[str, float] = defaultdict(float)
        for module, self_us, after_markers in started.imports:
            if after_markers == 0:
                per_package[package(module)] += self_us / 1000
                per_package["(all)"] += self_us / 1000
            elif after_markers == 1:
                per_package["(all, from tray shown to first state)"] += self_us / 1000
            if after_markers <= 1:
                heavy.update(p for p in HEAVY if module == p or module.startswith(p + "."))
        for name in set(per_package) | set(totals):
            totals[name].append(per_package.get(name, 0.0))
    ranked = sorted(totals, key=lambda n: -sorted(totals[n])[len(totals[n]) // 2])
    figures = [Figure(GROUP_IMPORTS, f"import {name}", "ms", totals[name]) for name in ranked[:12]]
    return figures, ", ".join(sorted(heavy)) or "none"


def floor(runs: int) -> tuple[list[float], list[float]]:
    shown, rss = [], []
    for _ in range(runs):
        started = launch([sys.executable, "-c", FLOOR_SCRIPT], dict(os.environ))
        try:
            shown.append(started.wait_for("tray-shown"))
            time.sleep(1.0)
            rss.append(rss_mib(started.process.pid))
        finally:
            started.stop()
    return shown, rss


def keyring_discovery(runs: int, how: str) -> tuple[list[float], list[float]]:
    took, grew = [], []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", KEYRING_SCRIPT, how],
            capture_output=True,
            text=True,
            check=True,
            cwd=PROJECT,
            timeout=60,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        took.append(float(result["ms"]))
        grew.append(float(result["mib"]))
    return took, grew


def outside_figures(world: TrayWorld, runs: int) -> list[Figure]:
    missing = outside.available()
    if missing:
        progress("outside view skipped: missing " + ", ".join(missing))
        return []
    progress(
        f"tray from outside: {runs} launches and {runs} bare trays, {outside.SETTLED_S:g} s each"
    )
    app, bare = outside.measure_outside([world.env() for _ in range(runs)], world.root / "desktop")
    ratios = [a.shown_s / b.shown_s for a, b in zip(app, bare, strict=True)]
    return [
        Figure(
            GROUP_OUTSIDE,
            "process start -> icon docked",
            "s",
            [a.shown_s for a in app],
            SHOWN_TARGET,
        ),
        Figure(
            GROUP_OUTSIDE,
            "bare PySide6 tray: process start -> icon docked",
            "s",
            [b.shown_s for b in bare],
        ),
        Figure(
            GROUP_OUTSIDE,
            "tray shown / bare tray shown (same run, pairwise)",
            "ratio",
            ratios,
            SHOWN_RATIO_TARGET,
        ),
        Figure(
            GROUP_OUTSIDE,
            "process start -> first state (its 'ready' log line)",
            "s",
            [a.first_state_s for a in app if a.first_state_s is not None],
        ),
        Figure(
            GROUP_OUTSIDE,
            f"VmRSS {outside.SETTLED_S:g} s after the first state, signed in",
            "MiB",
            [a.rss_mib for a in app],
            RSS_TARGET,
            note="85 MB = 81.1 MiB; largest parts (MiB) in the last run: " + app[-1].largest,
        ),
        Figure(
            GROUP_OUTSIDE,
            f"bare PySide6 tray: VmRSS {outside.SETTLED_S:g} s after shown",
            "MiB",
            [b.rss_mib for b in bare],
        ),
        Figure(
            GROUP_OUTSIDE,
            "RSS / bare tray RSS",
            "ratio",
            [a.rss_mib / b.rss_mib for a, b in zip(app, bare, strict=True)],
        ),
    ]


def measure(options: Options) -> list[Figure]:
    runs = options.count(full=5, quick=3)
    idle_count = options.count(full=2, quick=1)
    span = 20.0 if options.quick else 60.0
    root = Path(os.environ["HOME"]).parent / "trays"
    world = TrayWorld(root)
    try:
        progress(f"tray start-up: {runs} launches")
        shown, first, rss = start_ups(world, runs)
        progress(f"tray idle: {idle_count} launches, {span:g} s")
        cpu, wakes = idle(world, idle_count, span)
        progress(f"tray imports: {max(1, runs // 2)} launches under -X importtime")
        imports, heavy = import_breakdown(world, max(1, runs // 2))
        seen_outside = outside_figures(world, options.count(full=3, quick=1))
    finally:
        world.close()
    floor_shown, floor_rss = floor(runs)
    probe_ms, probe_mib = keyring_discovery(max(1, runs // 2), "app")
    discovery_ms, discovery_mib = keyring_discovery(max(1, runs // 2), "keyring")
    return [
        Figure(GROUP, "process start -> tray shown", "s", shown, SHOWN_TARGET),
        Figure(
            GROUP,
            "tray shown / bare PySide6 tray shown (medians, same run)",
            "ratio",
            [statistics.median(shown) / statistics.median(floor_shown)],
            SHOWN_RATIO_TARGET,
        ),
        Figure(
            GROUP,
            "process start -> first rendered state (signed in)",
            "s",
            first,
            note="four API calls (identity, settings, session, credits) after reading the keyring",
        ),
        Figure(GROUP, "RSS 2 s after the first state", "MiB", rss, RSS_TARGET),
        Figure(GROUP, f"CPU over {span:g} s idle, share of one core", "%", cpu, IDLE_CPU_TARGET),
        Figure(GROUP, "wake-ups per minute, idle", "/min", wakes, WAKEUPS_TARGET),
        Figure(GROUP, "floor: bare PySide6 tray, process start -> shown", "s", floor_shown),
        Figure(GROUP, "floor: bare PySide6 tray, RSS", "MiB", floor_rss),
        Figure(
            GROUP,
            "the app's keyring probe (unconfigured Linux), time",
            "ms",
            probe_ms,
            note="not in the figures above (the launches name a keyring backend); on a desktop "
            "it runs on the keyring thread after the tray is shown",
        ),
        Figure(GROUP, "the app's keyring probe, RSS it adds", "MiB", probe_mib),
        Figure(GROUP, "for comparison: keyring's own discovery, time", "ms", discovery_ms),
        Figure(GROUP, "for comparison: keyring's own discovery, RSS", "MiB", discovery_mib),
        *imports,
        *seen_outside,
        Figure(
            GROUP_IMPORTS,
            "heavy modules loaded by the first state",
            "count",
            [float(0 if heavy == "none" else len(heavy.split(", ")))],
            Target(0, "0", on="max"),
            note=heavy,
        ),
    ]


if __name__ == "__main__":
    sys.exit(harness.main(measure))
