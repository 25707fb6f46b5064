"""Fault matrix, this computer's side: tailscaled, Moonlight, a full disk, sleep and wake."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest

from pawpado_desktop.config import LocalSettings
from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.moonlight import PinExpired, StreamFailed
from pawpado_desktop.present.notices import notice_title
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.fake_tailscaled_keys import HttpKeyVerifier
from pawpado_desktop.sim.faults import FaultResponse
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.tailscale.errors import (
    TailscaleError,
    TailscaleJoinFailed,
    TailscaleKeyRejected,
)
from pawpado_desktop.tailscale.join_state import JoinStateStore
from tests.support.faults import DiskFull
from tests.support.play import PlayRig, left_clean, on_phase, shown_error, warnings_shown
from tests.support.tailscale import MakeFake
from tests.support.waiting import wait_until

LOGIN_DELAY_S = 1.0  # real seconds tailscaled takes to log in with the key


@pytest.fixture
def fake_tailscaled_sim(sim: SimulatorServer, make_fake_tailscaled: MakeFake) -> FakeTailscaled:
    """A tailscaled slow enough to log in that a test can act mid-join."""
    return make_fake_tailscaled(verifier=HttpKeyVerifier(sim.base_url), login_delay_s=LOGIN_DELAY_S)


async def mid_join(rig: PlayRig) -> None:
    """The key was handed to tailscaled and the login is under way."""
    await wait_until(
        lambda: any(r.path.endswith("/login-interactive") for r in rig.tailscaled.requests)
    )


# -- tailscaled --------------------------------------------------------------------------


async def test_tailscaled_stopping_mid_join(hrig: PlayRig) -> None:
    play = asyncio.ensure_future(hrig.core.play(PlayOptions(grace_minutes=0)))
    await mid_join(hrig)
    hrig.tailscaled.stop()
    with pytest.raises(TailscaleError):
        await play
    assert PlayPhase.STREAMING not in hrig.phases
    error = shown_error(hrig)
    assert "back as it was" not in error.message  # it is not: tailscaled is down
    assert "could not be put back yet" in error.message
    assert hrig.sim.control.session()["state"] in ("stopping", "stopped")  # not left billing
    # The user's profile cannot be put back while tailscaled is down: the user hears
    # so, and the record of what to restore stays for the next start.
    assert any("Leaving the Pawpado tailnet failed" in w for w in warnings_shown(hrig))
    assert JoinStateStore().path.exists()

    hrig.tailscaled.start()  # tailscaled is back; the app starts again
    await hrig.core.start(poll=False)
    assert any(notice_title(n) == "Tailscale restored" for n in hrig.notices)
    await left_clean(hrig)


async def test_tailscaled_restarting_mid_join(hrig: PlayRig) -> None:
    play = asyncio.ensure_future(hrig.core.play(PlayOptions(grace_minutes=0)))
    await mid_join(hrig)
    hrig.tailscaled.stop()
    hrig.tailscaled.start()
    with pytest.raises(TailscaleJoinFailed) as info:
        await play
    assert "restart" in info.value.message and "Press Play again" in info.value.message
    await left_clean(hrig)  # the restarted daemon was put back on the user's profile


async def test_a_rejected_key_mid_play(hrig: PlayRig) -> None:
    refused = json.dumps({"error": "KEY_EXPIRED", "message": "auth key expired"}).encode()
    hrig.sim.control.replace_responses(
        "/_sim/tailscale/redeem", FaultResponse(403, refused, "application/json")
    )
    with pytest.raises(TailscaleKeyRejected) as info:
        await hrig.core.play(PlayOptions(grace_minutes=0))
    assert "has expired" in info.value.message and "Press Play again" in info.value.message
    assert shown_error(hrig).title == "Could not join the game network"
    await left_clean(hrig)


# -- Moonlight ---------------------------------------------------------------------------


async def test_moonlight_crashing_mid_stream(
    hrig: PlayRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    await hrig.with_child_env(PAWPADO_FAKE_STREAM_CRASH="1")  # abort() as the stream ends
    with pytest.raises(StreamFailed) as info:
        await hrig.core.play(PlayOptions(grace_minutes=5))
    assert "quit unexpectedly (signal SIGABRT)" in info.value.message
    assert shown_error(hrig).title == "Streaming stopped"
    await left_clean(hrig)  # a crash is not a reason to keep billing through the grace


async def test_moonlight_hanging_in_pair_until_the_pin_expires(hrig: PlayRig) -> None:
    # The host never answers the pairing request (as when it holds no valid PIN):
    # Moonlight's pair waits forever, without a timeout of its own.
    silent = json.dumps({"error": "PIN_EXPIRED", "message": "no PIN"}).encode()
    hrig.sim.control.replace_responses(
        "/_sim/moonlight/pair", FaultResponse(410, silent, "application/json"), count=10
    )
    play = asyncio.ensure_future(hrig.core.play(PlayOptions(grace_minutes=0)))
    await wait_until(lambda: any("pair" in argv for argv in hrig.moonlight.invocations()))
    hrig.clock.advance(121)  # the PIN's two minutes pass
    with pytest.raises(PinExpired):
        await play
    assert shown_error(hrig).title == "Pairing timed out"
    await left_clean(hrig)  # the hanging pair process was closed too


# -- a full disk -------------------------------------------------------------------------


def test_disk_full_while_saving_settings_keeps_the_old_file(
    isolated_config: Path, request: pytest.FixtureRequest
) -> None:
    LocalSettings(display_mode="windowed").save()
    before = (isolated_config / "settings.json").read_bytes()
    full: DiskFull = request.getfixturevalue("disk_full")

    with pytest.raises(PawpadoError) as info:
        LocalSettings(display_mode="borderless").save()
    assert full.failures == 1
    assert "space" in info.value.message.lower()
    assert (isolated_config / "settings.json").read_bytes() == before
    assert LocalSettings.load().display_mode == "windowed"
    assert sorted(p.name for p in isolated_config.iterdir()) == ["settings.json"]  # no temp


async def test_disk_full_when_the_join_is_recorded(
    hrig: PlayRig, request: pytest.FixtureRequest
) -> None:
    on_phase(hrig, PlayPhase.BOOTING, lambda: request.getfixturevalue("disk_full"))
    with pytest.raises(TailscaleError) as info:
        await hrig.core.play(PlayOptions(grace_minutes=0))
    assert "space" in info.value.message.lower()
    assert not any(r.path.endswith("/start") for r in hrig.tailscaled.requests)
    await left_clean(hrig)


# -- sleep and wake ----------------------------------------------------------------------


async def test_sleeping_through_the_grace_period_stops_at_wake(hrig: PlayRig) -> None:
    play = asyncio.ensure_future(hrig.core.play(PlayOptions(grace_minutes=5)))
    await hrig.reach(PlayPhase.GRACE)
    asleep_at = hrig.clock.monotonic()
    hrig.clock.suspend(30 * 60)  # the lid closes for half an hour
    assert await play is PlayPhase.DONE
    # Stopped on waking, not five more minutes (of this clock) later.
    assert hrig.clock.monotonic() - asleep_at < 60
    await left_clean(hrig)


async def test_waking_mid_stream_refreshes_at_once(
    hrig: PlayRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    await hrig.with_child_env(PAWPADO_FAKE_STREAM_SECONDS="3")
    play = asyncio.ensure_future(hrig.core.play(PlayOptions(grace_minutes=0)))
    await wait_until(lambda: bool(hrig.moonlight.events("streaming")))
    credits = hrig.core.store.state.credits
    assert credits is not None
    hrig.clock.suspend(60 * 60)  # an hour asleep; the server billed it all
    await wait_until(
        lambda: (
            (c := hrig.core.store.state.credits) is not None
            and c.balance <= credits.balance - Decimal(60) * c.rate_per_minute
        )
    )
    assert await play is PlayPhase.DONE
    assert not [n for n in hrig.notices if n.kind.value == "error"]
    await left_clean(hrig)
