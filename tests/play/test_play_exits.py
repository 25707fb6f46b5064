"""Every way out of a Play: cancel, shutdown (quit, logout), sign-out, the end of a stream
of a session the Play only attached to. Each ends with what the user cares about: the
server's session state, the user's own Tailscale profile current, no Moonlight left."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from pawpado_desktop.config import Endpoints
from pawpado_desktop.core.notices import NoticeKind
from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.present.notices import notice_text
from pawpado_desktop.present.progress import detail_text, question_text
from tests.support.holding_proxy import HoldingProxy, holding_proxy
from tests.support.play import PlayRig
from tests.support.waiting import wait_until

START = "/api/v1/sessions/start"
STOP = "/api/v1/sessions/stop"


@pytest.fixture
async def held_start(rig: PlayRig) -> AsyncIterator[HoldingProxy]:
    """The app talks to Pawpado through a proxy that holds the answer to a start."""
    with holding_proxy(rig.sim.base_url, b"POST " + START.encode()) as proxy:
        await rig.rebuild(endpoints=Endpoints(proxy.url, rig.sim.issuer_url))
        yield proxy


async def start_held(rig: PlayRig, proxy: HoldingProxy) -> asyncio.Future[PlayPhase]:
    """A Play whose start the server has carried out, its answer still on the way."""
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=0)))
    def held() -> bool:
        assert not play.done()
        return proxy.held.is_set()

    await wait_until(held, what="the start to be held")
    assert rig.sim.control.session()["state"] == "provisioning"  # it bills from here on
    return play


def warnings(rig: PlayRig) -> list[str]:
    return [notice_text(n) for n in rig.notices if n.kind is NoticeKind.WARNING]


async def test_a_cancel_while_the_start_answer_is_awaited_stops_the_session(
    rig: PlayRig, held_start: HoldingProxy
) -> None:
    play = await start_held(rig, held_start)
    rig.core.cancel_play()
    with pytest.raises(asyncio.CancelledError):
        await play

    assert rig.sim.control.session()["state"] in ("stopping", "stopped")
    await rig.session_state("stopped")
    assert rig.phases[-1] is PlayPhase.CANCELLED
    assert "stopped" in detail_text(rig.core.store.state.play.detail)
    assert rig.user_profile_back()
    assert rig.moonlight.running_pids() == []


async def test_a_shutdown_while_the_start_answer_is_awaited_stops_the_session(
    rig: PlayRig, held_start: HoldingProxy
) -> None:
    play = await start_held(rig, held_start)
    await rig.core.shutdown(deadline_s=30)
    assert play.done()

    await rig.session_state("stopped")
    assert rig.user_profile_back()
    assert rig.requests(STOP) == 1


async def test_a_start_that_never_arrived_is_looked_for_and_reported(
    rig: PlayRig, held_start: HoldingProxy
) -> None:
    """The cancel lands while the start is still on its way (the server sits on it):
    the look finds no session, and the user is told to check, not told it is fine."""
    rig.sim.control.set_latency(30, START)
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=0)))
    await wait_until(held_start.seen.is_set, what="the start to reach the proxy")
    rig.core.cancel_play()
    with pytest.raises(asyncio.CancelledError):
        await play
    rig.sim.control.clear_faults()

    assert rig.sim.control.session()["state"] == "stopped"
    assert any("did not confirm whether your gaming PC started" in w for w in warnings(rig))
    assert rig.user_profile_back()


async def test_shutdown_restores_tailscale_before_waiting_for_stopped(rig: PlayRig) -> None:
    """A process with little time left (a logout, the end of the desktop session) gets
    the stop out and the user's Tailscale back; the wait for `stopped` is what is cut."""
    rig.sim.control.set_phase_durations(stopping=3600)
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=5)))
    await rig.reach(PlayPhase.STREAMING)
    await rig.core.shutdown(deadline_s=5)
    assert play.done()

    assert rig.sim.control.session()["state"] == "stopping"  # the stop was accepted
    assert rig.user_profile_back()
    assert rig.moonlight.running_pids() == []
    assert "billing ends once it has stopped" in detail_text(rig.core.store.state.play.detail)


