"""One Play at a time per user: a second `play` beside a streaming one is refused,
and names the owner; the first Play streams on, untouched."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from subprocess import Popen

import pytest

from pawpado_desktop.core.ownership import play_lock
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from tests.support.cli import Cli
from tests.support.waiting import wait_until_blocking


def wait_for(check: Callable[[], bool], process: Popen[str], what: str) -> None:
    def done() -> bool:
        assert process.poll() is None, f"the first play ended before {what}"
        return check()

    wait_until_blocking(done, 60, what=what)


@pytest.mark.slow  # two real Play processes on real time, one streaming
def test_a_second_play_beside_a_streaming_one_is_refused(
    cli: Cli, fake_tailscaled_sim: FakeTailscaled
) -> None:
    cli.sign_in()
    cli.env["PAWPADO_FAKE_STREAM_SECONDS"] = "60"
    first = cli.start("play", "--grace", "0")
    lines: list[str] = []
    assert first.stdout is not None
    out = first.stdout
    threading.Thread(target=lambda: lines.extend(out), daemon=True).start()
    try:
        wait_for(lambda: cli.sim.control.session()["activeStreams"] == 1, first, "the stream")
        game_profile = fake_tailscaled_sim.snapshot()["current"]["Name"]
        assert game_profile != "alice@example.com"

        second = cli.run("play", "--grace", "0", timeout=60)

        assert second.returncode == ExitCode.BUSY, second.stderr
        assert "A Play is already under way in another Pawpado command" in second.stderr
        assert f"(process {first.pid})" in second.stderr
        # The first Play goes on as it was: same session, still joined, still streaming.
        assert first.poll() is None
        session = cli.sim.control.session()
        assert session["state"] == "running" and session["activeStreams"] == 1
        assert fake_tailscaled_sim.snapshot()["current"]["Name"] == game_profile
        starts = [
            r for r in cli.sim.control.request_log() if r.path.endswith("/sessions/start")
        ]
        assert len(starts) == 1
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(60)
    # The owner cleaned up after itself: stopped, and the user's own profile is back.
    assert cli.sim.control.session()["state"] in ("stopping", "stopped")
    assert fake_tailscaled_sim.snapshot()["current"]["Name"] == "alice@example.com"
    # The lock went with its owner's Play: nobody owns the Play now, so a new one may
    # start (a lock of a killed process: tests/unit/test_owner.py).
    assert play_lock(Path(cli.env["PAWPADO_CONFIG_DIR"])).is_free()
