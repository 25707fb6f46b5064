"""Fault matrix, sign-in side: tokens expiring or revoked mid-Play, keyrings locked or stuck."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pawpado_desktop.auth.keyring_store import KeyringStore
from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.errors import NotSignedIn
from tests.support.faults import StallingKeyring
from tests.support.play import (
    PlayRig,
    left_clean,
    on_phase,
    shown_error,
    sign_in_with,
    warnings_shown,
)
from tests.support.waiting import wait_until

TOKEN_LIFETIME = 15.0  # simulated seconds: about a dozen refreshes over one Play
pytestmark = pytest.mark.world(access_token_lifetime=TOKEN_LIFETIME, auto_approve=True)


async def test_access_tokens_expiring_all_through_play_are_refreshed_unseen(
    hrig: PlayRig,
) -> None:
    before = hrig.sim.control.huudis_stats()
    assert await hrig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE
    stats = hrig.sim.control.huudis_stats()
    assert stats.refreshes - before.refreshes >= 3  # the token really expired, repeatedly
    assert stats.reuse_detections == 0  # and no refresh token was ever replayed
    assert not [n for n in hrig.notices if n.kind.value == "error"]
    assert hrig.core.store.state.signed_in
    await left_clean(hrig)


async def sign_in_again(rig: PlayRig) -> None:
    """What the user does after being signed out: the device flow (auto-approved here)."""
    flow = await rig.core.start_sign_in()
    await asyncio.wait_for(rig.core.complete_sign_in(flow), 30)


@pytest.mark.parametrize("phase", [PlayPhase.BOOTING, PlayPhase.WAITING_READY])
async def test_sign_in_revoked_while_booting_fails_at_once_and_says_what_bills(
    hrig: PlayRig, phase: PlayPhase
) -> None:
    on_phase(hrig, phase, hrig.sim.control.revoke_all_tokens)

    with pytest.raises(NotSignedIn):
        await hrig.core.play(PlayOptions(grace_minutes=0))

    assert PlayPhase.STREAMING not in hrig.phases
    assert shown_error(hrig).title in ("Signed out", "Not signed in")
    assert "login" in shown_error(hrig).message
    assert not hrig.core.store.state.signed_in
    # Without a sign-in the app cannot stop the PC: it says so, and how to do it.
    assert any("may still be running and billing" in w for w in warnings_shown(hrig))
    assert hrig.user_profile_back()
    await sign_in_again(hrig)
    await hrig.core.stop_session()
    await left_clean(hrig)


async def test_sign_in_revoked_mid_stream_lets_the_game_go_on(
    hrig: PlayRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed out elsewhere mid-game: the stream is not cut; signing in again lets the
    Play stop the PC as usual when the game ends."""
    await hrig.with_child_env(PAWPADO_FAKE_STREAM_SECONDS="3")  # a game long enough to sign in
    play = asyncio.ensure_future(hrig.core.play(PlayOptions(grace_minutes=0)))
    await wait_until(lambda: bool(hrig.moonlight.events("streaming")))
    hrig.sim.control.revoke_all_tokens()
    await wait_until(lambda: not hrig.core.store.state.signed_in)
    assert hrig.moonlight.running_pids(), "the stream was cut when the sign-in ended"
    assert hrig.core.store.state.play.phase is PlayPhase.STREAMING
    await sign_in_again(hrig)
    assert await play is PlayPhase.DONE
    assert len(hrig.moonlight.events("stream-ended")) == 1
    await left_clean(hrig)


async def test_keyring_stuck_mid_refresh_keeps_the_play_going(
    hrig: PlayRig, tmp_path: Path
) -> None:
    keyring = StallingKeyring()
    try:
        await sign_in_with(hrig, KeyringStore(keyring, timeout=0.5))
        on_phase(hrig, PlayPhase.BOOTING, keyring.stall)  # stuck from the next refresh on
        assert await hrig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE
        warning = str(hrig.core.store.state.warning)
        assert "did not answer" in warning and "until the app quits" in warning
        assert hrig.sim.control.huudis_stats().reuse_detections == 0
        await left_clean(hrig)
    finally:
        keyring.released.set()
