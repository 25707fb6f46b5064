"""The stop that is not given up: a Play's stop through a network outage, and a stop
left pending by an earlier run, carried out at the next start (the tray's policy)."""

from __future__ import annotations

import asyncio

import pytest

from pawpado_desktop.api.errors import NetworkError
from pawpado_desktop.core.notices import NoticeKind
from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.core.stopper import PendingStop, StopMarker
from pawpado_desktop.present.notices import notice_text, notice_title
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.play import PlayRig

API = "/api/v1/*"
STOP = "/api/v1/sessions/stop"
# The connection breaks half-way through every answer: Pawpado is unreachable.
CUT = FaultResponse(200, b'{"state": "runn', content_type="application/json", disconnect=True)


# Once the Play stops, Moonlight (real time) is done: the stop's waits and retries run
# on a faster clock.
STOPPING_SPEED = 100.0


def cut_network_at_stopping(rig: PlayRig, *, sim_seconds: float) -> None:
    """From the moment the Play starts stopping, Pawpado is unreachable for a while."""
    control = rig.sim.control
    armed = False

    async def outage() -> None:
        await rig.clock.sleep(sim_seconds)
        control.clear_faults()

    def listener(old: AppState, new: AppState) -> None:
        nonlocal armed
        if not armed and new.play.phase is PlayPhase.STOPPING:
            armed = True
            rig.clock.set_speed(STOPPING_SPEED)
            control.replace_responses(API, CUT, count=100_000)
            asyncio.get_running_loop().create_task(outage())

    rig.core.store.subscribe(listener)


async def test_a_short_outage_during_the_stop_is_ridden_out(rig: PlayRig) -> None:
    cut_network_at_stopping(rig, sim_seconds=6)

    assert await rig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE
    assert any(r.faulted and r.path == STOP for r in rig.sim.control.request_log())
    await rig.session_state("stopped")
    assert rig.user_profile_back()
    assert not StopMarker().path.exists()


async def test_a_long_outage_during_the_stop_is_not_given_up(rig: PlayRig) -> None:
    """Past the Play's wait the stop goes on in the background until Pawpado is back."""
    cut_network_at_stopping(rig, sim_seconds=60)

    with pytest.raises(NetworkError):  # StopNotConfirmed, or the look at the session after it
        await rig.core.play(PlayOptions(grace_minutes=0))
    warning = [notice_text(n) for n in rig.notices if n.kind is NoticeKind.WARNING][-1]
    assert "still be running and billing" in warning
    assert rig.user_profile_back()  # the tailnet was left without waiting for Pawpado
    assert rig.sim.control.session()["state"] == "running"  # still billing, for now
    assert StopMarker().path.exists()  # a crash now would leave the stop to the next start

    await rig.session_state("stopped", timeout=60)  # Pawpado came back: the stop went out
    assert not StopMarker().path.exists()


async def test_a_stop_left_pending_is_carried_out_at_start_in_the_background(
    rig: PlayRig,
) -> None:
    started = await rig.other_device.start_session()
    StopMarker().save(
        PendingStop(
            base_url=rig.sim.base_url,
            asked_at=rig.clock.now(),
            instance_id=started.instance_id,
            started_at=started.started_at,
        )
    )

    await rig.core.start(poll=False)  # what the tray runs when it starts
    assert "Finishing a stop" in [notice_title(n) for n in rig.notices]
    await rig.session_state("stopped")
    assert not StopMarker().path.exists()


async def test_a_pending_stop_for_a_session_that_ended_is_dropped(rig: PlayRig) -> None:
    """The stop went through before the crash; a session started since is left alone."""
    old = await rig.other_device.start_session()
    await rig.other_device.stop_session()
    await rig.session_state("stopped")
    StopMarker().save(
        PendingStop(
            base_url=rig.sim.base_url,
            asked_at=rig.clock.now(),
            instance_id=old.instance_id,
            started_at=old.started_at,
        )
    )
    await rig.other_device.start_session()  # the user plays again from another computer

    await rig.core.start(poll=False)
    assert not StopMarker().path.exists()
    await asyncio.sleep(1)
    assert rig.sim.control.session()["state"] in ("provisioning", "starting", "running")
    assert rig.requests(STOP) == 1


async def test_a_stop_asked_now_is_for_the_session_running_now(rig: PlayRig) -> None:
    """A stop left for an old session is still retrying (offline at start) when the
    user stops the session that runs now: that one is stopped, not declared done."""
    StopMarker().save(
        PendingStop(base_url=rig.sim.base_url, asked_at=rig.clock.now(), instance_id="i-old")
    )
    await rig.other_device.start_session()
    rig.sim.control.replace_responses(API, CUT, count=100_000)
    await rig.core.start(poll=False)  # offline: the old stop is retried in the background
    await asyncio.sleep(0.5)
    rig.sim.control.clear_faults()

    await rig.core.stop_session()
    await rig.session_state("stopped")
    assert not StopMarker().path.exists()
