"""Moonlight output that never blocks Moonlight: a 1 MB line is drained like any other.

The fake Moonlight (a real process on real pipes) prints one line of 1 MB on stdout
and on stderr (PAWPADO_FAKE_MOONLIGHT_FLOOD), then goes on; a 64 KiB pipe only lets
that write finish if the app keeps reading. What follows the line still counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.config import LocalSettings
from pawpado_desktop.moonlight import (
    HostUnreachable,
    Moonlight,
    StreamEndReason,
    StreamOptions,
    WrongPin,
)
from tests.support.moonlight import (
    FAST,
    SERVER_SETTINGS,
    STANDIN_ADDRESS,
    STEP,
    FakeMoonlightInstall,
    SunshineStandIn,
    alive,
    pair_now,
)
from tests.support.waiting import wait_until

Install = Callable[..., FakeMoonlightInstall]
ONE_MB = str(1024 * 1024)


@pytest.fixture
def fake(install_moonlight: Install, sunshine_standin: SunshineStandIn) -> FakeMoonlightInstall:
    return install_moonlight(sunshine_standin.base_url, seek_seconds=0.3, save_seconds=0.2)


def client(fake: FakeMoonlightInstall, **env: str) -> Moonlight:
    return Moonlight(settings=fake.settings(), env=fake.env(**env), timeouts=FAST)


async def until_flooded(fake: FakeMoonlightInstall) -> None:
    """The fake wrote its whole 1 MB line on both pipes (it logs that after the write)."""
    await wait_until(
        lambda: fake.events("flooded"),
        STEP,
        what="Moonlight to get its output out (stuck: nobody drains the pipe)",
    )


async def test_a_one_megabyte_line_mid_stream_keeps_the_stream_running(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    moonlight = client(fake)
    await pair_now(moonlight, sunshine_standin)
    moonlight = client(fake, PAWPADO_FAKE_MOONLIGHT_FLOOD=ONE_MB)
    options = StreamOptions.from_settings(SERVER_SETTINGS, LocalSettings())
    stream = await moonlight.stream(STANDIN_ADDRESS, "Desktop", options)
    try:
        await until_flooded(fake)
        assert stream.running and alive(stream.pid)
        assert [s["ended"] for s in sunshine_standin.streams.values()] == [False]
    finally:
        end = await stream.terminate()
    assert end.reason is StreamEndReason.STOPPED
    assert not alive(stream.pid)
    assert [s["ended"] for s in sunshine_standin.streams.values()] == [True]


async def test_a_failure_dialog_after_a_huge_line_is_still_read(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    moonlight = client(fake)
    await pair_now(moonlight, sunshine_standin)
    moonlight = client(
        fake,
        PAWPADO_FAKE_MOONLIGHT_FLOOD=ONE_MB,
        PAWPADO_FAKE_STREAM_SECONDS="0.3",
        PAWPADO_FAKE_STREAM_END_DIALOG=f"Failed to connect to {STANDIN_ADDRESS}",
    )
    options = StreamOptions.from_settings(SERVER_SETTINGS, LocalSettings())
    stream = await moonlight.stream(STANDIN_ADDRESS, "Desktop", options)
    end = await asyncio.wait_for(stream.wait(), STEP)
    assert (end.reason, end.returncode) == (StreamEndReason.FAILED, 0)
    assert isinstance(end.error(), HostUnreachable)
    assert STANDIN_ADDRESS in end.message


async def test_a_wrong_pin_after_a_huge_line_is_still_reported(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    pin = sunshine_standin.mint_pin()
    wrong = f"{(int(pin) + 5) % 10_000:04d}"
    moonlight = client(fake, PAWPADO_FAKE_MOONLIGHT_FLOOD=ONE_MB)
    with pytest.raises(WrongPin):
        await asyncio.wait_for(
            moonlight.pair(STANDIN_ADDRESS, wrong, SYSTEM_CLOCK.now() + timedelta(minutes=2)),
            STEP,
        )
    assert fake.events("flooded")
    assert sunshine_standin.paired_clients == {}
