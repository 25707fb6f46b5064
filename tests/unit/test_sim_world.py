"""The lazy world: replaying events on demand must equal time flowing continuously."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.world import World
from tests.support.properties import examples

T0 = datetime(2026, 5, 12, 10, 42, tzinfo=UTC)


class ManualClock:
    """Time that moves only when told to."""

    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.t)

    async def sleep(self, seconds: float) -> None:
        self.t += seconds

    async def wait_for(self, event: asyncio.Event, seconds: float) -> bool:
        if not event.is_set():
            self.t += seconds
        return event.is_set()


def _world(balance: str, idle_minutes: int) -> tuple[World, ManualClock]:
    clock = ManualClock()
    config = SimConfig(balance=Decimal(balance))
    config.settings["autoStopIdleMinutes"] = idle_minutes
    return World(config, clock), clock


def _run(steps: list[float], balance: str, idle: int, topup_at: float | None) -> tuple[str, str]:
    world, clock = _world(balance, idle)
    with world.tick() as now:
        world.sessions.start(now, None)
        world.wallet.open_checkout(Decimal("10000"), None, now, 1e9, topup_at)
    for step in steps:
        clock.t += step
        with world.tick():
            pass
    with world.tick():
        return world.sessions.current.state, str(world.wallet.balance)


@settings(max_examples=examples(60), deadline=None)
@given(
    steps=st.lists(st.floats(min_value=0.0, max_value=900.0), min_size=1, max_size=30),
    balance=st.sampled_from(["7500.00", "7700.00", "12000.00", "100000.00"]),
    idle=st.sampled_from([0, 1, 15]),
    topup_at=st.one_of(st.none(), st.floats(min_value=0.0, max_value=3000.0)),
)
def test_many_small_steps_equal_one_jump(
    steps: list[float], balance: str, idle: int, topup_at: float | None
) -> None:
    stepped = _run(steps, balance, idle, topup_at)
    jumped = _run([sum(steps)], balance, idle, topup_at)
    assert stepped == jumped


def test_minutes_are_charged_at_their_start() -> None:
    world, clock = _world("100000.00", 0)
    with world.tick() as now:
        world.sessions.start(now, None)
    for t, expected in [(0.0, "99500.00"), (59.999, "99500.00"), (60.0, "99000.00")]:
        clock.t = t
        with world.tick():
            assert str(world.wallet.balance) == expected


def test_the_empty_wallet_stops_at_the_minute_it_runs_out() -> None:
    world, clock = _world("7600.00", 0)
    with world.tick() as now:
        world.sessions.start(now, None)
    clock.t = 15 * 60 + 0.001  # the 16th minute finds only 100.00
    with world.tick():
        s = world.sessions.current
        assert (s.state, str(world.wallet.balance)) == ("stopping", "0.00")
        assert s.phase_ends_at == 15 * 60 + 30 + T0.timestamp()
