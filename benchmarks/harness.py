"""What every benchmark module shares: its options, a sealed environment, its entry point.

Each module defines `measure(options) -> list[Figure]` (sync or async) and ends
with `if __name__ == "__main__": sys.exit(harness.main(measure))`, so it runs
alone (`uv run python -m benchmarks.time_to_play`) or under the runner.

`sealed_environment()` is entered before any app code runs: the config folder,
HOME and the XDG folders move to a fresh temporary folder, the keyring is the
`fail` backend unless a benchmark picks another, the credential store is memory,
proxies are off and neither D-Bus (session or system) is reachable. So nothing
a benchmark does can touch the user's files, keyring, Tailscale or network:
everything talks to loopback. Python reads and writes its bytecode under
PYCACHE, compiled once by `ensure_bytecode()`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.report import LOAD_GROUP, Figure, print_table, save

PROJECT = Path(__file__).resolve().parents[1]
# Bytecode lives outside the project and the venv, compiled once and reused, so
# processes start as an installed app does (with .pyc files) whatever
# PYTHONDONTWRITEBYTECODE says in the caller's shell.
PYCACHE = Path(tempfile.gettempdir()) / f"pawpado-bench-pycache-{os.getuid()}"
_COMPILED_MARK = PYCACHE / ".complete"

_UNSET = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "DBUS_SESSION_BUS_ADDRESS",
    "PAWPADO_BASE_URL",
    "PAWPADO_AUTH_URL",
    "PAWPADO_SIM_URL",
    "PAWPADO_TAILSCALE_SOCKET",
    "PAWPADO_MOONLIGHT",
    "KEYRING_PROPERTY_PERSIST",
    "PYTHONDONTWRITEBYTECODE",
)


@dataclass(frozen=True)
class Options:
    quick: bool = False
    runs: int | None = None  # None: the benchmark's own default for quick/full

    def count(self, full: int, quick: int) -> int:
        if self.runs is not None:
            return max(1, self.runs)
        return quick if self.quick else full


Measure = Callable[[Options], "list[Figure] | Coroutine[Any, Any, list[Figure]]"]


@contextlib.contextmanager
def sealed_environment() -> Iterator[Path]:
    """os.environ pointed at a throw-away folder and loopback only; restored after."""
    saved = dict(os.environ)
    root = Path(tempfile.mkdtemp(prefix="pawpado-bench-"))
    try:
        for name in _UNSET:
            os.environ.pop(name, None)
        for name in ("home", "config", "data", "cache", "runtime"):
            (root / name).mkdir(mode=0o700)
        os.environ.update(
            {
                "HOME": str(root / "home"),
                "PAWPADO_CONFIG_DIR": str(root / "config"),
                "XDG_CONFIG_HOME": str(root / "home" / ".config"),
                "XDG_DATA_HOME": str(root / "data"),
                "XDG_CACHE_HOME": str(root / "cache"),
                "XDG_RUNTIME_DIR": str(root / "runtime"),
                "PAWPADO_CREDENTIAL_STORE": "memory",
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                "NO_PROXY": "127.0.0.1,localhost,::1",
                "no_proxy": "127.0.0.1,localhost,::1",
                "QT_QPA_PLATFORM": "offscreen",
                "PYTHONPYCACHEPREFIX": str(PYCACHE),
                "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={root / 'runtime' / 'no-system-bus'}",
            }
        )
        yield root
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(root, ignore_errors=True)


class _DropClientDisconnects(logging.Filter):
    """The simulator logs a traceback when a client hangs up mid-request, which the
    fakes do on purpose (a `moonlight list` killed once pairing is confirmed)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return type(error).__name__ != "ClientDisconnect"


def quiet_simulator() -> None:
    logging.getLogger("uvicorn.error").addFilter(_DropClientDisconnects())


def ensure_bytecode() -> None:
    """Compile the venv and the project into PYCACHE once (about 20 s the first time)."""
    if _COMPILED_MARK.exists():
        return
    print("  .. compiling bytecode once into " + str(PYCACHE), file=sys.stderr, flush=True)
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    targets = [sysconfig.get_paths()["purelib"], str(PROJECT / "pawpado_desktop")]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            *targets,
            str(PROJECT / "benchmarks"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        check=False,  # a file that does not compile (a test fixture) is not our concern
    )
    _COMPILED_MARK.touch()


def parse_args(argv: list[str] | None, description: str) -> tuple[Options, Path | None]:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="fewer runs, shorter windows")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    return Options(quick=args.quick, runs=args.runs), args.json


def main(measure: Measure, argv: list[str] | None = None) -> int:
    """Run one benchmark module: sealed, timed, its table printed (and saved with --json)."""
    options, json_path = parse_args(argv, (inspect.getmodule(measure) or sys).__doc__ or "")
    quiet_simulator()
    ensure_bytecode()
    load_before = os.getloadavg()[0]
    with sealed_environment():
        result = measure(options)
        figures = result if isinstance(result, list) else asyncio.run(result)
    spec = getattr(inspect.getmodule(measure), "__spec__", None)
    name = getattr(spec, "name", "?").rsplit(".", 1)[-1]
    figures.append(
        Figure(
            f"{LOAD_GROUP} (1-minute load average before and after; {os.cpu_count()} cores)",
            name,
            "",
            [load_before, os.getloadavg()[0]],
            note="" if max(load_before, os.getloadavg()[0]) < 1.5 else "busy: timings are noisy",
        )
    )
    print_table(figures)
    if json_path is not None:
        save(figures, json_path)
    return 0
