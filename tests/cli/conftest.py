"""The CLI as a user runs it: a real process, no terminal, against the simulator and fakes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from pawpado_desktop.auth.store import FileStore, credentials_path
from pawpado_desktop.auth.storekey import StoreKey
from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.server import SimulatorServer
from tests.fixtures.moonlight import FakeMoonlightInstall
from tests.play.conftest import token_set


@pytest.fixture
def sim_config() -> SimConfig:
    return SimConfig.fast(
        provisioning_seconds=1, starting_seconds=1, ready_delay_seconds=0.5, stopping_seconds=1
    )


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
        token = self.sim.control.sign_in_directly().access_token
        httpx.post(
            self.sim.base_url + "/api/v1/sessions/start",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        ).raise_for_status()

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
        **os.environ,
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
