"""The fake `moonlight` executable behaves like moonlight-qt: real processes, real HTTP."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pawpado_desktop.config import LocalSettings
from pawpado_desktop.moonlight import InstallKind, SearchRoots, locate_moonlight
from tests.support.moonlight import STANDIN_ADDRESS, FakeMoonlightInstall, SunshineStandIn
from tests.support.waiting import wait_until

Install = Callable[..., FakeMoonlightInstall]
STEP = 10.0  # generous upper bound for one step of a real process; never a measured time


@pytest.fixture
def fake(install_moonlight: Install, sunshine_standin: SunshineStandIn) -> FakeMoonlightInstall:
    return install_moonlight(sunshine_standin.base_url, seek_seconds=0.3, save_seconds=0.2)


async def start(fake: FakeMoonlightInstall, *args: str, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(fake.path),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=fake.env(**env),
    )


async def run(fake: FakeMoonlightInstall, *args: str, **env: str) -> tuple[int, str, str]:
    process = await start(fake, *args, **env)
    out, err = await asyncio.wait_for(process.communicate(), STEP)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def read_until(stream: asyncio.StreamReader | None, text: str) -> list[str]:
    assert stream is not None
    seen: list[str] = []
    while not any(text in line for line in seen):
        line = await asyncio.wait_for(stream.readline(), STEP)
        assert line, f"output ended before {text!r}; got {seen}"
        seen.append(line.decode())
    return seen


async def close(process: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> int:
    process.send_signal(sig)
    await asyncio.wait_for(process.communicate(), STEP)  # drains and closes the pipes too
    assert process.returncode is not None
    return process.returncode


async def pair_and_close(fake: FakeMoonlightInstall, standin: SunshineStandIn) -> None:
    process = await start(fake, "pair", STANDIN_ADDRESS, "--pin", standin.mint_pin())
    await read_until(process.stdout, "Pairing completed successfully")
    await wait_until(lambda: fake.events("saved"), STEP, what="the pairing to be saved")
    assert await close(process) == 0


def test_the_real_locator_finds_the_launcher_on_path(fake: FakeMoonlightInstall, tmp_path: Path):
    found = locate_moonlight(
        LocalSettings(),
        {"PATH": str(fake.path.parent)},
        "linux",
        SearchRoots(root=tmp_path / "empty", home=tmp_path / "empty"),
    )
    assert (found.kind, found.path) == (InstallKind.PATH, fake.path)


async def test_version_and_the_old_version_knob(fake: FakeMoonlightInstall):
    assert await run(fake, "--version") == (0, "Moonlight 6.1.0\n", "")
    code, out, _ = await run(fake, "--version", PAWPADO_FAKE_MOONLIGHT_VERSION="4.1.0")
    assert (code, out) == (0, "Moonlight 4.1.0\n")
    code, _, err = await run(fake, "--fake-version", "4.1.0", "pair", "h", "--pin", "0042")
    assert code == 1 and err.startswith("Invalid action")


async def test_list_reports_an_unreachable_host_with_exit_255(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    sunshine_standin.reachable = False
    code, out, err = await run(fake, "list", STANDIN_ADDRESS)
    assert (code, out) == (255, "")
    assert f"Failed to connect to {STANDIN_ADDRESS}" in err


async def test_list_before_pairing_says_not_paired_with_exit_255(fake: FakeMoonlightInstall):
    code, out, err = await run(fake, "list", STANDIN_ADDRESS)
    assert (code, out) == (255, "")
    assert "Computer pawpado-cloud-pc has not been paired" in err


async def test_pair_succeeds_then_stays_open_on_its_dialog_until_closed(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    pin = sunshine_standin.mint_pin()
    process = await start(fake, "pair", STANDIN_ADDRESS, "--pin", pin)
    await read_until(process.stdout, "Pairing completed successfully")
    await wait_until(lambda: fake.events("saved"), STEP, what="the pairing to be saved")
    assert process.returncode is None  # the modal success dialog waits for OK
    assert len(sunshine_standin.paired_clients) == 1
    assert await run(fake, "list", STANDIN_ADDRESS) == (
        0,
        "Desktop\nSteam Big Picture\n",
        "",
    )
    assert await close(process) == 0
    code, out, _ = await run(fake, "list", STANDIN_ADDRESS, "--csv")
    assert code == 0 and out.splitlines()[1].startswith('"Desktop",1,')


async def test_pair_closed_before_it_saved_loses_the_pairing(
    install_moonlight: Install, sunshine_standin: SunshineStandIn
):
    slow_saver = install_moonlight(sunshine_standin.base_url, seek_seconds=0.3, save_seconds=30)
    process = await start(slow_saver, "pair", STANDIN_ADDRESS, "--pin", sunshine_standin.mint_pin())
    await read_until(process.stdout, "Pairing completed successfully")
    assert await close(process) == 0
    assert slow_saver.events("saved") == []
    assert len(sunshine_standin.paired_clients) == 1  # the host did pair...
    code, _, err = await run(slow_saver, "list", STANDIN_ADDRESS)
    assert code == 255 and "has not been paired" in err  # ...but Moonlight forgot it


async def test_wrong_pin_shows_its_dialog_and_stays_open(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    pin = sunshine_standin.mint_pin()
    wrong = f"{(int(pin) + 1) % 10_000:04d}"
    process = await start(fake, "pair", STANDIN_ADDRESS, "--pin", wrong)
    await read_until(process.stdout, "The PIN from the PC didn't match")
    await read_until(process.stderr, "Qt Critical: Incorrect PIN")
    assert process.returncode is None
    assert await close(process, signal.SIGINT) == 0
    assert sunshine_standin.paired_clients == {}


async def test_an_expired_pin_leaves_pair_waiting_forever(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    pin = sunshine_standin.mint_pin(lifetime=0)
    process = await start(fake, "pair", STANDIN_ADDRESS, "--pin", pin)
    await read_until(process.stderr, "Waiting for the host")
    assert process.returncode is None
    assert await close(process) == 0
    assert sunshine_standin.paired_clients == {}


async def test_pair_when_already_paired_says_so(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    await pair_and_close(fake, sunshine_standin)
    process = await start(fake, "pair", STANDIN_ADDRESS, "--pin", "1234")
    await read_until(process.stdout, "pawpado-cloud-pc is already paired")
    assert await close(process) == 0


async def test_pair_with_an_unreachable_host_ends_on_a_failure_dialog(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    sunshine_standin.reachable = False
    process = await start(fake, "pair", STANDIN_ADDRESS, "--pin", sunshine_standin.mint_pin())
    await read_until(process.stdout, f"Failed to connect to {STANDIN_ADDRESS}")
    assert process.returncode is None
    assert await close(process) == 0


async def test_stream_failures_are_dialogs_with_exit_0(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    code, out, _ = await run(fake, "stream", STANDIN_ADDRESS, "Desktop")
    assert code == 0 and "has not been paired" in out
    await pair_and_close(fake, sunshine_standin)
    code, out, _ = await run(fake, "stream", STANDIN_ADDRESS, "Minecraft")
    assert code == 0 and "Failed to find application Minecraft" in out
    assert sunshine_standin.streams == {}


async def test_stream_runs_reports_itself_and_ends(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    await pair_and_close(fake, sunshine_standin)
    code, _, err = await run(
        fake, "stream", STANDIN_ADDRESS, "desktop", "--1080", PAWPADO_FAKE_STREAM_SECONDS="0.2"
    )
    assert code == 0
    assert "Streaming Desktop at 1920x1080@60" in err
    assert list(sunshine_standin.streams.values()) == [
        {"app": "Desktop", "clientId": fake.client_id(), "ended": True}
    ]


async def test_stream_closed_by_sigterm_reports_the_end(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    await pair_and_close(fake, sunshine_standin)
    process = await start(fake, "stream", STANDIN_ADDRESS, "Desktop")
    await read_until(process.stderr, "Streaming Desktop")
    assert [s["ended"] for s in sunshine_standin.streams.values()] == [False]
    assert await close(process) == 0
    assert [s["ended"] for s in sunshine_standin.streams.values()] == [True]


async def test_pairing_survives_a_new_address_for_the_same_host(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    await pair_and_close(fake, sunshine_standin)
    sunshine_standin.address = "100.64.9.9:47989"  # the next session's tailnet IP
    code, _, _ = await run(fake, "list", "100.64.9.9:47989")
    assert code == 0


async def test_a_gui_left_open_overwrites_a_newer_pairing(
    fake: FakeMoonlightInstall, sunshine_standin: SunshineStandIn
):
    gui = await start(fake)
    await wait_until(lambda: fake.events("gui"), STEP, what="the GUI to open")
    await pair_and_close(fake, sunshine_standin)
    assert (await run(fake, "list", STANDIN_ADDRESS))[0] == 0
    assert await close(gui) == 0  # it saves the host list it loaded at start
    assert (await run(fake, "list", STANDIN_ADDRESS))[0] == 255


async def test_every_invocation_is_logged(fake: FakeMoonlightInstall):
    await run(fake, "--version")
    await run(fake, "list", STANDIN_ADDRESS, "--verbose")
    assert fake.invocations() == [["--version"], ["list", STANDIN_ADDRESS, "--verbose"]]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc names are Linux's")
async def test_it_is_named_moonlight_like_the_real_binary(fake: FakeMoonlightInstall):
    gui = await start(fake)
    await wait_until(lambda: fake.events("gui"), STEP, what="the GUI to open")
    assert Path(f"/proc/{gui.pid}/comm").read_text().strip() == "moonlight"
    assert await close(gui) == 0
