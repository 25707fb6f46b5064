"""`pawpado-desktop logout` never leaves a gaming PC billing by accident: without a
terminal it refuses (exit 11) unless `--stop` or `--keep-running` says what to do."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.cli import Cli, session_state

ACTIVE = ("provisioning", "starting", "running")


def credentials(cli: Cli) -> Path:
    return cli.credentials_file


def test_logout_with_a_running_session_and_no_terminal_refuses(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    done = cli.run("logout")  # a real process with no terminal

    assert done.returncode == ExitCode.SESSION_RUNNING == 11, done.stderr
    assert "--stop" in done.stderr and "--keep-running" in done.stderr
    assert "running and billing" in done.stderr and "Traceback" not in done.stderr
    assert session_state(cli) in ACTIVE
    assert credentials(cli).exists()  # still signed in: `stop` still works
    assert cli.call("stop").returncode == ExitCode.OK
    assert session_state(cli) == "stopped"


def test_logout_stop_stops_the_session_then_signs_out(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    done = cli.call("logout", "--stop")

    assert done.returncode == ExitCode.OK, done.stderr
    assert "Your gaming PC was stopped; billing has ended." in done.stdout
    assert "Signed out." in done.stdout
    assert session_state(cli) == "stopped"
    assert not credentials(cli).exists()


def test_logout_keep_running_signs_out_and_says_it_bills(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    done = cli.call("logout", "--keep-running")

    assert done.returncode == ExitCode.OK, done.stderr
    assert "keeps running and billing" in done.stdout and "Signed out." in done.stdout
    assert session_state(cli) in ACTIVE
    assert not credentials(cli).exists()
    cli.sim.control.stop_session()


def test_logout_with_nothing_running_just_signs_out(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("logout")

    assert done.returncode == ExitCode.OK, done.stderr
    assert done.stdout.strip().endswith("Signed out.")
    assert not credentials(cli).exists()


@pytest.mark.world(speed=5)  # the command and the simulator share the clock
def test_logout_when_pawpado_cannot_be_reached_refuses_unless_told(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    down = FaultResponse(502, b"<html>Bad gateway</html>", "text/html")
    cli.sim.control.replace_responses("/api/v1/sessions/poll", down, count=1000)

    done = cli.call("logout")
    assert done.returncode == ExitCode.SESSION_RUNNING, done.stderr
    assert "could not be reached" in done.stderr and "--keep-running" in done.stderr
    done = cli.call("logout", "--stop")
    assert done.returncode == ExitCode.SESSION_RUNNING, done.stderr
    assert "still signed in" in done.stderr
    assert credentials(cli).exists()

    cli.sim.control.clear_faults()
    assert cli.call("logout", "--stop").returncode == ExitCode.OK
    assert session_state(cli) == "stopped"


def on_a_terminal(cli: Cli, *args: str, typed: str) -> subprocess.CompletedProcess[str]:
    """Run with a terminal as stdin, the user having typed `typed` (read when asked)."""
    main, side = pty.openpty()
    try:
        os.write(main, typed.encode())
        proc = subprocess.Popen(
            [sys.executable, "-m", "pawpado_desktop", *args],
            env=cli.env,
            stdin=side,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = proc.communicate(timeout=120)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    finally:
        os.close(side)
        os.close(main)


def test_logout_on_a_terminal_asks_and_stops_when_told(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    done = on_a_terminal(cli, "logout", typed="s\n")

    assert done.returncode == ExitCode.OK, done.stderr
    assert "Stop it before signing out?" in done.stdout
    assert session_state(cli) == "stopped"
    assert not credentials(cli).exists()


def test_logout_on_a_terminal_cancelled_changes_nothing(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    done = on_a_terminal(cli, "logout", typed="\n")

    assert done.returncode == ExitCode.CANCELLED, done.stderr
    assert "still signed in" in done.stdout
    assert session_state(cli) in ACTIVE and credentials(cli).exists()
    cli.sim.control.stop_session()


@pytest.mark.slow  # a real Play process on a terminal (a pty), on real time
def test_play_on_a_terminal_asks_before_stopping_an_attached_session(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    done = on_a_terminal(cli, "play", "--grace", "0", typed="y\n")

    assert done.returncode == ExitCode.OK, done.stderr
    assert "already running before you pressed Play" in done.stdout
    assert session_state(cli) == "stopped"
