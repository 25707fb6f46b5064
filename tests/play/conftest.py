"""A Core wired to the simulator, the fake tailscaled and the fake moonlight.

Everything is real but the far ends: loopback HTTP to the simulator, a Unix
socket to the fake tailscaled, subprocesses of the fake moonlight. The core and
the simulator share a ScaledClock (PLAY_SPEED x), so a two-second poll takes a
fifth of a second; Moonlight and tailscaled keep real time, as they would.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.auth.store import MemoryStore
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.config import Endpoints, LocalSettings
from pawpado_desktop.core.factory import build_core
from pawpado_desktop.core.notices import Notice, NoticeKind
from pawpado_desktop.core.play import Confirm
from pawpado_desktop.core.service import Core
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.core.wiring import Wiring, tailscaled_at
from pawpado_desktop.moonlight.client import MoonlightTimeouts
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.server import SimulatorServer
from tests.fixtures.moonlight import FakeMoonlightInstall

PLAY_SPEED = 10.0


@pytest.fixture
def sim_clock() -> ScaledClock:
    return ScaledClock(PLAY_SPEED)


@pytest.fixture
def sim_config() -> SimConfig:
    # Production-like order of events, in seconds rather than minutes of sim time.
    return SimConfig.fast(
        provisioning_seconds=3, starting_seconds=3, ready_delay_seconds=2, stopping_seconds=3
    )


@dataclass
class PlayRig:
    sim: SimulatorServer
    tailscaled: FakeTailscaled
    moonlight: FakeMoonlightInstall
    core: Core
    clock: ScaledClock
    wiring: Wiring
    confirm: Confirm
    other_device: PawpadoClient  # the same account on another computer
    phases: list[PlayPhase] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    opened_urls: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # questions the core asked the user

    def requests(self, path: str, method: str | None = None) -> int:
        return sum(
            1
            for r in self.sim.control.request_log()
            if r.path == path and (method is None or r.method == method)
        )

    async def build(self) -> Core:
        """A core on `wiring`, its state and notices recorded here, started."""
        core = await build_core(self.wiring, confirm=self.confirm)

        def on_state(old: AppState, new: AppState) -> None:
            if new.play.phase is not old.play.phase:
                self.phases.append(new.play.phase)

        core.store.subscribe(on_state)
        core.notices.subscribe(self.notices.append)
        await core.start()
        self.core = core
        return core

    async def rebuild(self, **changes: Any) -> Core:
        """Close the core and build another on this wiring with `changes` (another
        credential store, an API address through a proxy), as a restart would."""
        self.core.cancel_play()
        await self.core.aclose()
        self.wiring = replace(self.wiring, **changes)
        return await self.build()

    async def with_child_env(self, **values: str) -> Core:
        """Restart with Moonlight's children seeing `values` too (the fake's knobs): they
        run in the wiring's environment, not in whatever this process sets later."""
        return await self.rebuild(child_env={**self.wiring.child_env, **values})

    def notice_kinds(self) -> list[NoticeKind]:
        return [n.kind for n in self.notices]

    def user_profile_back(self) -> bool:
        snap = self.tailscaled.snapshot()
        return bool(snap["current"]["Name"] == "alice@example.com")

    async def reach(self, phase: PlayPhase, timeout: float = 30) -> None:
        async def until() -> None:
            while phase not in self.phases:
                await asyncio.sleep(0.02)

        await asyncio.wait_for(until(), timeout)

    async def session_state(self, wanted: str, timeout: float = 30) -> None:
        async def until() -> None:
            while self.sim.control.session()["state"] != wanted:
                await asyncio.sleep(0.05)

        await asyncio.wait_for(until(), timeout)


class OtherDeviceTokens:
    """The same account signed in on another computer: a fresh sign-in per request, so
    no expiry or revocation in a test gets in its way."""

    def __init__(self, sim: SimulatorServer) -> None:
        self._sim = sim

    async def access_token(self) -> str:
        return self._sim.control.sign_in_directly().access_token

    async def refreshed_after_rejection(self, rejected: str) -> str:
        return await self.access_token()


def token_set(sim: SimulatorServer, clock: ScaledClock) -> TokenSet:
    pair = sim.control.sign_in_directly()
    body: dict[str, Any] = {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "expires_in": pair.expires_in,
        "token_type": "Bearer",
    }
    return TokenSet.from_response(body, clock.now())


@pytest.fixture
def confirm_answer() -> bool:
    """What the user answers when the core asks (override per test)."""
    return False


@pytest.fixture
def moonlight_knobs() -> dict[str, Any]:
    # Long enough to cancel a Play mid-stream, short enough to keep the suite quick.
    return {"stream_seconds": 1.0, "save_seconds": 0.2}


@pytest.fixture
def local_settings() -> LocalSettings:
    return LocalSettings(stop_grace_minutes=0)


@pytest.fixture
def moonlight_timeouts() -> MoonlightTimeouts | None:
    """Moonlight's own timeouts (None: the app's defaults)."""
    return None


@pytest.fixture
async def rig(
    sim: SimulatorServer,
    sim_clock: ScaledClock,
    fake_tailscaled_sim: FakeTailscaled,
    install_moonlight: Callable[..., FakeMoonlightInstall],
    confirm_answer: bool,
    moonlight_knobs: dict[str, Any],
    local_settings: LocalSettings,
    moonlight_timeouts: MoonlightTimeouts | None,
    isolated_config: Path,
) -> AsyncIterator[PlayRig]:
    moon = install_moonlight(sim.base_url, **moonlight_knobs)
    replace(local_settings, moonlight_path=str(moon.path)).save(isolated_config)
    store = MemoryStore()
    await store.save(token_set(sim, sim_clock))
    opened: list[str] = []
    asked: list[str] = []

    async def open_url(url: str) -> None:
        opened.append(url)

    async def confirm(question: str) -> bool:
        asked.append(question)
        return confirm_answer

    wiring = Wiring(
        endpoints=Endpoints(base_url=sim.base_url, auth_url=sim.issuer_url),
        config_dir=isolated_config,
        child_env=dict(os.environ),
        credential_store=store,
        tailnet=tailscaled_at(str(fake_tailscaled_sim.socket_path)),
        clock=sim_clock,
        open_url=open_url,
        moonlight_timeouts=moonlight_timeouts,
    )
    other = PawpadoClient(sim.base_url, OtherDeviceTokens(sim))
    rig = PlayRig(
        sim,
        fake_tailscaled_sim,
        moon,
        None,  # type: ignore[arg-type]  # set by build()
        sim_clock,
        wiring,
        confirm,
        other,
        opened_urls=opened,
        answers=asked,
    )
    await rig.build()
    try:
        yield rig
    finally:
        rig.core.cancel_play()
        await rig.core.aclose()
        await other.aclose()


def low_balance(minutes: int, rate: Decimal = Decimal("500.00")) -> Decimal:
    return rate * minutes
