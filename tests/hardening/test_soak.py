"""Soak: two hours of simulated time with a session running and a stream up.

The core, the simulator, the fake tailscaled and a fake Moonlight stream share one
ScaledClock; once the stream is up the clock runs at SOAK_SPEED, so two hours pass
in about fifteen seconds. The app polls, refreshes its token and watches the balance
as it would all evening. Measured between a warm-up and the end of the two hours:
memory (RSS and Python's heap), asyncio tasks, open file descriptors, and 429s.
The figures are printed (run with -s) and recorded in docs/PERFORMANCE.md, "Soak".
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import tracemalloc
from dataclasses import dataclass

import pytest

from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.state import PlayPhase
from tests.support.play import PlayRig, left_clean
from tests.support.waiting import wait_until

SOAK_SPEED = 480.0  # two simulated hours in fifteen real seconds (the path readings add load)
SOAK_SECONDS = 2 * 3600.0
WARM_UP_SECONDS = 5 * 60.0
WATCH_WINDOW_SECONDS = 10 * 60.0
MB = 1024 * 1024


@dataclass(frozen=True)
class Reading:
    rss: int
    heap: int
    tasks: int
    fds: int


def rss_bytes() -> int:
    for line in open("/proc/self/status", encoding="ascii"):  # noqa: SIM115
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def reading() -> Reading:
    gc.collect()
    heap, _ = tracemalloc.get_traced_memory()
    return Reading(rss_bytes(), heap, len(asyncio.all_tasks()), len(os.listdir("/proc/self/fd")))


async def sim_wait(rig: PlayRig, seconds: float) -> None:
    """Let `seconds` of simulated time pass (in real naps, so everything keeps running)."""
    end = rig.clock.monotonic() + seconds
    while rig.clock.monotonic() < end:
        await asyncio.sleep(0.05)


@pytest.mark.slow  # a soak: two simulated hours take about fifteen real seconds
@pytest.mark.alone  # at 480x, a real millisecond of a busy neighbour is half a simulated second
async def test_two_hours_streaming_leak_nothing_and_never_hit_a_429(
    hrig: PlayRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    await hrig.with_child_env(PAWPADO_FAKE_STREAM_SECONDS="0")  # streams until closed
    control = hrig.sim.control
    play = asyncio.ensure_future(hrig.core.play(PlayOptions(grace_minutes=0)))
    await wait_until(lambda: bool(hrig.moonlight.events("streaming")))
    stream_pid = hrig.moonlight.events("streaming")[0]["pid"]
    refreshes_before = control.huudis_stats().refreshes
    polls_before = dict(hrig.core._poller.polls)

    tracemalloc.start()
    try:
        pace = hrig.clock.speed
        hrig.clock.set_speed(SOAK_SPEED)
        await sim_wait(hrig, WARM_UP_SECONDS)  # connections opened, caches filled
        start = reading()
        soak_began = hrig.clock.now().timestamp()
        await sim_wait(hrig, SOAK_SECONDS)
        end = reading()
        soak_ended = hrig.clock.now().timestamp()
        hrig.clock.set_speed(pace)
    finally:
        tracemalloc.stop()

    polls = {k: hrig.core._poller.polls[k] - polls_before[k] for k in polls_before}
    refreshes = control.huudis_stats().refreshes - refreshes_before
    print(  # the figures for docs/PERFORMANCE.md
        f"\nsoak: {SOAK_SECONDS / 3600:g} h simulated at {SOAK_SPEED:g}x; "
        f"RSS {start.rss / MB:.1f} -> {end.rss / MB:.1f} MB "
        f"({(end.rss - start.rss) / MB:+.2f}), Python heap {(end.heap - start.heap) / MB:+.2f} MB, "
        f"tasks {start.tasks} -> {end.tasks}, fds {start.fds} -> {end.fds}, "
        f"polls {polls}, token refreshes {refreshes}, "
        f"429s {sum(control.rate_limited_counts().values())}"
    )
    assert end.rss - start.rss < 5 * MB
    assert end.heap - start.heap < 5 * MB
    assert end.tasks <= start.tasks
    assert end.fds <= start.fds
    assert sum(control.rate_limited_counts().values()) == 0
    # It really kept watching, all evening: every ten simulated minutes saw the session
    # polled (every 20 s) and the balance read (every minute), and a token was refreshed
    # ahead of each hourly expiry. Not a count of polls: a real millisecond is half a
    # simulated second here, so how far the intervals stretch is the machine's load.
    for path in ("/api/v1/sessions/poll", "/api/v1/credits/me"):
        seen = {
            int((r.at - soak_began) // WATCH_WINDOW_SECONDS)
            for r in control.request_log()
            if r.path == path and soak_began <= r.at < soak_ended
        }
        windows = int((soak_ended - soak_began) // WATCH_WINDOW_SECONDS)
        assert set(range(windows)) <= seen, (
            f"{path} went unpolled in windows {set(range(windows)) - seen}"
        )
    assert refreshes >= 2
    assert hrig.core.store.state.play.phase is PlayPhase.STREAMING
    assert control.session()["state"] == "running"

    os.kill(stream_pid, signal.SIGTERM)  # the evening's game ends
    assert await play is PlayPhase.DONE
    await left_clean(hrig)
