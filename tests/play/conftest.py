"""A Core wired to the simulator, the fake tailscaled and the fake moonlight.

Everything is real but the far ends: loopback HTTP to the simulator, a Unix
socket to the fake tailscaled, subprocesses of the fake moonlight. The core and
the simulator share a ScaledClock (PLAY_SPEED x), so a two-second poll takes a
fifth of a second; Moonlight and tailscaled keep real time, as they would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.auth.manager import AuthManager
from pawpado_desktop.auth.store import MemoryStore
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.config import LocalSettings
from pawpado_desktop.core.notices import Notice, NoticeKind
from pawpado_desktop.core.service import Core, Services
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.moonlight import Moonlight
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.tailscale.client import LocalClient
from pawpado_desktop.tailscale.endpoint import LocalEndpoint
from pawpado_desktop.tailscale.joiner import TailnetJoiner
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
async def rig(
    sim: SimulatorServer,
    sim_clock: ScaledClock,
    fake_tailscaled_sim: FakeTailscaled,
    install_moonlight: Callable[..., FakeMoonlightInstall],
    confirm_answer: bool,
    moonlight_knobs: dict[str, Any],
    local_settings: LocalSettings,
) -> AsyncIterator[PlayRig]:
    moon = install_moonlight(sim.base_url, **moonlight_knobs)
    local = LocalSettings(**{**local_settings.__dict__, "moonlight_path": str(moon.path)})
    http = httpx.AsyncClient(timeout=10)
    store = MemoryStore()
    await store.save(token_set(sim, sim_clock))
    auth = AuthManager(sim.issuer_url, store, http, sim_clock)
    client = PawpadoClient(sim.base_url, auth, http=http, clock=sim_clock)
    ts_client = LocalClient(
        LocalEndpoint("unix", str(fake_tailscaled_sim.socket_path)),
        timeout=5.0,
        installed=lambda: True,
    )
    joiner = TailnetJoiner(ts_client, hostname="pawpado-test")
    opened: list[str] = []
    asked: list[str] = []

    async def open_url(url: str) -> None:
        opened.append(url)

    async def confirm(question: str) -> bool:
        asked.append(question)
        return confirm_answer

    services = Services(
        client=client,
        auth=auth,
        tailnet=joiner,
        streamer=Moonlight(settings=local, clock=sim_clock),
        clock=sim_clock,
        local=local,
        open_url=open_url,
        closers=[joiner.aclose, auth.aclose, http.aclose],
    )
    core = Core(services, confirm=confirm)
    rig = PlayRig(
        sim, fake_tailscaled_sim, moon, core, sim_clock, opened_urls=opened, answers=asked
    )

    def on_state(old: AppState, new: AppState) -> None:
        if new.play.phase is not old.play.phase:
            rig.phases.append(new.play.phase)

    core.store.subscribe(on_state)
    core.notices.subscribe(rig.notices.append)
    await core.start()
    try:
        yield rig
    finally:
        core.cancel_play()
        await core.aclose()


def low_balance(minutes: int, rate: Decimal = Decimal("500.00")) -> Decimal:
    return rate * minutes
