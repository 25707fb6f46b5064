"""Exit codes, output and `status --json` of the headless commands."""

from __future__ import annotations

import json
import os
import signal
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from pawpado_desktop.cli.wiring import wiring_from_env
from pawpado_desktop.core.factory import build_core
from pawpado_desktop.core.notices import NoticeKind
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.present.notices import notice_text, notice_title
from pawpado_desktop.tailscale.join_state import JoinStateStore
from tests.support.cli import PAWPADO_ENV, Cli
from tests.support.waiting import wait_until_blocking

STATUS_KEYS = {
    "signedIn",
    "reachable",
    "problem",
    "identity",
    "session",
    "ready",
    "balance",
    "currency",
    "ratePerMinute",
    "minutesLeft",
    "minimumStartBalance",
    "balanceWarning",
    "costSoFar",
    "attention",
    "connection",
    "service",
    "storage",
    "demo",
}


def test_status_json_when_signed_out(cli: Cli) -> None:
    done = cli.call("status", "--json")
    assert done.returncode == ExitCode.NOT_SIGNED_IN
    status = json.loads(done.stdout)
    assert set(status) == STATUS_KEYS and status["signedIn"] is False
    assert status["connection"] is None


def test_status_json_when_signed_in(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("status", "--json")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert set(status) == STATUS_KEYS
    assert status["identity"]["email"] == "gamer@example.com"
    assert status["session"]["state"] == "stopped" and status["ready"] is False
    assert Decimal(status["balance"]) == Decimal("100000.00") and status["currency"] == "IDR"
    assert status["minutesLeft"] == 200


@pytest.mark.world(speed=5)  # the command and the simulator share the clock
def test_play_with_no_grace_goes_from_stopped_to_stream_and_back(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("play", "--grace", "0")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for line in ("Starting your gaming PC", "Pairing Moonlight", "Streaming", "Done"):
        assert line in out
    assert "\b" not in out and "\r" not in out  # no live bar without a terminal
    assert "Traceback" not in done.stderr
    assert cli.sim.control.session()["state"] == "stopped"


def test_play_without_sign_in_exits_3(cli: Cli) -> None:
    done = cli.call("play")
    assert done.returncode == ExitCode.NOT_SIGNED_IN
    assert "pawpado-desktop login" in done.stderr and "Traceback" not in done.stderr


def test_insufficient_credits_exits_4(cli: Cli) -> None:
    cli.sign_in()
    cli.sim.control.set_balance("1000.00")
    done = cli.call("play")
    assert done.returncode == ExitCode.INSUFFICIENT_CREDITS
    assert "missing" in done.stderr and "topup" in done.stderr


def test_capacity_exits_5(cli: Cli) -> None:
    cli.sign_in()
    cli.sim.control.fail_starts_with_capacity(10, retry_after=1)
    done = cli.call("play")
    assert done.returncode == ExitCode.CAPACITY
    assert "trying again" in done.stdout  # it said so while retrying
    assert cli.sim.control.session()["state"] == "stopped"


def test_tailscale_problem_exits_6(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("play", PAWPADO_TAILSCALE_SOCKET="/nonexistent/tailscaled.sock")
    assert done.returncode == ExitCode.TAILSCALE, done.stderr
    assert "Tailscale" in done.stderr and "Traceback" not in done.stderr
    assert cli.sim.control.session()["state"] == "stopped"  # nothing was started


def test_moonlight_problem_exits_7(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("play", PAWPADO_MOONLIGHT="/nonexistent/moonlight")
    assert done.returncode == ExitCode.MOONLIGHT, done.stderr
    assert "Moonlight" in done.stderr and "Traceback" not in done.stderr


def test_network_problem_exits_8(cli: Cli) -> None:
    # A sign-in belongs to its API, so sign in for the unreachable one first.
    cli.sim.control.set_auto_approve(True)
    assert cli.call("login", "--no-browser", PAWPADO_BASE_URL="http://127.0.0.1:9").returncode == 0
    # Both retry before giving up: on a scaled clock, in a fraction of a second.
    done = cli.call_scaled("status", PAWPADO_BASE_URL="http://127.0.0.1:9")
    assert done.returncode == ExitCode.NETWORK
    assert "connect" in done.stdout.lower() and "Traceback" not in done.stderr
    done = cli.call_scaled("play", PAWPADO_BASE_URL="http://127.0.0.1:9")
    assert done.returncode == ExitCode.NETWORK


def test_a_bad_base_url_is_refused_clearly(cli: Cli) -> None:
    done = cli.call("status", PAWPADO_BASE_URL="http://pawpado.example.com")
    assert done.returncode == ExitCode.USAGE
    assert "unencrypted" in done.stderr and "Traceback" not in done.stderr


def test_stop_when_nothing_runs_and_when_something_does(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("stop")
    assert done.returncode == 0 and "Nothing to stop" in done.stdout
    token = cli.sim.control.sign_in_directly().access_token
    httpx.post(
        cli.sim.base_url + "/api/v1/sessions/start",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).raise_for_status()  # started elsewhere (the web portal, another computer)
    done = cli.call("stop")
    assert done.returncode == 0, done.stderr
    assert "Billing has ended" in done.stdout
    assert cli.sim.control.session()["state"] == "stopped"


def test_topup_waits_for_the_payment(cli: Cli) -> None:
    cli.sign_in()
    proc = cli.begin("topup", "20000", "--no-browser")
    line = proc.stdout.readline()
    assert line.startswith("Pay here: ")
    checkout_id = line.strip().rsplit("/", 1)[-1]
    cli.sim.control.pay_checkout(checkout_id)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Credited" in out and "Rp 120.000" in out


def test_ctrl_c_during_play_stops_the_instance(cli: Cli) -> None:
    cli.sign_in()
    cli.sim.control.set_phase_durations(provisioning=30)
    proc = cli.start("play")
    deadline = time.monotonic() + 60
    while cli.sim.control.session()["state"] != "provisioning":
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.CANCELLED, err
    assert "Traceback" not in err
    assert cli.sim.control.session()["state"] in ("stopping", "stopped")


async def test_recovery_after_the_app_is_killed_mid_start(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.sign_in()
    cli.sim.control.set_phase_durations(provisioning=2, starting=60)
    proc = cli.start("play")
    state_file = Path(cli.env["PAWPADO_CONFIG_DIR"]) / JoinStateStore().path.name
    def joined_while_starting() -> bool:
        assert proc.poll() is None
        return cli.sim.control.session()["state"] == "starting" and state_file.exists()

    wait_until_blocking(joined_while_starting, 60)
    proc.kill()  # no cleanup at all: the instance bills, our profile is current
    proc.wait(timeout=10)

    for name in PAWPADO_ENV:
        monkeypatch.setenv(name, cli.env[name])
    core = await build_core(wiring_from_env(os.environ))
    try:
        await core.start(poll=False)
        found = [n for n in core.notices.history if n.kind is NoticeKind.SESSION_FOUND]
        assert len(found) == 1 and "A session is starting" in notice_text(found[0])
        assert "so far" in notice_text(found[0])  # with its cost, for the user to decide
        assert not state_file.exists()  # the user's Tailscale profile was restored
        assert any(notice_title(n) == "Tailscale restored" for n in core.notices.history)
        await core.stop_session()
    finally:
        await core.aclose()
    assert cli.sim.control.session()["state"] in ("stopping", "stopped")
