"""The Play rig: a Core wired to the simulator, the fake tailscaled and the fake moonlight.

Everything is real but the far ends: loopback HTTP to the simulator, a Unix
socket to the fake tailscaled, subprocesses of the fake moonlight. The core and
the simulator share the world's ScaledClock (tests/support/world.py: 20x in
tests/play, 20x in tests/hardening), so a two-second poll takes a fraction of a
second; Moonlight and tailscaled keep real time, as they would.

Fixtures (any folder): `play_rig` (tests/play and tests/hardening call it `rig`),
`confirm_answer`, `moonlight_knobs`, `local_settings` (override per test or folder).
Helpers: `on_phase`, `shown_error`, `warnings_shown`, `left_clean`, `failed_in`,
`wire_sign_in_events`, `sign_in_with`, `token_set`, `low_balance`, the API paths.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.auth.manager import AuthEvent, AuthManager
from pawpado_desktop.auth.store import CredentialStore, MemoryStore
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.config import LocalSettings
from pawpado_desktop.core.notices import Notice, NoticeKind
from pawpado_desktop.core.service import Core, Services
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.moonlight import Moonlight
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.tailscale.client import LocalClient
from pawpado_desktop.tailscale.endpoint import LocalEndpoint
from pawpado_desktop.tailscale.join_state import JoinStateStore
from pawpado_desktop.tailscale.joiner import TailnetJoiner
from tests.support.moonlight import FakeMoonlightInstall
from tests.support.waiting import wait_until

API = "/api/v1"
POLL = f"{API}/sessions/poll"
START = f"{API}/sessions/start"
STOP = f"{API}/sessions/stop"
PAIR = f"{API}/sessions/pair"
CONNECT = f"{API}/sessions/connect"
KEY = f"{API}/sessions/tailscale-key"
CREDITS = f"{API}/credits/me"
SETTINGS = f"{API}/settings"


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
        await wait_until(lambda: phase in self.phases, timeout, what=f"the Play to reach {phase}")

    async def session_state(self, wanted: str, timeout: float = 30) -> None:
        await wait_until(
            lambda: self.sim.control.session()["state"] == wanted,
            timeout,
            what=f"the session to be {wanted}",
        )


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
async def play_rig(
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


def wire_sign_in_events(core: Core, auth: AuthManager) -> None:
    """As pawpado_desktop.core.factory does: a sign-in ended server-side reaches the core."""

    def on_auth(event: AuthEvent) -> None:
        if event.kind == "signed_out":
            core.signed_out_by_server(event.message)
        elif event.kind == "warning" and event.message:
            core.store.update(warning=event.message)

    auth.add_listener(on_auth)


def on_phase(play: PlayRig, phase: PlayPhase, action: Callable[[], object]) -> None:
    """Run `action` once, the moment the Play enters `phase` (before its requests)."""
    done = False

    def listener(old: AppState, new: AppState) -> None:
        nonlocal done
        if not done and new.play.phase is phase and old.play.phase is not phase:
            done = True
            action()

    play.core.store.subscribe(listener)


def shown_error(play: PlayRig) -> Notice:
    """The last error notice: what the tray pops up and the CLI prints."""
    errors = [n for n in play.notices if n.kind is NoticeKind.ERROR]
    assert errors, f"no error was shown; notices: {play.notices}"
    return errors[-1]


def warnings_shown(play: PlayRig) -> list[str]:
    return [n.message for n in play.notices if n.kind is NoticeKind.WARNING]


async def left_clean(play: PlayRig, *, timeout: float = 30.0) -> None:
    """Nothing billing or joined, no process left: the money rule and the tailnet rule."""
    control = play.sim.control
    await wait_until(lambda: control.session()["state"] in ("stopped", "error"), timeout)
    assert control.session()["billing"] is False
    assert play.user_profile_back(), play.tailscaled.snapshot()["current"]
    assert not JoinStateStore().path.exists()
    assert control.tailnet_nodes() == []
    await wait_until(lambda: play.moonlight.running_pids() == [], 10)


def failed_in(play: PlayRig, phase: PlayPhase) -> bool:
    """The Play entered `phase` and then ended FAILED."""
    return phase in play.phases and play.phases[-1] is PlayPhase.FAILED


async def sign_in_with(play: PlayRig, store: CredentialStore, tmp: Path) -> AuthManager:
    """Swap the rig's sign-in for one kept in `store` (holding a fresh sign-in)."""
    await store.save(token_set(play.sim, play.clock))
    http = httpx.AsyncClient(timeout=10)
    manager = AuthManager(play.sim.issuer_url, store, http, play.clock, tmp / "auth.lock")
    await manager.load()
    wire_sign_in_events(play.core, manager)
    play.core.client.tokens = manager
    play.core.services.auth = manager
    play.core.services.closers += [http.aclose, manager.aclose]  # closed in reverse
    return manager
