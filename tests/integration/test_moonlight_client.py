"""`Moonlight` driving the fake executable against the Sunshine stand-in over loopback HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from pawpado_desktop.clock import SYSTEM_CLOCK, Clock, ScaledClock
from pawpado_desktop.config import LocalSettings
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.moonlight import (
    INSTALL_URL,
    HostUnreachable,
    Moonlight,
    MoonlightNotInstalled,
    MoonlightTooOld,
    MoonlightUnusable,
    MoonlightVersion,
    PinExpired,
    StreamEndReason,
    StreamFailed,
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
from tests.support.processes import spawn_order

Install = Callable[..., FakeMoonlightInstall]


@pytest.fixture
def fake(install_moonlight: Install, sunshine_standin: SunshineStandIn) -> FakeMoonlightInstall:
    return install_moonlight(sunshine_standin.base_url, seek_seconds=0.3, save_seconds=0.2)


def client(
    fake: FakeMoonlightInstall,
    *,
    clock: Clock = SYSTEM_CLOCK,
    warnings: list[str] | None = None,
    **env: str,
) -> Moonlight:
    return Moonlight(
        settings=fake.settings(),
        env=fake.env(**env),
        clock=clock,
        timeouts=FAST,
        on_warning=None if warnings is None else warnings.append,
    )


def pair_runs(fake: FakeMoonlightInstall) -> list[dict[str, object]]:
    return [e for e in fake.log() if "argv" in e and "pair" in e["argv"]]


async def test_ready_reports_the_version(fake: FakeMoonlightInstall):
    assert await client(fake).check_ready() == MoonlightVersion(6, 1, 0)


async def test_pairing_right_after_a_not_paired_check_starts_moonlight_once_per_step(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    moonlight = client(fake)
    await moonlight.check_ready()  # as the Play pipeline has, before it asks
    assert not await moonlight.is_paired(STANDIN_ADDRESS)
    await pair_now(moonlight, sunshine_standin)
    log = [e for e in fake.log() if "argv" in e]  # one entry per process started
    # The check the caller just made is not repeated: only that one `list` was started
    # before `pair`. Process IDs tell the order the app spawned them in (the pairing
    # loop's own `list` runs beside `pair`, so which one logs first says nothing),
    # counted from `--version`'s, the first, across a wrap of the ID counter.
    order = spawn_order(log[0]["pid"])
    [pair] = [order(e["pid"]) for e in log if e["argv"][0] == "pair"]
    lists = [order(e["pid"]) for e in log if e["argv"][0] == "list"]
    assert len([started for started in lists if started < pair]) == 1
    assert await moonlight.is_paired(STANDIN_ADDRESS)


async def test_too_old_moonlight_is_refused_before_pairing(
    install_moonlight: Install, sunshine_standin: SunshineStandIn
):
    old = install_moonlight(sunshine_standin.base_url, version="4.1.0")
    moonlight = client(old)
    with pytest.raises(MoonlightTooOld) as caught:
        await pair_now(moonlight, sunshine_standin)
    assert "4.1.0" in caught.value.message and INSTALL_URL in caught.value.message
    assert caught.value.exit_code is ExitCode.MOONLIGHT
    assert old.invocations() == [["--version"]]  # nothing else was tried


async def test_a_missing_configured_moonlight_says_how_to_fix_it(tmp_path: Path):
    moonlight = Moonlight(
        settings=LocalSettings(moonlight_path=str(tmp_path / "nowhere" / "moonlight")),
        env={"PATH": ""},
    )
    with pytest.raises(MoonlightNotInstalled) as caught:
        await moonlight.check_ready()
    assert INSTALL_URL in caught.value.message


async def test_a_program_that_is_not_moonlight_is_unusable(tmp_path: Path):
    impostor = tmp_path / "moonlight"
    impostor.write_text("#!/bin/sh\necho hello\n")
    impostor.chmod(0o755)
    moonlight = Moonlight(settings=LocalSettings(moonlight_path=str(impostor)), env={})
    with pytest.raises(MoonlightUnusable, match="did not answer `--version` like Moonlight"):
        await moonlight.check_ready()


async def test_is_paired_reads_list(fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn):
    moonlight = client(fake)
    assert await moonlight.is_paired(STANDIN_ADDRESS) is False
    sunshine_standin.reachable = False
    with pytest.raises(HostUnreachable, match="Tailscale"):
        await moonlight.is_paired(STANDIN_ADDRESS)


async def test_pair_succeeds_and_closes_the_pair_window_itself(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    moonlight = client(fake)
    await pair_now(moonlight, sunshine_standin)

    assert await moonlight.is_paired(STANDIN_ADDRESS)
    [run] = pair_runs(fake)
    assert run["argv"][:3] == ["pair", STANDIN_ADDRESS, "--pin"]
    pid = run["pid"]
    assert isinstance(pid, int) and not alive(pid)
    # Closed gracefully (the fake logs its exit only then) and after it saved.
    events = [e["event"] for e in fake.log() if e["pid"] == pid and "event" in e]
    assert events == ["saved", "exit"]


async def test_already_paired_runs_no_pair_process(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    moonlight = client(fake)
    await pair_now(moonlight, sunshine_standin)
    await pair_now(moonlight, sunshine_standin)
    assert len(pair_runs(fake)) == 1


async def test_wrong_pin_is_reported_and_the_pair_process_killed(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    pin = sunshine_standin.mint_pin()
    wrong = f"{(int(pin) + 5) % 10_000:04d}"
    with pytest.raises(WrongPin) as caught:
        await client(fake).pair(STANDIN_ADDRESS, wrong, SYSTEM_CLOCK.now() + timedelta(minutes=2))
    assert wrong not in caught.value.message
    [run] = pair_runs(fake)
    assert isinstance(run["pid"], int) and not alive(run["pid"])
    assert sunshine_standin.paired_clients == {}


async def test_pin_expiry_on_the_clock_stops_a_pair_that_waits_forever(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    clock = ScaledClock(60)  # the 120 s PIN lasts 2 s here
    pin = sunshine_standin.mint_pin(lifetime=0)  # the host no longer holds it
    with pytest.raises(PinExpired):
        await client(fake, clock=clock).pair(
            STANDIN_ADDRESS, pin, clock.now() + timedelta(seconds=120)
        )
    [run] = pair_runs(fake)
    assert isinstance(run["pid"], int) and not alive(run["pid"])


async def test_a_pair_cancelled_by_the_caller_leaves_no_process(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    pin = sunshine_standin.mint_pin(lifetime=0)
    task = asyncio.create_task(
        client(fake).pair(STANDIN_ADDRESS, pin, SYSTEM_CLOCK.now() + timedelta(minutes=2))
    )
    for _ in range(int(STEP / 0.05)):
        if pair_runs(fake):
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [run] = pair_runs(fake)
    assert isinstance(run["pid"], int) and not alive(run["pid"])


async def test_another_open_moonlight_is_warned_about(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    gui = await asyncio.create_subprocess_exec(str(fake.path), env=fake.env())
    try:
        for _ in range(int(STEP / 0.05)):
            if fake.events("gui"):
                break
            await asyncio.sleep(0.05)
        warnings: list[str] = []
        moonlight = client(fake, warnings=warnings)
        assert gui.pid in [p.pid for p in await moonlight.other_instances()]
        await pair_now(moonlight, sunshine_standin)
        assert len(warnings) == 1 and str(gui.pid) in warnings[0]
    finally:
        gui.terminate()
        await asyncio.wait_for(gui.wait(), STEP)
    # What the warning is about: the window saved its older host list on closing.
    assert await moonlight.is_paired(STANDIN_ADDRESS) is False


async def test_stream_runs_with_the_settings_and_its_end_is_watched(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    moonlight = client(fake, PAWPADO_FAKE_STREAM_SECONDS="0.3")
    await pair_now(moonlight, sunshine_standin)
    options = StreamOptions.from_settings(SERVER_SETTINGS, LocalSettings(display_mode="borderless"))

    stream = await moonlight.stream(STANDIN_ADDRESS, "Desktop", options)
    assert stream.pid not in [p.pid for p in await moonlight.other_instances()]
    end = await asyncio.wait_for(stream.wait(), STEP)

    assert (end.reason, end.returncode, end.ok) == (StreamEndReason.ENDED, 0, True)
    assert end.error() is None
    assert fake.invocations()[-1] == [
        "stream", STANDIN_ADDRESS, "Desktop",
        "--resolution", "1920x1080", "--fps", "60", "--bitrate", "20000",
        "--display-mode", "borderless",
    ]  # fmt: skip
    assert [s["ended"] for s in sunshine_standin.streams.values()] == [True]


async def test_terminate_stops_the_stream(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    moonlight = client(fake)
    await pair_now(moonlight, sunshine_standin)
    options = StreamOptions.from_settings(SERVER_SETTINGS, LocalSettings())
    stream = await moonlight.stream(STANDIN_ADDRESS, "Desktop", options)
    for _ in range(int(STEP / 0.05)):
        if fake.events("streaming"):
            break
        await asyncio.sleep(0.05)
    assert stream.running
    end = await stream.terminate()
    assert end.reason is StreamEndReason.STOPPED and end.ok
    assert not stream.running and not alive(stream.pid)
    assert [s["ended"] for s in sunshine_standin.streams.values()] == [True]


async def test_a_crash_exit_is_reported(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    moonlight = client(fake, PAWPADO_FAKE_STREAM_SECONDS="0.2", PAWPADO_FAKE_STREAM_CRASH="1")
    await pair_now(moonlight, sunshine_standin)
    options = StreamOptions.from_settings(SERVER_SETTINGS, LocalSettings())
    stream = await moonlight.stream(STANDIN_ADDRESS, "Desktop", options)
    end = await asyncio.wait_for(stream.wait(), STEP)
    assert (end.reason, end.returncode) == (StreamEndReason.CRASHED, -signal.SIGABRT)
    assert "SIGABRT" in end.message and INSTALL_URL in end.message
    assert isinstance(end.error(), StreamFailed)


async def test_a_stream_killed_from_outside_is_a_crash(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    moonlight = client(fake)
    await pair_now(moonlight, sunshine_standin)
    options = StreamOptions.from_settings(SERVER_SETTINGS, LocalSettings())
    stream = await moonlight.stream(STANDIN_ADDRESS, "Desktop", options)
    os.kill(stream.pid, signal.SIGKILL)
    end = await asyncio.wait_for(stream.wait(), STEP)
    assert (end.reason, end.returncode) == (StreamEndReason.CRASHED, -signal.SIGKILL)


async def test_stream_failure_dialogs_end_with_a_reason(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    moonlight = client(fake)
    options = StreamOptions.from_settings(SERVER_SETTINGS, LocalSettings())

    not_paired = await moonlight.stream(STANDIN_ADDRESS, "Desktop", options)
    end = await asyncio.wait_for(not_paired.wait(), STEP)
    assert (end.reason, end.returncode) == (StreamEndReason.FAILED, 0)
    assert "not paired" in end.message and isinstance(end.error(), StreamFailed)

    await pair_now(moonlight, sunshine_standin)
    no_app = await moonlight.stream(STANDIN_ADDRESS, "Minecraft", options)
    end = await asyncio.wait_for(no_app.wait(), STEP)
    assert end.reason is StreamEndReason.FAILED and '"Minecraft"' in end.message

    sunshine_standin.reachable = False
    unreachable = await moonlight.stream(STANDIN_ADDRESS, "Desktop", options)
    end = await asyncio.wait_for(unreachable.wait(), STEP)
    assert end.reason is StreamEndReason.FAILED
    assert isinstance(end.error(), HostUnreachable)
