"""`pawpado-desktop stop` when Pawpado is busy, failing or unreachable, and a stop left
pending by a killed process. The command runs on a scaled clock (`Cli.call_scaled`),
so its 10-minute budget and its backoff cost seconds, not minutes."""

from __future__ import annotations

import json
import time
from pathlib import Path

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.core.stopper import MARKER_FILE
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.cli import SCALED_SPEED, Cli
from tests.support.waiting import wait_until_blocking

STOP = "/api/v1/sessions/stop"
ACTIVE = ("provisioning", "starting", "running")


def json_fault(status: int, code: str, **headers: str) -> FaultResponse:
    body = json.dumps({"error": code, "message": "Try later"}).encode()
    return FaultResponse(status, body, "application/json", tuple(headers.items()))


def marker(cli: Cli) -> Path:
    return Path(cli.env["PAWPADO_CONFIG_DIR"]) / MARKER_FILE


def test_a_429_and_a_503_on_stop_are_retried_until_stopped(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    control = cli.sim.control
    control.replace_responses(STOP, json_fault(429, "RATE_LIMITED", **{"Retry-After": "5"}))
    control.replace_responses(STOP, FaultResponse(503, b"<html>Service Unavailable</html>"))

    done = cli.call_scaled("stop")

    assert done.returncode == ExitCode.OK, done.stderr
    assert "Pawpado is busy; trying again in 5 s" in done.stderr
    assert "Billing has ended" in done.stdout and "Traceback" not in done.stderr
    assert sum(1 for r in control.request_log() if r.path == STOP and r.faulted) == 2
    assert control.session()["state"] == "stopped"
    assert not marker(cli).exists()


def test_a_502_api_during_stop_exits_8_and_says_the_pc_may_bill(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    cli.sim.control.replace_responses("/api/v1/*", FaultResponse(502), count=100_000)

    # Its whole 10-minute budget runs out: at 600x, in a second.
    done = cli.call("stop", clock=ScaledClock(600))

    assert done.returncode == ExitCode.NETWORK, done.stdout
    assert "Nothing to stop" not in done.stdout
    assert "could not be reached" in done.stdout
    err = done.stderr
    assert "could not be reached to confirm the stop" in err and "HTTP 502" in err
    assert "may still be running and billing" in err and "pawpado-desktop stop" in err
    assert "Traceback" not in err
    cli.sim.control.clear_faults()
    assert cli.sim.control.session()["state"] in ACTIVE  # it told the truth
    assert marker(cli).exists()  # and the next command sends the stop again

    done = cli.call("status")
    assert done.returncode == ExitCode.OK, done.stderr
    assert cli.sim.control.session()["state"] in ("stopping", "stopped")
    assert not marker(cli).exists()


def test_network_loss_during_stop_then_recovery_ends_stopped(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    cut = FaultResponse(200, b'{"state": "runn', content_type="application/json", disconnect=True)
    cli.sim.control.replace_responses(STOP, cut, count=100_000)
    proc = cli.begin("stop", clock=ScaledClock(SCALED_SPEED))
    deadline = time.monotonic() + 60
    while sum(1 for r in cli.sim.control.request_log() if r.path == STOP) < 3:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    cli.sim.control.clear_faults()  # the network is back

    out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.OK, err
    assert "Pawpado cannot be reached; trying again" in err
    assert "Billing has ended" in out
    assert cli.sim.control.session()["state"] == "stopped"


def test_a_stop_left_by_a_killed_process_is_carried_out_by_the_next_command(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    cli.sim.control.replace_responses(STOP, FaultResponse(503), count=100_000)
    proc = cli.start("stop")
    def marked() -> bool:
        assert proc.poll() is None
        return marker(cli).exists()

    wait_until_blocking(marked, 60)
    proc.kill()  # no clean-up at all: the PC bills and nobody retries
    proc.communicate(timeout=10)
    cli.sim.control.clear_faults()
    assert cli.sim.control.session()["state"] in ACTIVE  # nobody retries: it bills

    done = cli.call("status", "--json")

    assert done.returncode == ExitCode.OK, done.stderr
    json.loads(done.stdout)  # the stop's progress lines stay off the JSON
    assert "did not confirm the last stop" in done.stderr  # the user is told
    assert "Pawpado confirmed the stop" in done.stderr
    assert cli.sim.control.session()["state"] in ("stopping", "stopped")
    assert not marker(cli).exists()
