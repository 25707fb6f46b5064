"""A stop made server-side mid-stream is noticed within 5 s (issue 13, item 5).

While a stream runs the session is polled every 3 s (inside the poll budget of
30 a minute), so a stop from the web portal, the balance running out or an idle
stop ends the stream within 5 simulated seconds; the Play then closes Moonlight
and leaves the tailnet.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pawpado_desktop.core.play import PlayOptions, SessionEnded
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.tailscale.join_state import JoinStateStore
from tests.support.play import PlayRig

pytestmark = pytest.mark.world(speed=4.0)

NOTICED_WITHIN_S = 5.0
STEADY_S = 10.0  # simulated seconds of streaming first: the stop falls between polls


@pytest.fixture
def moonlight_knobs() -> dict[str, Any]:
    return {"stream_seconds": 300.0, "save_seconds": 0.2}  # streams until it is closed


async def test_a_server_side_stop_mid_stream_ends_the_stream_within_5_s(rig: PlayRig) -> None:
    noticed: list[float] = []

    def on_state(old: AppState, new: AppState) -> None:
        was_on = old.session is not None and old.session.state.is_active
        now_off = new.session is not None and not new.session.state.is_active
        if was_on and now_off and not noticed:
            noticed.append(rig.clock.monotonic())

    rig.core.store.subscribe(on_state)
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=0)))
    await rig.reach(PlayPhase.STREAMING)
    await rig.clock.sleep(STEADY_S)
    assert rig.moonlight.running_pids(), "Moonlight should be streaming"

    stopped_at = rig.clock.monotonic()
    rig.sim.control.stop_session("Stopped from the web portal.")

    with pytest.raises(SessionEnded) as info:
        await asyncio.wait_for(play, 60)
    assert noticed and noticed[0] - stopped_at <= NOTICED_WITHIN_S
    assert "web portal" in info.value.message
    # The stream was ended and the tailnet left; the server finishes the stop itself.
    assert rig.moonlight.running_pids() == []
    assert rig.user_profile_back()
    assert rig.sim.control.tailnet_nodes() == []
    assert not JoinStateStore().path.exists()
    await rig.session_state("stopped")
    assert rig.sim.control.session()["billing"] is False
    # Polled often, yet far inside the poll budget.
    assert not any(rig.sim.control.rate_limited_counts().values())
