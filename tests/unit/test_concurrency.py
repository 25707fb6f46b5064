"""first_of, within, all_or_nothing and failure_of: winners, losers, errors, deadlines."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.concurrency import all_or_nothing, failure_of, first_of, within


class Racer:
    """A racer that says whether it was cancelled and whether it cleaned up."""

    def __init__(self, clock: ScaledClock, seconds: float, result: object = None) -> None:
        self.clock, self.seconds, self.result = clock, seconds, result
        self.cancelled = False
        self.cleaned_up = False

    async def run(self) -> object:
        try:
            await self.clock.sleep(self.seconds)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        finally:
            await asyncio.sleep(0)  # clean-up that takes a turn of the loop (a child's kill)
            self.cleaned_up = True
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result


@pytest.fixture
def clock() -> ScaledClock:
    return ScaledClock(1000)


async def test_first_of_returns_the_winner_and_cancels_the_losers(clock: ScaledClock) -> None:
    slow, fast, slower = Racer(clock, 600, "slow"), Racer(clock, 5, "fast"), Racer(clock, 900)
    assert await first_of(slow.run(), fast.run(), slower.run()) == (1, "fast")
    # The losers are cancelled and have finished their clean-up when first_of returns.
    assert slow.cancelled and slow.cleaned_up
    assert slower.cancelled and slower.cleaned_up
    assert not fast.cancelled


async def test_first_of_raises_the_winners_error_and_cancels_the_rest(clock: ScaledClock) -> None:
    slow, failing = Racer(clock, 600), Racer(clock, 5, ValueError("broken"))
    with pytest.raises(ValueError, match="broken"):
        await first_of(slow.run(), failing.run())
    assert slow.cancelled and slow.cleaned_up


async def test_first_of_ranks_racers_done_together_by_their_order() -> None:
    first: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    second: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    first.set_result("first")
    second.set_exception(ValueError("later in the order"))
    assert await first_of(first, second) == (0, "first")


async def test_a_cancelled_caller_cancels_every_racer(clock: ScaledClock) -> None:
    racers = [Racer(clock, 600), Racer(clock, 900)]
    race = asyncio.ensure_future(first_of(*(r.run() for r in racers)))
    await clock.sleep(5)
    race.cancel()
    with pytest.raises(asyncio.CancelledError):
        await race
    assert all(r.cancelled and r.cleaned_up for r in racers)


async def test_a_loser_that_swallows_the_cancel_does_not_win(clock: ScaledClock) -> None:
    async def stubborn() -> str:
        try:
            await clock.sleep(600)
        except asyncio.CancelledError:
            return "stubborn"  # finishes instead of being cancelled
        return "late"

    assert await first_of(stubborn(), Racer(clock, 5, "fast").run()) == (1, "fast")


async def test_within_returns_work_that_finishes_in_time(clock: ScaledClock) -> None:
    assert await within(clock, 60, Racer(clock, 5, "done").run()) == "done"


async def test_within_passes_the_works_error_on(clock: ScaledClock) -> None:
    with pytest.raises(KeyError):
        await within(clock, 60, Racer(clock, 5, KeyError("x")).run())


async def test_within_cuts_work_at_the_deadline_on_the_clock(clock: ScaledClock) -> None:
    # An hour of work against a minute's deadline, on compressed time.
    work = Racer(clock, 3600, "too late")
    start = clock.monotonic()
    with pytest.raises(TimeoutError):
        await within(clock, 60, work.run())
    assert work.cancelled and work.cleaned_up
    assert 60 <= clock.monotonic() - start < 3600


async def test_within_raises_the_callers_error_on_timeout(clock: ScaledClock) -> None:
    class TookTooLong(Exception):
        pass

    with pytest.raises(TookTooLong):
        await within(clock, 1, Racer(clock, 600).run(), on_timeout=TookTooLong)


async def test_within_a_deadline_already_past_still_cancels_the_work(clock: ScaledClock) -> None:
    work = Racer(clock, 600)
    with pytest.raises(TimeoutError):
        await within(clock, 0, work.run())
    assert work.cancelled and work.cleaned_up


async def test_all_or_nothing_returns_every_result_in_order(clock: ScaledClock) -> None:
    steps: list[Awaitable[object]] = [
        Racer(clock, 30, "a").run(),
        Racer(clock, 5, "b").run(),
        Racer(clock, 10, "c").run(),
    ]
    assert await all_or_nothing(*steps) == ["a", "b", "c"]


async def test_all_or_nothing_cancels_the_rest_on_the_first_failure(clock: ScaledClock) -> None:
    slow, failing = Racer(clock, 600, "slow"), Racer(clock, 5, RuntimeError("down"))
    with pytest.raises(RuntimeError, match="down"):
        await all_or_nothing(slow.run(), failing.run())
    assert slow.cancelled and slow.cleaned_up


async def test_all_or_nothing_cancelled_leaves_nothing_running(clock: ScaledClock) -> None:
    steps = [Racer(clock, 600), Racer(clock, 900)]
    run = asyncio.ensure_future(all_or_nothing(*(s.run() for s in steps)))
    await clock.sleep(5)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert all(s.cancelled and s.cleaned_up for s in steps)


async def test_failure_of_raises_a_failing_tasks_error(clock: ScaledClock) -> None:
    joining = asyncio.ensure_future(Racer(clock, 5, LookupError("join failed")).run())
    ready = Racer(clock, 600, "ready")
    with pytest.raises(LookupError, match="join failed"):
        await first_of(ready.run(), failure_of(joining))
    assert ready.cancelled


async def test_failure_of_a_task_that_succeeds_waits_for_the_other_racer(
    clock: ScaledClock,
) -> None:
    joining = asyncio.ensure_future(Racer(clock, 5, "joined").run())
    assert await first_of(Racer(clock, 60, "ready").run(), failure_of(joining)) == (0, "ready")
    assert joining.result() == "joined"


async def test_failure_of_leaves_the_task_running_when_the_race_is_lost(
    clock: ScaledClock,
) -> None:
    joining = asyncio.ensure_future(Racer(clock, 60, "joined").run())
    assert await first_of(Racer(clock, 5, "ready").run(), failure_of(joining)) == (0, "ready")
    assert not joining.done()
    assert await joining == "joined"
