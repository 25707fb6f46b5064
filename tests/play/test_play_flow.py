"""The Play pipeline end to end: simulator, fake tailscaled and fake moonlight."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from pawpado_desktop.api.errors import AwsCapacity, InsufficientCredits
from pawpado_desktop.core.notices import NoticeKind
from pawpado_desktop.core.play import PlayOptions, SessionEnded, StartFailed
from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.present.notices import notice_text
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.play import PlayRig

START = "/api/v1/sessions/start"
PAIR = "/api/v1/sessions/pair"
STOP = "/api/v1/sessions/stop"


async def test_full_play_from_stopped_to_stream_and_back(rig: PlayRig) -> None:
    before = rig.sim.control.balance()
    assert await rig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE

    assert rig.phases[:3] == [PlayPhase.PREFLIGHT, PlayPhase.STARTING, PlayPhase.BOOTING]
    for phase in (PlayPhase.PAIRING, PlayPhase.STREAMING, PlayPhase.STOPPING):
        assert phase in rig.phases
    assert rig.phases[-1] is PlayPhase.DONE
    assert rig.sim.control.session()["state"] == "stopped"  # billing has ended
    assert rig.sim.control.balance() < before
    assert rig.user_profile_back()
    assert rig.requests(START) == 1 and rig.requests(PAIR) == 1
    streams = [argv for argv in rig.moonlight.invocations() if "stream" in argv]
    assert len(streams) == 1
    assert "--resolution" in streams[0] or "--1080" in streams[0]
    assert {NoticeKind.SESSION_READY, NoticeKind.SESSION_STOPPED} <= set(rig.notice_kinds())
    state = rig.core.store.state
    assert state.session is not None and state.session.state.value == "stopped"
    assert state.credits is not None and state.credits.balance == rig.sim.control.balance()


async def test_the_tailnet_is_joined_while_the_instance_boots(rig: PlayRig) -> None:
    await rig.core.play(PlayOptions(grace_minutes=0))
    log = rig.sim.control.request_log()
    key_at = next(r.at for r in log if r.path == "/api/v1/sessions/tailscale-key")
    ready_poll = next(
        r.at for r in log if r.path == "/api/v1/sessions/connect"
    )  # connect needs ready
    assert key_at < ready_poll
    nodes = rig.sim.control.tailnet_nodes()
    assert nodes == [] or all(not n.get("joined", False) for n in nodes)  # left afterwards


async def test_attaching_to_a_running_session_does_not_start_another(rig: PlayRig) -> None:
    await rig.other_device.start_session()
    rig.sim.control.clear_request_log()
    await rig.core.refresh_session()

    await rig.core.play(PlayOptions(grace_minutes=0, stop_after=True))

    assert rig.requests(START) == 0
    assert rig.sim.control.session()["state"] == "stopped"


async def test_a_409_on_start_means_attach_not_failure(rig: PlayRig) -> None:
    await rig.core._poller.stop()
    await rig.other_device.start_session()  # another device starts it...
    stale = b'{"state": "stopped", "ready": false}'  # ...just after our look said stopped
    rig.sim.control.replace_responses(
        "/api/v1/sessions/poll", FaultResponse(200, stale, content_type="application/json")
    )

    assert await rig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE
    assert rig.requests(START) == 2  # ours was answered 409 and we attached


async def test_already_paired_mints_no_pin(rig: PlayRig) -> None:
    await rig.core.play(PlayOptions(grace_minutes=0))
    rig.sim.control.clear_request_log()

    await rig.core.play(PlayOptions(grace_minutes=0))

    assert rig.requests(PAIR) == 0
    assert PlayPhase.STREAMING in rig.phases


async def test_capacity_is_retried_then_succeeds(rig: PlayRig) -> None:
    rig.sim.control.fail_starts_with_capacity(2, retry_after=5)

    assert await rig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE
    assert rig.requests(START) == 3


async def test_capacity_gives_up_after_bounded_retries(rig: PlayRig) -> None:
    rig.sim.control.fail_starts_with_capacity(10, retry_after=5)

    with pytest.raises(AwsCapacity) as info:
        await rig.core.play(PlayOptions(grace_minutes=0))
    assert info.value.exit_code == 5 and "Nothing was charged" in info.value.message
    assert rig.requests(START) == 4
    assert rig.user_profile_back()


async def test_insufficient_credits_says_how_much_is_missing(rig: PlayRig) -> None:
    rig.sim.control.set_balance(Decimal("2000.00"))
    await rig.core.refresh_credits()

    with pytest.raises(InsufficientCredits) as info:
        await rig.core.play()
    message = info.value.message
    assert "Rp 2.000" in message and "Rp 7.500" in message and "Rp 5.500 is missing" in message
    assert rig.requests(START) == 0


async def test_a_start_that_fails_shows_its_message(rig: PlayRig) -> None:
    rig.sim.control.fail_next_start("starting", "The GPU driver did not load.")

    with pytest.raises(StartFailed) as info:
        await rig.core.play(PlayOptions(grace_minutes=0))
    assert "The GPU driver did not load." in info.value.message
    assert rig.sim.control.session()["state"] == "error"
    assert rig.requests(STOP) == 0  # nothing to stop: the server already ended billing
    assert rig.user_profile_back()
    assert rig.phases[-1] is PlayPhase.FAILED


@pytest.mark.parametrize(
    "phase",
    [PlayPhase.BOOTING, PlayPhase.WAITING_READY, PlayPhase.PAIRING, PlayPhase.STREAMING],
)
async def test_cancel_in_each_phase_stops_what_we_started(rig: PlayRig, phase: PlayPhase) -> None:
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=5)))
    await rig.reach(phase)
    rig.core.cancel_play()
    with pytest.raises(asyncio.CancelledError):
        await play

    assert rig.sim.control.session()["state"] == "stopped"
    assert rig.user_profile_back()
    assert rig.phases[-1] is PlayPhase.CANCELLED
    assert rig.moonlight.running_pids() == []


async def test_cancel_after_attaching_asks_before_stopping(rig: PlayRig) -> None:
    await rig.other_device.start_session()
    await rig.core.refresh_session()
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=5)))
    attached = {PlayPhase.BOOTING, PlayPhase.WAITING_READY}  # still booting, or running
    while not attached & set(rig.phases):
        await asyncio.sleep(0.02)
    rig.core.cancel_play()
    with pytest.raises(asyncio.CancelledError):
        await play

    assert len(rig.answers) == 1  # the user was asked, and said no
    assert rig.sim.control.session()["state"] in ("provisioning", "starting", "running")
    warnings = [notice_text(n) for n in rig.notices if n.kind is NoticeKind.WARNING]
    assert any("still running and billing" in w for w in warnings)  # never silently
    assert rig.user_profile_back()


async def test_grace_period_keeps_the_instance_until_it_runs_out(rig: PlayRig) -> None:
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=0.5)))
    await rig.reach(PlayPhase.GRACE)
    assert rig.sim.control.session()["state"] == "running"
    assert rig.core.store.state.play.grace_deadline is not None
    assert NoticeKind.STREAM_ENDED in rig.notice_kinds()
    assert await play is PlayPhase.DONE
    assert rig.sim.control.session()["state"] == "stopped"


async def test_keep_running_during_grace_leaves_it_running(rig: PlayRig) -> None:
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=5)))
    await rig.reach(PlayPhase.GRACE)
    rig.core.keep_running()
    assert await play is PlayPhase.DONE
    assert rig.sim.control.session()["state"] == "running"
    assert rig.user_profile_back()  # the tailnet is left; Reconnect joins again
    assert any("still running and billing" in notice_text(n) for n in rig.notices)


async def test_stop_now_during_grace(rig: PlayRig) -> None:
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=5)))
    await rig.reach(PlayPhase.GRACE)
    rig.core.stop_now()
    assert await play is PlayPhase.DONE
    assert rig.sim.control.session()["state"] == "stopped"


async def test_reconnect_during_grace_streams_again(rig: PlayRig) -> None:
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=5)))
    await rig.reach(PlayPhase.GRACE)
    rig.core.reconnect()
    await asyncio.sleep(0.2)
    rig.core.stop_now()
    await rig.reach(PlayPhase.DONE)
    await play
    streams = [argv for argv in rig.moonlight.invocations() if "stream" in argv]
    assert len(streams) >= 2 and rig.requests(START) == 1


async def test_the_balance_running_out_mid_session_ends_it_cleanly(rig: PlayRig) -> None:
    rig.sim.control.set_balance(Decimal("8000.00"))  # 16 minutes at 500/min
    await rig.core.refresh_credits()
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=0)))
    await rig.reach(PlayPhase.STREAMING)
    assert rig.core.store.state.runs_out_at is not None
    rig.sim.control.advance_clock(17 * 60)  # the server stops it at zero
    with pytest.raises(SessionEnded) as info:
        await play
    assert "balance" in info.value.message.lower()
    assert NoticeKind.LOW_BALANCE in rig.notice_kinds()
    await rig.session_state("stopped")
    assert rig.user_profile_back()


async def test_a_top_up_is_credited_and_reported(rig: PlayRig) -> None:
    checkout = await rig.core.topup(Decimal("30000"))
    assert rig.opened_urls == [checkout.checkout_url]
    rig.sim.control.pay_checkout(checkout.checkout_id)
    credits = await rig.core.wait_for_topup()
    assert credits is not None and credits.balance == Decimal("130000.00")
    credited = [n for n in rig.notices if n.kind is NoticeKind.TOPUP_CREDITED]
    assert len(credited) == 1 and "Rp 30.000" in notice_text(credited[0])
