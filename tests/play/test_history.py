"""The session history, recorded from the core's own polls through real Plays, a
session started elsewhere, a server-side stop, a top-up and a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.core.history import Ending, HistoryRecorder, report
from pawpado_desktop.core.history_db import HistoryDb, SessionRecord
from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.state import PlayPhase
from tests.support.play import PlayRig
from tests.support.waiting import wait_until


@pytest.fixture
async def recorder(rig: PlayRig, tmp_path: Path) -> AsyncIterator[HistoryRecorder]:
    history = HistoryRecorder(HistoryDb(tmp_path / "history.sqlite3"), rig.sim.base_url, rig.clock)
    unsubscribe = history.attach(rig.core.store)
    try:
        yield history
    finally:
        unsubscribe()
        await history.aclose()


async def sessions(history: HistoryRecorder, clock: ScaledClock) -> list[SessionRecord]:
    await history.drain()
    since = clock.now() - timedelta(days=1)
    return await history.run(history.db.sessions, history.server, since)


async def test_a_play_is_recorded_with_its_observed_cost(
    rig: PlayRig, recorder: HistoryRecorder
) -> None:
    before = rig.sim.control.balance()
    assert await rig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE
    after = rig.sim.control.balance()
    # The balance after is the first balance read after the end (the last minute may
    # be charged at the stop); the app reads it right after the Play.
    ended = rig.clock.now()
    await wait_until(
        lambda: (rig.core.store.state.credits_read_at or ended) > ended,
        what="a balance read after the Play",
    )

    [record] = await sessions(recorder, rig.clock)
    assert record.started_here
    assert record.end_state == "stopped" and record.ended_at is not None
    assert record.balance_before == before and record.balance_after == after
    assert record.cost == before - after > 0
    assert record.rate_per_minute is not None
    assert record.minutes_billed == int((before - after) / record.rate_per_minute)
    assert record.started_at is not None and record.started_at <= record.ended_at
    # A Play is filed under the day it began, also when it ended after midnight (as the
    # simulated clock, twenty times fast, can make it near midnight).
    tz = rig.clock.now().astimezone().tzinfo
    history = report(
        [record],
        [],
        today=record.start.astimezone(tz).date(),
        days=1,
        tz=tz,  # type: ignore[arg-type]
    )
    assert history.days[-1].spent == before - after
    assert history.sessions[0].ending is Ending.STOPPED


async def test_a_session_first_seen_running_has_no_made_up_cost(
    rig: PlayRig, tmp_path: Path
) -> None:
    await rig.other_device.start_session()  # started elsewhere, before this app looked
    await rig.core.refresh_session()
    late = HistoryRecorder(HistoryDb(tmp_path / "late.sqlite3"), rig.sim.base_url, rig.clock)
    unsubscribe = late.attach(rig.core.store)
    try:
        rig.sim.control.stop_session()
        await rig.session_state("stopped")
        await rig.core.refresh_session()
        await rig.core.refresh_credits()
        [record] = await sessions(late, rig.clock)
    finally:
        unsubscribe()
        await late.aclose()
    assert not record.started_here
    assert record.balance_before is None  # its start was not seen
    assert record.cost is None and record.minutes_billed is None
    assert record.end_state == "stopped"


async def test_a_server_side_stop_and_a_top_up_are_recorded(
    rig: PlayRig, recorder: HistoryRecorder
) -> None:
    await rig.other_device.start_session()
    await rig.core.refresh_session()  # seen starting: its balance before is known
    rig.sim.control.stop_session("Your balance ran out.")
    await rig.session_state("stopped")
    await rig.core.refresh_session()
    balance = rig.sim.control.balance()
    await rig.core.refresh_credits()
    rig.sim.control.set_balance(balance + Decimal("50000"))
    await rig.core.refresh_credits()

    [record] = await sessions(recorder, rig.clock)
    assert record.end_message == "Your balance ran out."
    assert record.cost is not None
    history = report(
        [record],
        await recorder.run(recorder.db.topups, recorder.server, rig.clock.now() - timedelta(1)),
        today=rig.clock.now().astimezone().date(),
        days=2,
        tz=rig.clock.now().astimezone().tzinfo,  # type: ignore[arg-type]
    )
    assert history.sessions[0].ending is Ending.BY_PAWPADO
    [topup] = history.topups
    assert topup.amount == Decimal("50000") and topup.balance_after == balance + 50000
    assert history.total_topped_up == Decimal("50000")


async def test_a_session_left_open_by_a_crash_is_closed_as_unobserved(
    rig: PlayRig, tmp_path: Path
) -> None:
    db_path = tmp_path / "crash.sqlite3"
    crashed = HistoryDb(db_path)
    crashed.begin(
        rig.sim.base_url,
        seen=rig.clock.now() - timedelta(hours=1),
        instance_id="i-0123",
        started_at=None,
        started_here=True,
        currency="IDR",
        rate=Decimal("500"),
        balance=Decimal("90000"),
    )
    crashed.close()
    again = HistoryRecorder(HistoryDb(db_path), rig.sim.base_url, rig.clock)
    unsubscribe = again.attach(rig.core.store)
    try:
        await rig.core.refresh_session()  # the session is stopped now
        [record] = await sessions(again, rig.clock)
    finally:
        unsubscribe()
        await again.aclose()
    assert record.end_state == "unobserved" and record.ended_at is None
    assert record.cost is None  # neither its end nor its final balance was seen
