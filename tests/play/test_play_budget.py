"""A full Play then half an hour of running stays inside every rate limit."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.polling import SESSION_IDLE_S
from pawpado_desktop.core.state import PlayPhase
from tests.support.play import PlayRig

HALF_HOUR = 30 * 60.0
FAST = 120.0  # half an hour in about fifteen seconds, for both sides


@pytest.mark.slow  # half an hour of polling, about fifteen real seconds
@pytest.mark.alone  # at 120x: a busy neighbour would stretch its simulated half hour
async def test_play_then_thirty_minutes_running_sees_no_429(rig: PlayRig) -> None:
    assert await rig.core.play(PlayOptions(keep_running=True)) is PlayPhase.DONE
    assert rig.sim.control.session()["state"] == "running"

    pace = rig.clock.speed
    rig.clock.set_speed(FAST)
    start = rig.clock.monotonic()
    while rig.clock.monotonic() - start < HALF_HOUR:
        await asyncio.sleep(0.2)
    rig.clock.set_speed(pace)

    assert not any(rig.sim.control.rate_limited_counts().values())  # zero 429s
    log = rig.sim.control.request_log()
    limits = {"read": 60, "write": 20, "poll": 30}
    for rate_class, limit in limits.items():
        times = sorted(r.at for r in log if r.rate_class == rate_class)
        busiest = max(
            (sum(1 for t in times if start <= t < start + 60) for start in times), default=0
        )
        assert busiest <= limit, f"{busiest} {rate_class} requests in one minute"
    # It kept watching the session and the balance all along.
    # Polls across the whole half hour with no silence longer than the slowest interval
    # (the server auto-stops the idle session on the way, and idle polls are a minute
    # apart; the last may fall up to one interval before the window closes).
    running = sorted(r.at for r in log if r.path == "/api/v1/sessions/poll")
    assert running and max(running) - min(running) >= HALF_HOUR - SESSION_IDLE_S
    # A missed poll leaves a gap of two whole intervals. Anything short of that is a poll
    # landing late, and how late is the machine's load: a real half second is a whole
    # simulated minute at FAST, so a bound tighter than this measures the load.
    gaps = [b - a for a, b in itertools.pairwise(running)]
    assert max(gaps) < 2 * SESSION_IDLE_S
    assert sum(1 for r in log if r.path == "/api/v1/credits/me") >= 10
