"""The Play rig: a Core wired to the simulator, the fake tailscaled and the fake moonlight.

Everything is real but the far ends: loopback HTTP to the simulator, a Unix
socket to the fake tailscaled, subprocesses of the fake moonlight. The core and
the simulator share the world's ScaledClock (tests/support/world.py: 20x in
tests/play, 20x in tests/hardening), so a two-second poll takes a fraction of a
second; Moonlight and tailscaled keep real time, as they would.

Fixtures (any folder): `play_rig` (tests/play and tests/hardening call it `rig`),
`confirm_answer`, `moonlight_knobs`, `local_settings` (override per test or folder).
Helpers: `on_phase`, `shown_error`, `warnings_shown`, `notice_titles`, `left_clean`, `failed_in`,
`sign_in_with`, `token_set`, `low_balance`, the API paths.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.auth.store import CredentialStore, MemoryStore
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.config import Endpoints, LocalSettings
from pawpado_desktop.core.factory import build_core
from pawpado_desktop.core.facts import Question
from pawpado_desktop.core.notices import Notice, NoticeKind
from pawpado_desktop.core.play import Confirm
from pawpado_desktop.core.service import Core
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.core.wiring import Wiring, tailscaled_at
from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.moonlight.client import MoonlightTimeouts
from pawpado_desktop.present.notices import notice_text, notice_title
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.tailscale.join_state import JoinStateStore
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
    wiring: Wiring
    confirm: Confirm
    other_device: PawpadoClient  # the same account on another computer
    phases: list[PlayPhase] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    opened_urls: list[str] = field(default_factory=list)
    answers: list[Question] = field(default_factory=list)  # questions the core asked the user

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
        await wait_until(lambda: phase in self.phases, timeout, what=f"the Play to reach {phase}")

    async def session_state(self, wanted: str, timeout: float = 30) -> None:
        await wait_until(
            lambda: self.sim.control.session()["state"] == wanted,
            timeout,
            what=f"the session to be {wanted}",
        )


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
async def play_rig(
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
    asked: list[Question] = []

    async def open_url(url: str) -> None:
        opened.append(url)

    async def confirm(question: Question) -> bool:
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


def on_phase(play: PlayRig, phase: PlayPhase, action: Callable[[], object]) -> None:
    """Run `action` once, the moment the Play enters `phase` (before its requests)."""
    done = False

    def listener(old: AppState, new: AppState) -> None:
        nonlocal done
        if not done and new.play.phase is phase and old.play.phase is not phase:
            done = True
            action()

    play.core.store.subscribe(listener)


def shown_error(play: PlayRig) -> PawpadoError:
    """The error of the last error notice: what the tray pops up and the CLI prints."""
    errors = [n for n in play.notices if n.kind is NoticeKind.ERROR]
    assert errors, f"no error was shown; notices: {play.notices}"
    error = errors[-1].params["error"]
    assert isinstance(error, PawpadoError)
    return error


def warnings_shown(play: PlayRig) -> list[str]:
    """The texts of the warnings, as the tray and the CLI word them."""
    return [notice_text(n) for n in play.notices if n.kind is NoticeKind.WARNING]


def notice_titles(play: PlayRig) -> list[str]:
    return [notice_title(n) for n in play.notices]


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


async def sign_in_with(play: PlayRig, store: CredentialStore) -> None:
    """Restart the rig's core with its sign-in kept in `store` (holding a fresh sign-in)."""
    await store.save(token_set(play.sim, play.clock))
    await play.rebuild(credential_store=store)
