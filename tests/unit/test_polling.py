import asyncio
import itertools
from collections.abc import Callable
from datetime import UTC, datetime

from pawpado_desktop.api.models import SessionState, SessionStatus
from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.core.polling import (
    SESSION_POLL_BUDGET,
    Poller,
    PollPlan,
    failure_backoff,
    poll_plan,
)
from pawpado_desktop.core.state import AppState, PlayPhase, PlayProgress
from pawpado_desktop.errors import PawpadoError


def state(session: SessionState | None, ready: bool = False, **kw: object) -> AppState:
    status = None
    if session is not None:
        status = SessionStatus(state=session, ready=ready, started_at=datetime.now(UTC))
    return AppState(signed_in=True, session=status, **kw)  # type: ignore[arg-type]


def test_nothing_is_polled_while_signed_out() -> None:
    assert poll_plan(AppState(signed_in=False)) == PollPlan(None, None)


def test_plan_follows_the_session() -> None:
    provisioning = poll_plan(state(SessionState.PROVISIONING))
    booting = poll_plan(state(SessionState.STARTING))
    readying = poll_plan(state(SessionState.RUNNING, ready=False))
    # Sparse where ready cannot come yet, densest where it can come any second.
    assert provisioning.session_every == 6 and booting.session_every == 4
    assert provisioning.ramp_phase != booting.ramp_phase
    assert readying.session_every == 1 and readying.ramp_phase is None
    running = poll_plan(state(SessionState.RUNNING, ready=True))
    assert 15 <= (running.session_every or 0) <= 30
    assert running.credits_every == 60
    idle = poll_plan(state(SessionState.STOPPED))
    assert (idle.session_every or 0) >= 60 and (idle.credits_every or 0) >= 180
    waiting = state(SessionState.STOPPED, play=PlayProgress(phase=PlayPhase.STARTING))
    assert poll_plan(waiting).session_every == 2


def test_topup_watch_polls_credits_every_5_seconds() -> None:
    assert poll_plan(state(SessionState.STOPPED), watching_topup=True).credits_every == 5


def test_every_plan_stays_inside_the_rate_limits() -> None:
    for current in SessionState:
        for ready in (False, True):
            for topup in (False, True):
                plan = poll_plan(state(current, ready=ready), watching_topup=topup)
                assert plan.session_every is not None and plan.session_every >= 1
                assert plan.credits_every is not None and 60 / plan.credits_every <= 60


def most_in_a_minute(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 60) for start in times)


async def run_poller(plan: Callable[[float], PollPlan], seconds: float) -> list[float]:
    """Session poll times (simulated seconds) over `seconds` of a plan that may change."""
    clock = ScaledClock(50.0)
    started = clock.monotonic()
    polled: list[float] = []

    async def fetch_session() -> None:
        polled.append(clock.monotonic() - started)

    async def nothing() -> None:
        pass

    poller = Poller(clock, lambda: plan(clock.monotonic() - started), fetch_session, nothing)
    poller.start()
    try:
        await clock.sleep(seconds)
    finally:
        await poller.stop()
    return polled


async def test_waiting_for_ready_never_spends_more_than_the_poll_budget() -> None:
    readying = poll_plan(state(SessionState.RUNNING, ready=False))
    polled = await run_poller(lambda _: readying, 150)
    assert most_in_a_minute(polled) <= SESSION_POLL_BUDGET < 30
    assert polled[:5] == sorted(polled[:5]) and polled[4] - polled[0] < 6  # fast at first


async def test_a_boot_spends_its_polls_where_ready_can_come() -> None:
    """Production's slow end: provisioning 90 s, OS start 120 s, ready 30 s after running."""
    phases = [
        (90, state(SessionState.PROVISIONING)),
        (210, state(SessionState.STARTING)),
        (240, state(SessionState.RUNNING, ready=False)),
    ]

    def plan(at: float) -> PollPlan:
        return next((poll_plan(s) for until, s in phases if at < until), poll_plan(phases[-1][1]))

    polled = await run_poller(plan, 240)
    assert most_in_a_minute(polled) <= SESSION_POLL_BUDGET
    provisioning = [t for t in polled if t < 90]
    booting = [t for t in polled if 90 <= t < 210]
    readying = [t for t in polled if t >= 210]
    # sparse where ready cannot come, dense where it can (the old plan: 2 s throughout)
    assert len(provisioning) / 90 < 1 / 3 and len(booting) / 120 < 1 / 3
    assert len(readying) / 30 > 1 / 2


