"""A whole pretend world for `--demo`, the end-to-end tests and the benchmarks.

The simulator (Pawpado + Huudis), a fake tailscaled on a private Unix socket and
the fake `moonlight` executable, all under one temporary folder, plus the
environment that points the real app code at them. Nothing here touches the
user's real config, keyring, Tailscale or Moonlight.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pawpado_desktop.clock import Clock
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.fake_moonlight import install_fake_moonlight
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.server import SimulatorServer


def demo_config(**overrides: object) -> SimConfig:
    """Phases a person can watch (seconds, not minutes), a balance to spend."""
    values: dict[str, object] = {
        "provisioning_seconds": 4.0,
        "starting_seconds": 5.0,
        "ready_delay_seconds": 2.0,
        "stopping_seconds": 3.0,
        "device_poll_interval": 2,
        "topup_settle_seconds": 2.0,
        "balance": Decimal("60000.00"),
    }
    values.update(overrides)
    return SimConfig(**values)  # type: ignore[arg-type]


@dataclass
class DemoWorld:
    config: SimConfig = field(default_factory=demo_config)
    clock: Clock | None = None
    stream_seconds: float | None = None  # None: the fake stream runs until closed
    root: Path | None = None
    sim: SimulatorServer | None = None
    tailscaled: FakeTailscaled | None = None
    moonlight: Path | None = None
    _owns_root: bool = False

    def start(self) -> DemoWorld:
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="pawpado-demo-"))
            self._owns_root = True
        self.sim = SimulatorServer(self.config, clock=self.clock)
        self.sim.start()
        self.tailscaled = FakeTailscaled(self.root / "tailscaled.sock", sim_url=self.sim.base_url)
        self.tailscaled.start()
        self.moonlight = install_fake_moonlight(
            self.root / "bin",
            self.sim.base_url,
            self.root / "moonlight-home",
            stream_seconds=self.stream_seconds,
            save_seconds=0.3,
        )
        return self

    def env(self) -> dict[str, str]:
        """Point the real app at this world (and keep its sign-in out of any keyring)."""
        assert self.sim and self.tailscaled and self.moonlight and self.root
        return {
            "PAWPADO_BASE_URL": self.sim.base_url,
            "PAWPADO_AUTH_URL": self.sim.issuer_url,
            "PAWPADO_SIM_URL": self.sim.base_url,
            "PAWPADO_TAILSCALE_SOCKET": str(self.tailscaled.socket_path),
            "PAWPADO_MOONLIGHT": str(self.moonlight),
            "PAWPADO_CONFIG_DIR": str(self.root / "config"),
            "PAWPADO_CREDENTIAL_STORE": "memory",
        }

    def stop(self) -> None:
        if self.tailscaled is not None:
            self.tailscaled.stop()
        if self.sim is not None:
            self.sim.stop()
        if self._owns_root and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> DemoWorld:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
