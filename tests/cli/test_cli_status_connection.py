"""`status` and `status --json` tell the path to the cloud PC while a Play streams on
this computer, and `null` otherwise."""

from __future__ import annotations

import json
import signal
import threading

import pytest

from pawpado_desktop.errors import ExitCode
from tests.cli.test_cli_play_owner import wait_for
from tests.support.cli import Cli


@pytest.mark.slow  # a real Play process streams while status runs beside it
def test_status_tells_the_path_of_a_streaming_play(cli: Cli) -> None:
    cli.sign_in()
    idle = cli.call("status", "--json")
    assert idle.returncode == ExitCode.OK, idle.stderr
    assert json.loads(idle.stdout)["connection"] is None  # nothing streams

    cli.sim.control.set_relay_path(True, region="sin")
    cli.env["PAWPADO_FAKE_STREAM_SECONDS"] = "60"
    play = cli.start("play", "--grace", "0")
    assert play.stdout is not None
    out = play.stdout
    threading.Thread(target=lambda: list(out), daemon=True).start()
    try:
        wait_for(lambda: cli.sim.control.session()["activeStreams"] == 1, play, "the stream")

        report = cli.call("status", "--json")
        assert report.returncode == ExitCode.OK, report.stderr
        connection = json.loads(report.stdout)["connection"]
        assert connection == {
            "path": "relayed",
            "endpoint": None,
            "relayCode": "sin",
            "relayRegion": "Singapore",
            "rttMs": 95.0,
        }

        cli.sim.control.set_relay_path(False, latency_ms=18)
        text = cli.call("status")
        assert text.returncode == ExitCode.OK, text.stderr
        assert "Direct · 18 ms" in text.stdout.splitlines()
    finally:
        play.send_signal(signal.SIGINT)
        play.wait(60)

    after = cli.call("status", "--json")
    assert json.loads(after.stdout)["connection"] is None
    shown = cli.call("status").stdout
    assert "Direct" not in shown and "Relayed" not in shown