async def test_sign_out_during_a_play_of_ours_stops_it_first(rig: PlayRig) -> None:
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=5)))
    await rig.reach(PlayPhase.STREAMING)
    await rig.core.sign_out(stop=True)
    assert play.done()

    assert rig.sim.control.session()["state"] == "stopped"
    assert not rig.core.store.state.signed_in
    assert rig.user_profile_back()
    assert rig.moonlight.running_pids() == []


async def test_sign_out_keeping_the_pc_leaves_it_running_and_says_so(rig: PlayRig) -> None:
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=5)))
    await rig.reach(PlayPhase.STREAMING)
    await rig.core.sign_out(stop=False)
    assert play.done()

    assert rig.sim.control.session()["state"] == "running"  # as the user chose
    assert rig.requests(STOP) == 0
    assert not rig.core.store.state.signed_in
    assert any("still running and billing" in w for w in warnings(rig))
    assert rig.user_profile_back()
    assert rig.moonlight.running_pids() == []


async def test_sign_out_stops_a_session_found_running(rig: PlayRig) -> None:
    await rig.other_device.start_session()
    await rig.core.refresh_session()
    last = await rig.core.sign_out(stop=True)

    assert last is not None and last.state.value == "stopped"
    assert rig.sim.control.session()["state"] == "stopped"
    assert not rig.core.store.state.signed_in


async def test_sign_out_that_cannot_stop_keeps_the_sign_in(rig: PlayRig) -> None:
    from pawpado_desktop.core.service import StillRunning
    from pawpado_desktop.sim.faults import FaultResponse

    await rig.other_device.start_session()
    await rig.core.refresh_session()
    broken = FaultResponse(503, b'{"error": "UNAVAILABLE", "message": "down"}', "application/json")
    rig.sim.control.replace_responses(STOP, broken, count=1000)
    rig.sim.control.replace_responses("/api/v1/sessions/poll", broken, count=1000)

    with pytest.raises(StillRunning) as info:
        await rig.core.sign_out(stop=True, deadline_s=5)
    assert info.value.exit_code == 11 and "still signed in" in info.value.message
    rig.sim.control.clear_faults()
    assert rig.core.store.state.signed_in
    assert rig.sim.control.session()["state"] in ("provisioning", "starting", "running")
    await rig.core.stop_session()


@pytest.mark.parametrize("confirm_answer", [False])
async def test_an_attached_session_is_kept_running_unless_the_user_says_stop(
    rig: PlayRig,
) -> None:
    await rig.other_device.start_session()
    await rig.core.refresh_session()

    assert await rig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE

    assert len(rig.answers) == 1 and "already running" in question_text(rig.answers[0])
    assert rig.sim.control.session()["state"] == "running"
    assert rig.requests(STOP) == 0
    assert any("still running and billing" in w for w in warnings(rig))
    assert rig.user_profile_back()
    assert rig.moonlight.running_pids() == []


@pytest.mark.parametrize("confirm_answer", [True])
async def test_an_attached_session_is_stopped_when_the_user_says_so(rig: PlayRig) -> None:
    await rig.other_device.start_session()
    await rig.core.refresh_session()

    assert await rig.core.play(PlayOptions(grace_minutes=5)) is PlayPhase.DONE

    assert len(rig.answers) == 1
    assert PlayPhase.GRACE not in rig.phases  # asked at the end of the stream
    assert rig.sim.control.session()["state"] == "stopped"


async def test_an_attached_session_with_nobody_to_ask_keeps_running(rig: PlayRig) -> None:
    rig.core.confirm = None  # no terminal: nothing is asked
    await rig.other_device.start_session()
    await rig.core.refresh_session()

    assert await rig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE

    assert rig.sim.control.session()["state"] == "running"
    assert any("still running and billing" in w for w in warnings(rig))
    assert rig.user_profile_back()


async def test_stop_after_stops_an_attached_session_without_asking(rig: PlayRig) -> None:
    await rig.other_device.start_session()
    await rig.core.refresh_session()

    await rig.core.play(PlayOptions(grace_minutes=0, stop_after=True))

    assert rig.answers == []
    assert rig.sim.control.session()["state"] == "stopped"
