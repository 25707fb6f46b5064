"""Connection quality while streaming: the path to the cloud PC as the strict fake
tailscaled reports it (direct, relayed, changing), the relay warning, and that a
tailscaled that cannot tell never ends the Play."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pawpado_desktop.core.history import HistoryRecorder
from pawpado_desktop.core.history_db import HistoryDb
from pawpado_desktop.core.notices import Topic
from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.present.history import connection
from pawpado_desktop.present.notices import notice_text
from pawpado_desktop.tailscale.models import ConnectionPath, PathKind
from pawpado_desktop.tailscale.path import describe
from tests.support.play import PlayRig

SPEED = 50.0  # a reading every 5 s is a tenth of a second; 30 s relayed is 0.6 s


pytestmark = pytest.mark.world(speed=SPEED)  # the folder's phases and its long PIN


@pytest.fixture
def moonlight_knobs() -> dict[str, Any]:
    return {"stream_seconds": 2.0, "save_seconds": 0.2}  # 100 s of streaming at SPEED


class Paths:
    """Every connection the core showed, and an event per condition a test waits for."""

    def __init__(self, rig: PlayRig) -> None:
        self.seen: list[ConnectionPath | None] = []
        self.while_streaming: list[bool] = []
        self._waits: list[tuple[Callable[[ConnectionPath], bool], asyncio.Event]] = []
        rig.core.store.subscribe(self._on_state)

    def _on_state(self, old: AppState, new: AppState) -> None:
        if new.connection is old.connection:
            return
        self.seen.append(new.connection)
        self.while_streaming.append(new.play.phase is PlayPhase.STREAMING)
        for wanted, event in self._waits:
            if new.connection is not None and wanted(new.connection):
                event.set()

    async def until(self, wanted: Callable[[ConnectionPath], bool]) -> None:
        event = asyncio.Event()
        self._waits.append((wanted, event))
        await asyncio.wait_for(event.wait(), 30)

    def kinds(self) -> list[PathKind]:
        """The kinds shown, repeats folded."""
        folded: list[PathKind] = []
        for path in self.seen:
            if path is not None and (not folded or folded[-1] is not path.kind):
                folded.append(path.kind)
        return folded


def relay_notices(rig: PlayRig) -> list[str]:
    return [notice_text(n) for n in rig.notices if n.topic is Topic.RELAYED]


async def test_a_direct_path_is_shown_while_streaming_and_cleared_after(rig: PlayRig) -> None:
    paths = Paths(rig)
    assert await rig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE

    shown = [p for p in paths.seen if p is not None]
    assert shown and all(p.kind is PathKind.DIRECT for p in shown)
    assert all(p.endpoint.endswith(":41641") for p in shown)
    assert describe(shown[-1]) == "Direct · 18 ms"
    assert all(paths.while_streaming[i] for i, p in enumerate(paths.seen) if p is not None)
    assert rig.core.store.state.connection is None  # only while streaming
    assert relay_notices(rig) == []


async def test_a_long_relayed_path_warns_once_naming_the_region(rig: PlayRig) -> None:
    rig.sim.control.set_relay_path(True, region="sin")
    paths = Paths(rig)
    assert await rig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE

    shown = [p for p in paths.seen if p is not None]
    assert {p.kind for p in shown} == {PathKind.RELAYED}
    assert describe(shown[-1]) == "Relayed via Singapore · 95 ms"
    [warning] = relay_notices(rig)  # 150 s relayed: told once, not every 30 s
    assert "Singapore" in warning and "UDP" in warning and "firewall" in warning


async def test_a_changing_path_is_followed(rig: PlayRig) -> None:
    control = rig.sim.control
    paths = Paths(rig)
    play = asyncio.create_task(rig.core.play(PlayOptions(grace_minutes=0)))
    await paths.until(lambda p: p.kind is PathKind.DIRECT)
    control.set_relay_path(True, region="fra", latency_ms=140)
    await paths.until(lambda p: p.kind is PathKind.RELAYED)
    assert rig.core.store.state.connection is not None
    assert describe(rig.core.store.state.connection) == "Relayed via Frankfurt · 140 ms"
    control.set_relay_path(False, latency_ms=21)
    await paths.until(lambda p: p.kind is PathKind.DIRECT and p.rtt_ms == 21)
    assert await play is PlayPhase.DONE

    assert paths.kinds() == [PathKind.DIRECT, PathKind.RELAYED, PathKind.DIRECT]


async def test_tailscaled_failing_to_ping_never_ends_the_play(rig: PlayRig) -> None:
    rig.sim.control.set_relay_path(False, ping_error="engine: no route")
    paths = Paths(rig)
    assert await rig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE

    # No pong: the engine's last path from the status, without a round trip.
    shown = [p for p in paths.seen if p is not None]
    assert shown and all(p.kind is PathKind.DIRECT and p.rtt_ms is None for p in shown)
    assert describe(shown[-1]) == "Direct"


async def test_the_session_history_records_the_path(rig: PlayRig, tmp_path: Path) -> None:
    history = HistoryRecorder(HistoryDb(tmp_path / "history.sqlite3"), rig.sim.base_url, rig.clock)
    unsubscribe = history.attach(rig.core.store)
    try:
        rig.sim.control.set_relay_path(True, region="sin", latency_ms=90)
        paths = Paths(rig)
        play = asyncio.create_task(rig.core.play(PlayOptions(grace_minutes=0)))
        await paths.until(lambda p: p.kind is PathKind.RELAYED)
        rig.sim.control.set_relay_path(False, latency_ms=20)
        await paths.until(lambda p: p.kind is PathKind.DIRECT)
        assert await play is PlayPhase.DONE
        await history.drain()
        since = rig.clock.now() - timedelta(days=1)
        [record] = await history.run(history.db.sessions, history.server, since)
    finally:
        unsubscribe()
        await history.aclose()
    summary = record.connection
    assert summary is not None and summary.kind == "mixed" and summary.relay_code == "sin"
    assert summary.last_rtt_ms == 20
    assert summary.readings == len([p for p in paths.seen if p is not None])
    assert connection(summary).startswith("Direct and relayed via Singapore · ")