async def test_a_stop_is_seen_ending_soon_and_a_long_one_costs_no_more() -> None:
    """A stop ramps like a boot phase: polled a second after it is seen, then sparser up
    to every 5 s, so a quick stop's "billing has ended" comes within seconds."""
    stopping = poll_plan(state(SessionState.STOPPING))
    assert stopping.session_every == 5 and stopping.ramp_phase is not None
    polled = await run_poller(lambda _: stopping, 120)
    assert len([t for t in polled if t < 3]) >= 3  # at 0, 1 and 2 s (not 0 then 5)
    assert most_in_a_minute(polled) <= SESSION_POLL_BUDGET
    late = [t for t in polled if t >= 60]
    assert all(b - a >= 4.5 for a, b in itertools.pairwise(late))  # settled at 5 s


async def test_poke_polls_at_once_and_the_schedule_resumes() -> None:
    clock = ScaledClock(1.0)
    calls: list[str] = []
    done = asyncio.Event()

    async def fetch_session() -> None:
        calls.append("session")
        if calls.count("session") == 2:
            done.set()

    async def fetch_credits() -> None:
        calls.append("credits")

    poller = Poller(clock, lambda: PollPlan(3600, 3600), fetch_session, fetch_credits)
    poller.start()
    try:
        await asyncio.sleep(0.05)
        assert calls == ["session", "credits"]  # both at start, then an hour's wait
        poller.poke(credits=False)
        await asyncio.wait_for(done.wait(), timeout=5)
        assert calls.count("credits") == 1
    finally:
        await poller.stop()


async def test_a_wake_from_sleep_refreshes_at_once() -> None:
    clock = ScaledClock(100.0)  # a 30 s nap takes 0.3 s here
    polled = asyncio.Event()

    async def fetch() -> None:
        polled.set()

    async def nothing() -> None:
        pass

    poller = Poller(clock, lambda: PollPlan(3600, None), fetch, nothing)
    poller.start()
    try:
        await asyncio.wait_for(polled.wait(), timeout=5)
        polled.clear()
        assert poller.polls["session"] == 1
        clock.suspend(2 * 3600)  # the laptop slept two hours
        await asyncio.wait_for(polled.wait(), timeout=5)
        assert poller.polls["session"] == 2  # well before the hourly schedule
    finally:
        await poller.stop()


def test_a_stream_polls_the_session_every_3_seconds_inside_the_budget() -> None:
    streaming = state(SessionState.RUNNING, ready=True, play=PlayProgress(PlayPhase.STREAMING))
    every = poll_plan(streaming).session_every
    assert every is not None and every <= 4 and 60 / every <= 30  # a stop seen within 5 s
    after = state(SessionState.RUNNING, ready=True, play=PlayProgress(PlayPhase.DONE))
    assert poll_plan(after).session_every == 20  # back to the running pace


def test_failed_polls_back_off_up_to_a_minute() -> None:
    waits = [failure_backoff(n) for n in range(8)]
    assert waits[0] == 0 and waits[1] == 2
    assert waits == sorted(waits) and waits[-1] == 60


async def test_no_failure_stops_the_poller() -> None:
    clock = ScaledClock(100.0)
    failures: list[tuple[str, str]] = []
    plan_calls = 0
    ok = asyncio.Event()

    async def fetch_session() -> None:
        if poller.polls["session"] == 1:
            raise RuntimeError("a bug")
        if poller.polls["session"] == 2:
            raise PawpadoError("Pawpado is having trouble (HTTP 502).")
        ok.set()

    async def fetch_credits() -> None:
        pass

    def plan() -> PollPlan:
        nonlocal plan_calls
        plan_calls += 1
        if plan_calls == 2:
            raise ValueError("a broken plan")  # outside any fetch: the loop restarts
        return PollPlan(1, None)

    poller = Poller(
        clock,
        plan,
        fetch_session,
        fetch_credits,
        on_failure=lambda name, error: failures.append((name, type(error).__name__)),
    )
    poller.start()
    try:
        await asyncio.wait_for(ok.wait(), timeout=10)
        assert poller.alive
        assert failures == [("session", "RuntimeError"), ("session", "PawpadoError")]
        assert poller.restarts == 1
    finally:
        await poller.stop()
    assert not poller.alive
