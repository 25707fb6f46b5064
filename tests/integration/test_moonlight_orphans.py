"""Moonlight left running by a Pawpado process that died is closed at the next start;
nothing else is: not another program that has the PID now, not a Moonlight the
record does not describe, not the children of a Pawpado process that still runs.

The CLI runs as a real process (tests/cli/conftest.py), is killed with SIGKILL
while it streams, and its fake Moonlight (a real process in its own session)
lives on, as a real one would. Real time: the simulator's phases are short.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pawpado_desktop.cli.wiring import wiring_from_env
from pawpado_desktop.config import config_dir, write_json
from pawpado_desktop.core.factory import build_core
from pawpado_desktop.moonlight import Moonlight
from pawpado_desktop.moonlight.children import FILE_NAME, ChildKind, ChildRecord, ChildRegistry
from pawpado_desktop.owner import ProcessIdentity
from tests.support.cli import PAWPADO_ENV, Cli, Running, until
from tests.support.moonlight import FAST, STANDIN_ADDRESS, FakeMoonlightInstall, alive

pytestmark = pytest.mark.world(speed=None, auto_approve=True)


def moonlight_of(cli: Cli) -> FakeMoonlightInstall:
    launcher = Path(cli.env["PAWPADO_MOONLIGHT"])
    return FakeMoonlightInstall(launcher, launcher.parent.parent / "home")


def active_streams(cli: Cli) -> int:
    return int(cli.sim.control.session()["activeStreams"])


def streaming_play(cli: Cli) -> tuple[Running, int]:
    """A CLI `play` that streams, and the PID of its Moonlight."""
    cli.env["PAWPADO_FAKE_STREAM_SECONDS"] = "120"
    proc = Running(cli.start("play", "--grace", "0"))
    fake = moonlight_of(cli)
    until(lambda: proc.said("] Streaming") and bool(fake.events("streaming")), proc)
    [streaming] = fake.events("streaming")
    return proc, int(streaming["pid"])


async def test_a_stream_orphaned_by_kill_9_is_closed_at_the_next_start(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.sign_in()
    proc, moonlight_pid = streaming_play(cli)
    proc.process.kill()  # SIGKILL: no clean-up at all
    proc.process.wait(10)
    assert alive(moonlight_pid)  # Moonlight has its own session: it lives on, streaming
    assert active_streams(cli) == 1

    for name in PAWPADO_ENV:  # the app starts again, as the same user
        monkeypatch.setenv(name, cli.env[name])
    core = await build_core(wiring_from_env(os.environ))
    try:
        await core.start()
        assert not alive(moonlight_pid)
        assert active_streams(cli) == 0  # closed gently: it told the host the stream ended
        await core.stop_session()
    finally:
        await core.aclose()
    assert not (Path(cli.env["PAWPADO_CONFIG_DIR"]) / FILE_NAME).exists()


async def test_the_moonlight_of_a_live_pawpado_process_is_not_touched(cli: Cli) -> None:
    cli.sign_in()
    proc, moonlight_pid = streaming_play(cli)
    try:
        records = ChildRegistry(Path(cli.env["PAWPADO_CONFIG_DIR"]) / FILE_NAME)
        assert [r.child.pid for r in await records.records()] == [moonlight_pid]
        moonlight = Moonlight(timeouts=FAST, children=records)
        assert await moonlight.close_orphans() == []
        assert alive(moonlight_pid) and active_streams(cli) == 1
    finally:
        proc.process.send_signal(signal.SIGINT)  # Ctrl-C: the play cleans up itself
        proc.process.wait(60)
    assert not alive(moonlight_pid)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def dead_pawpado() -> ProcessIdentity:
    """The identity of a process that has ended (and been reaped)."""
    gone = subprocess.Popen(["true"])
    identity = ProcessIdentity.of(gone.pid)
    gone.wait(10)
    return ProcessIdentity(identity.pid, identity.started or 1)


async def test_only_what_is_still_the_moonlight_we_started_is_closed(
    install_moonlight, processes: list[subprocess.Popen[bytes]]
) -> None:
    fake = install_moonlight("http://127.0.0.1:9")

    def start(*argv: str) -> subprocess.Popen[bytes]:
        # Its own session, as Pawpado starts Moonlight; `pair` without a PIN stays open.
        process = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.PIPE)
        processes.append(process)
        return process

    orphan = start(str(fake.path), "pair", STANDIN_ADDRESS)
    other_program = start("sleep", "120")
    reused_pid = start(str(fake.path), "pair", STANDIN_ADDRESS)
    other_action = start(str(fake.path), "pair", STANDIN_ADDRESS)
    for process in (orphan, reused_pid, other_action):
        assert process.stdout is not None
        assert process.stdout.readline().startswith(b"Dialog: ")  # up, on its dialog

    parent = dead_pawpado()

    def record(process: subprocess.Popen[bytes], *args: str, shift: int = 0) -> dict[str, object]:
        child = ProcessIdentity.of(process.pid)
        assert child.started is not None
        child = ProcessIdentity(child.pid, child.started + shift)
        return ChildRecord(child, ChildKind.PAIR, args, parent).to_json()

    write_json(
        config_dir() / FILE_NAME,
        {
            "children": [
                record(orphan, "pair", STANDIN_ADDRESS),
                record(other_program, "stream", STANDIN_ADDRESS, "Desktop"),
                record(reused_pid, "pair", STANDIN_ADDRESS, shift=-7),  # started at another time
                record(other_action, "stream", STANDIN_ADDRESS, "Desktop"),
            ]
        },
    )

    closed = await Moonlight(settings=fake.settings(), timeouts=FAST).close_orphans()

    assert [r.child.pid for r in closed] == [orphan.pid]
    assert not alive(orphan.pid)
    assert orphan.wait(10) == 0  # asked to close (SIGTERM), not killed
    assert alive(other_program.pid) and alive(reused_pid.pid) and alive(other_action.pid)
    assert not (config_dir() / FILE_NAME).exists()  # the stale records went with it
