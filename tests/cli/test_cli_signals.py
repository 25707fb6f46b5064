"""SIGINT, SIGTERM and SIGHUP end a CLI `play` the same way: the Play's clean-up runs
(the stop, the user's Tailscale back, Moonlight closed), exit 130, and the user is told
how it ended. Real processes, real signals, a real loopback proxy."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest

from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from tests.support.cli import Cli, Running, session_state, until
from tests.support.holding_proxy import holding_proxy
from tests.support.waiting import wait_until_blocking

START = "/api/v1/sessions/start"
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


def settles_stopped(cli: Cli, timeout: float = 30) -> None:
    wait_until_blocking(
        lambda: session_state(cli) == "stopped",
        timeout,
        detail=lambda: str(cli.sim.control.session()),
    )


def left_clean(cli: Cli, tailscaled: FakeTailscaled) -> None:
    assert tailscaled.snapshot()["current"]["Name"] == "alice@example.com"
    assert cli.moonlight is not None and cli.moonlight.running_pids() == []


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_signal_while_the_start_answer_is_awaited_stops_the_session(
    cli: Cli, fake_tailscaled_sim: FakeTailscaled, signum: int
) -> None:
    with holding_proxy(cli.sim.base_url, b"POST " + START.encode()) as proxy:
        cli.env["PAWPADO_BASE_URL"] = proxy.url
        cli.sign_in()  # for the servers the CLI is pointed at: the proxy
        proc = Running(cli.start("play", "--grace", "0"))
        until(proxy.held.is_set, proc)
        assert session_state(cli) == "provisioning"  # carried out: it bills from here on
        proc.process.send_signal(signum)
        err = proc.ended()

    assert proc.process.returncode == ExitCode.CANCELLED, err
    assert "Traceback" not in err
    assert "Your gaming PC was stopped; billing has ended." in err
    settles_stopped(cli)
    left_clean(cli, fake_tailscaled_sim)


def _streaming(cli: Cli, proc: Running) -> bool:
    return proc.said("] Streaming") and cli.sim.control.session()["activeStreams"] == 1


def _booting(cli: Cli, proc: Running) -> bool:
    return session_state(cli) == "provisioning" and proc.said("is booting")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize(
    ("phase", "there"), [("booting", _booting), ("streaming", _streaming)], ids=["boot", "stream"]
)
@pytest.mark.slow  # a real Play process, signalled, cleans up on real time
def test_sigterm_and_sighup_run_the_clean_up_like_ctrl_c(
    cli: Cli,
    fake_tailscaled_sim: FakeTailscaled,
    signum: int,
    phase: str,
    there: Callable[[Cli, Running], bool],
) -> None:
    cli.sign_in()
    if phase == "booting":
        cli.sim.control.set_phase_durations(provisioning=60)
    cli.env["PAWPADO_FAKE_STREAM_SECONDS"] = "60"
    proc = Running(cli.start("play", "--grace", "5"))
    until(lambda: there(cli, proc), proc)
    proc.process.send_signal(signum)
    err = proc.ended()

    assert proc.process.returncode == ExitCode.CANCELLED, err
    assert "Traceback" not in err
    assert "stopped" in err
    settles_stopped(cli)
    left_clean(cli, fake_tailscaled_sim)


@pytest.mark.slow  # a real Play process, signalled in its grace period
def test_a_signal_during_grace_stops_the_session(
    cli: Cli, fake_tailscaled_sim: FakeTailscaled
) -> None:
    cli.sign_in()
    proc = Running(cli.start("play", "--grace", "5"))
    until(lambda: proc.said("Stream ended"), proc)
    proc.process.send_signal(signal.SIGTERM)
    err = proc.ended()

    assert proc.process.returncode == ExitCode.CANCELLED, err
    assert "Your gaming PC was stopped; billing has ended." in err
    settles_stopped(cli)
    left_clean(cli, fake_tailscaled_sim)


def test_an_attached_session_keeps_running_without_a_terminal(
    cli: Cli, fake_tailscaled_sim: FakeTailscaled
) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    done = cli.call("play", "--grace", "0")

    assert done.returncode == ExitCode.OK, done.stderr
    assert "still running and billing" in done.stdout
    assert session_state(cli) in ("provisioning", "starting", "running")
    left_clean(cli, fake_tailscaled_sim)


@pytest.mark.slow  # a real Play process to its end on real time
def test_stop_after_stops_an_attached_session(
    cli: Cli, fake_tailscaled_sim: FakeTailscaled
) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    done = cli.call("play", "--grace", "0", "--stop-after")

    assert done.returncode == ExitCode.OK, done.stderr
    assert session_state(cli) == "stopped"
    left_clean(cli, fake_tailscaled_sim)


def test_sigterm_in_a_command_without_a_play_exits_130(cli: Cli) -> None:
    cli.sign_in()
    proc = cli.start("topup", "20000", "--no-browser")
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("Pay here: ")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)

    assert proc.returncode == ExitCode.CANCELLED, err
    assert err.startswith("Cancelled") and "Traceback" not in err
