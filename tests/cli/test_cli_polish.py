"""The CLI as complete as the tray: help, early checks, errors said once, top-up bounds,
the sign-in QR code, the balance warnings, and notes said once (issue 17, part 5)."""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pawpado_desktop.cli.main import build_parser, main
from pawpado_desktop.cli.session_commands import _unchecked_app_note
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.cli import Cli

START = "/api/v1/sessions/start"


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _helps(parser: argparse.ArgumentParser) -> list[tuple[argparse.Action, str]]:
    formatter = parser._get_formatter()
    return [
        (action, formatter._expand_help(action) if action.help else "")
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction | argparse._VersionAction)
    ]


def test_every_command_has_a_description_and_every_option_help_and_default() -> None:
    commands = _commands()
    for name in ("login", "logout", "whoami", "status", "play", "stop", "topup", "sim", "demo"):
        assert name in commands
    for name, command in commands.items():
        assert command.description, f"{name} has no description"
        for action, text in _helps(command):
            assert text, f"{name} {action.dest} has no help"
            assert "keys in README" not in text
            takes_value = action.nargs != 0 and not action.required
            if takes_value:
                assert "default" in text, f"{name} {action.dest}: no default in {text!r}"


def test_help_shows_descriptions_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["play", "--help"])
    assert done.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Start your gaming PC" in out
    assert "(default: the app in Settings, Desktop unless changed)" in out
    assert "(default: the grace period in Settings, 5 unless changed)" in out
    with pytest.raises(SystemExit):
        main(["sim", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: 127.0.0.1)" in out and "(default: 8765)" in out
    assert "(default: 1, real time)" in out
    with pytest.raises(SystemExit):
        main(["status", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "minimumStartBalance" in out and "keys in README" not in out


@pytest.mark.parametrize("amount", ["5", "9999", "10000001", "1e9", "-3", "many"])
def test_topup_outside_the_documented_range_is_refused_with_the_range(
    amount: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["topup", amount])
    assert done.value.code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "Rp 10.000 to Rp 10.000.000" in err or "is not an amount" in err


def test_a_malformed_app_is_refused_before_anything_starts(cli: Cli) -> None:
    cli.sign_in()
    for bad in ("", "   ", "--stop", "Desk\x1b[2Jtop"):
        done = cli.call("play", "--app", bad)
        assert done.returncode == ExitCode.USAGE, done.stderr
        assert "--app" in done.stderr and "Traceback" not in done.stderr
    assert not any(r.path == START for r in cli.sim.control.request_log())
    assert cli.sim.control.session()["state"] == "stopped"


def test_the_app_note_is_said_only_for_a_name_that_cannot_be_checked_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAWPADO_CONFIG_DIR", str(tmp_path))
    assert _unchecked_app_note(None) is None
    assert _unchecked_app_note("desktop") is None  # Moonlight matches without case
    assert _unchecked_app_note("Steam Big Picture") is None
    note = _unchecked_app_note("Cyberpunk")
    assert note is not None and "once it runs" in note


@pytest.mark.world(speed=5)  # the command and the simulator share the clock
def test_an_unknown_app_fails_once_on_stderr_not_twice(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("play", "--app", "Nope", "--grace", "0")
    assert done.returncode == ExitCode.MOONLIGHT, done.stderr
    assert done.stdout.startswith("Note: ") and "once it runs" in done.stdout
    said = done.stdout + done.stderr
    assert said.count('no app named "Nope"') == 1
    assert 'no app named "Nope"' in done.stderr
    assert cli.sim.control.session()["state"] in ("stopping", "stopped")


def test_a_500_with_an_error_body_on_start_reports_the_servers_error(cli: Cli) -> None:
    cli.sign_in()
    body = b'{"error": "INTERNAL", "message": "The provisioning queue is down"}'
    cli.sim.control.replace_responses(
        START, FaultResponse(500, body, content_type="application/json"), method="POST"
    )
    done = cli.call("play", "--grace", "0")
    assert done.returncode == ExitCode.NETWORK, done.stderr
    said = done.stdout + done.stderr
    assert "The provisioning queue is down" in done.stderr
    assert said.count("The provisioning queue is down") == 1
    assert "did not confirm" not in said and "If the tray shows it" not in said
    assert cli.sim.control.session()["state"] == "stopped"


def test_topup_says_when_no_browser_opened_and_ctrl_c_exits_130(cli: Cli) -> None:
    cli.sign_in()
    proc = cli.start("topup", "20000", BROWSER="false")  # a browser that always fails
    assert proc.stdout is not None
    lines = []
    while not (lines and lines[-1].startswith("Waiting for the payment")):
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        lines.append(line)
    assert lines[0].startswith("Pay here: http://127.0.0.1:")  # the address to open by hand
    assert any("Could not open a browser; open the address above yourself." in ln for ln in lines)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.CANCELLED, err
    assert "Stopped waiting for the payment" in err and "Traceback" not in err


def test_the_qr_code_only_on_a_terminal(cli: Cli) -> None:
    cli.sim.control.set_auto_approve(True)
    piped = cli.call("login", "--no-browser")
    assert piped.returncode == 0, piped.stderr
    assert "scan" not in piped.stdout and "\x1b" not in piped.stdout
    assert cli.call("logout").returncode == 0

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pawpado_desktop", "login", "--no-browser"],
        env=cli.env,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    os.close(leader)
    assert proc.wait(timeout=30) == 0
    text = seen.decode(errors="replace")
    assert "Or scan this with your phone:" in text
    assert "\x1b[" in text  # segno's terminal output: dark modules on a light field
    assert "Signed in as" in text


def test_status_shows_the_minimum_to_start_and_warns_when_low(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("status")
    assert "Balance Rp 100.000 · about 3 h 20 min of play" in done.stdout.splitlines()
    assert "Warning" not in done.stdout + done.stderr
    assert json.loads(cli.call("status", "--json").stdout)["balanceWarning"] is None

    cli.sim.control.set_balance("10000.00")  # 20 minutes: under the 30-minute alert
    done = cli.call("status")
    assert "Warning: Your balance is low: about 20 min of play left." in done.stderr

    cli.sim.control.set_balance("5000.00")  # under the minimum to start
    done = cli.call("status")
    assert "Balance Rp 5.000 · about 10 min of play · Rp 7.500 needed to start" in done.stdout
    assert "Warning: Your balance is too low to start: a start needs Rp 7.500" in done.stderr
    assert "Rp 2.500 missing" in done.stderr and "pawpado-desktop topup" in done.stderr
    status = json.loads(cli.call("status", "--json").stdout)
    assert status["minimumStartBalance"] == "7500.00"
    assert "too low to start" in status["balanceWarning"]


def test_whoami_speaks_of_the_sign_in_not_the_gaming_session(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("whoami")
    assert done.returncode == 0, done.stderr
    assert "Sign-in valid until:" in done.stdout and "Session valid" not in done.stdout


def test_the_file_store_note_is_said_once_not_on_every_command(cli: Cli) -> None:
    cli.login()  # said here, the first time
    for command in ("status", "whoami", "status"):
        done = cli.call(command)
        assert done.returncode == 0, done.stderr
        assert "plain file" not in done.stderr
    assert (Path(cli.env["PAWPADO_CONFIG_DIR"]) / "notes-shown.json").exists()


@pytest.mark.world(speed=5)  # the command and the simulator share the clock
def test_the_grace_countdown_reads_right(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("play", "--grace", "0.02")  # 1.2 s: one second
    assert done.returncode == 0, done.stderr
    assert "Stopping in 1 second unless you keep it running" in done.stdout
    assert "stops in 1 second unless" in done.stdout
    assert " min unless" not in done.stdout and "0.02" not in done.stdout


def test_demo_status_signed_out_points_at_what_works_in_the_demo(cli: Cli) -> None:
    done = cli.call("--demo", "status")
    assert done.returncode == int(ExitCode.NOT_SIGNED_IN)
    assert done.stdout.splitlines() == ["Demo mode · nothing is real or billed", "Not signed in"]
    assert "pawpado-desktop demo" in done.stderr
    assert "pawpado-desktop login" not in done.stderr  # login refuses --demo
