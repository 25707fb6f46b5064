"""The simulated world a test runs in, configured by one marker.

    @pytest.mark.world(speed=20, provisioning_seconds=3, auto_approve=True)

- `speed`: the `ScaledClock` the simulator and the code under test share (20:
  twenty simulated seconds per real second). `None`: the system clock, for tests
  where a process of its own (the CLI, a tray) keeps real time.
- `asgi=True`: the `sim` fixture is the simulator's ASGI app in this process,
  reached through httpx.ASGITransport (tests/support/sim.py), for tests of the
  client's logic rather than of the socket.
- `production=True`: start from the production-like `SimConfig()` instead of
  `SimConfig.fast()` (sub-second phases).
- any other keyword: a `SimConfig` field.

Markers merge, the closest winning per key: a test's marker over its class's, over
its module's (`pytestmark = pytest.mark.world(...)`), over its folder's preset
(`FOLDER_WORLDS`: the rigs of tests/play, tests/hardening, tests/ui and tests/cli
need a paced clock). `sim_clock` and `sim_config` are the world's two halves; use
them (or `world`) by name, never override them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pawpado_desktop.clock import SYSTEM_CLOCK, Clock, ScaledClock
from pawpado_desktop.sim.config import SimConfig

TESTS = Path(__file__).resolve().parent.parent

# Production-like order of events, seconds rather than minutes of simulated time.
_PLAY_PHASES: dict[str, Any] = {
    "provisioning_seconds": 3,
    "starting_seconds": 3,
    "ready_delay_seconds": 2,
    "stopping_seconds": 3,
}

# The fake Moonlight pairs in real time while the PIN expires in simulated time: a PIN
# of twenty simulated minutes lives a minute or two of real time, which a pairing on a
# busy machine never outlasts (hardening keeps the two minutes its expiry test counts on).
_LONG_PIN: dict[str, Any] = {"pin_lifetime": 1200}

FOLDER_WORLDS: dict[str, dict[str, Any]] = {
    # A boot takes 0.4 s, a two-second poll interval 0.1 s.
    "play": {"speed": 20.0, **_PLAY_PHASES, **_LONG_PIN},
    "hardening": {"speed": 20.0, **_PLAY_PHASES},
    "ui": {
        **_LONG_PIN,
        "speed": 10.0,
        "provisioning_seconds": 2,
        "starting_seconds": 2,
        "ready_delay_seconds": 1,
        "stopping_seconds": 2,
    },
    # The CLI is a process of its own, on real time: short phases instead.
    "cli": {
        "speed": None,
        "provisioning_seconds": 1,
        "starting_seconds": 1,
        "ready_delay_seconds": 0.5,
        "stopping_seconds": 1,
    },
}


@dataclass(frozen=True)
class World:
    clock: Clock
    config: SimConfig
    asgi: bool = False

    @property
    def scaled(self) -> ScaledClock:
        """The clock, for a test that changes its pace or jumps it forward."""
        assert isinstance(self.clock, ScaledClock), "this world runs on the system clock"
        return self.clock


def world_settings(node: pytest.Item) -> dict[str, Any]:
    """The merged `world` markers of a test, over its folder's preset."""
    settings: dict[str, Any] = {}
    try:
        folder = node.path.resolve().relative_to(TESTS).parts[0]
    except (ValueError, IndexError):
        folder = ""
    settings.update(FOLDER_WORLDS.get(folder, {}))
    for mark in reversed(list(node.iter_markers("world"))):  # farthest first
        if mark.args:
            raise TypeError("pytest.mark.world takes keywords only")
        settings.update(mark.kwargs)
    return settings


def build_world(settings: dict[str, Any]) -> World:
    values = dict(settings)
    speed = values.pop("speed", None)
    production = values.pop("production", False)
    asgi = bool(values.pop("asgi", False))
    config = SimConfig(**values) if production else SimConfig.fast(**values)
    clock: Clock = SYSTEM_CLOCK if speed is None else ScaledClock(float(speed))
    return World(clock, config, asgi)


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    return build_world(world_settings(request.node))


@pytest.fixture
def sim_clock(world: World) -> Clock:
    return world.clock


@pytest.fixture
def sim_config(world: World) -> SimConfig:
    return world.config


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "world(speed=None, asgi=False, production=False, **sim_config): the simulated world"
    )
