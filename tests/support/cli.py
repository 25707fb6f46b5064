"""The CLI rig: `pawpado-desktop` as a user runs it, a real process with no terminal,
against the simulator and the fakes (on real time: tests/support/world.py's `cli` world
has short phases instead).

- `cli` (fixture, any folder): a `Cli` for running and starting the CLI.
- `Running`: a started `play` and what it printed; `until(check, proc)` waits while
  it lives; `session_state(cli)`; `run_cli(...)`: the CLI in the test's own env.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen

import pytest

from pawpado_desktop.auth.store import FileStore, credentials_path
from pawpado_desktop.auth.storekey import StoreKey
from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.moonlight import FakeMoonlightInstall
from tests.support.play import token_set
from tests.support.sim import start_elsewhere
from tests.support.waiting import wait_until_blocking


@dataclass
class Cli:
    sim: SimulatorServer
    env: dict[str, str]
    moonlight: FakeMoonlightInstall | None = None

    def run(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pawpado_desktop", *args],
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "pawpado_desktop", *args],
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @property
    def credentials_file(self) -> Path:
        """Where the CLI keeps its opt-in file sign-in for the servers it is pointed at
        (the simulator, or a proxy in front of it: a sign-in belongs to its servers)."""
        key = StoreKey.of(self.env["PAWPADO_AUTH_URL"], self.env["PAWPADO_BASE_URL"])
        return credentials_path(key, Path(self.env["PAWPADO_CONFIG_DIR"]))

    async def sign_in(self) -> None:
        """Signed in as after `login`, without the process it takes."""
        await FileStore(self.credentials_file).save(token_set(self.sim, SYSTEM_CLOCK))  # type: ignore[arg-type]

    def start_elsewhere(self) -> None:
        """A session started from another device (the web portal): it bills whatever
        this computer sees."""
        start_elsewhere(self.sim)

    def login(self) -> None:
        self.sim.control.set_auto_approve(True)
        done = self.run("login", "--no-browser")
        assert done.returncode == 0, done.stderr


@pytest.fixture
def cli(
    sim: SimulatorServer,
    fake_tailscaled_sim: FakeTailscaled,
    install_moonlight: Callable[..., FakeMoonlightInstall],
    tmp_path: Path,
) -> Iterator[Cli]:
    moon = install_moonlight(sim.base_url, stream_seconds=0.5, save_seconds=0.2)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")},
        "LANG": "C.UTF-8",  # English whatever the machine's locale; a test may ask for another
        "PAWPADO_BASE_URL": sim.base_url,
        "PAWPADO_AUTH_URL": sim.issuer_url,
        "PAWPADO_SIM_URL": sim.base_url,
        "PAWPADO_TAILSCALE_SOCKET": str(fake_tailscaled_sim.socket_path),
        "PAWPADO_MOONLIGHT": str(moon.path),
        "PAWPADO_CONFIG_DIR": str(tmp_path / "cli-config"),
        "PAWPADO_CREDENTIAL_STORE": "file",
        "PYTHONUNBUFFERED": "1",
    }
    yield Cli(sim, env, moon)


def checkout_link(process: subprocess.Popen[str]) -> str:
    """The checkout address a running `topup` or `play --topup` printed."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Pay here: "):
            return line.removeprefix("Pay here: ").strip()
    raise AssertionError("no checkout link printed")


PAWPADO_ENV = (
    "PAWPADO_BASE_URL",
    "PAWPADO_AUTH_URL",
    "PAWPADO_SIM_URL",
    "PAWPADO_CONFIG_DIR",
    "PAWPADO_TAILSCALE_SOCKET",
    "PAWPADO_MOONLIGHT",
    "PAWPADO_CREDENTIAL_STORE",
)


@dataclass
class Running:
    """A `pawpado-desktop play` process and what it printed so far."""

    process: Popen[str]
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def said(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))


def until(check: Callable[[], bool], proc: Running, timeout: float = 60) -> None:
    """Wait for `check` while `proc` lives (its output shown if it ends or time runs out)."""

    def done() -> bool:
        assert proc.process.poll() is None, "".join(proc.lines)
        return check()

    wait_until_blocking(done, timeout, detail=lambda: "".join(proc.lines))


def session_state(cli: Cli) -> str:
    return str(cli.sim.control.session()["state"])


async def run_cli(*args: str, timeout: float = 60) -> tuple[int, str, str]:
    """`pawpado-desktop ARGS` in the test's own environment: (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pawpado_desktop", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
