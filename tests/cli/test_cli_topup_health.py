"""The storage and service-health lines of `status`, and top-ups that end without a
credit (cancelled on the checkout page, expired), and `play --topup`."""

from __future__ import annotations

import json
import socket
from decimal import Decimal

import httpx
import pytest

from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.cli import Cli, checkout_link

# A short checkout lifetime where a test waits for the expiry (marked there).
pytestmark = pytest.mark.world(
    provisioning_seconds=1,
    starting_seconds=1,
    ready_delay_seconds=0.5,
    stopping_seconds=1,
    checkout_lifetime=1800.0,
)


def _closed_port_url() -> str:
    """A loopback address where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _press(url: str, button: str) -> httpx.Response:
    """Pay or Cancel on the checkout page, following it back to the app, as a browser does."""
    return httpx.post(url, data={"action": button}, follow_redirects=True, timeout=10)


# -- storage and health in status ------------------------------------------------------


def test_status_shows_the_storage_tier_and_billing_period(cli: Cli) -> None:
    cli.sign_in()

    done = cli.call("status")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Storage standard-100 · 37.5 of 100 GB used" in lines  # as the tray's Account menu
    assert any(line.startswith("Rp 75.000 a month · period ") for line in lines), lines

    status = json.loads(cli.call("status", "--json").stdout)
    assert status["service"] == "ok"
    storage = status["storage"]
    assert storage["tier"] == "standard-100" and storage["pricePerMonth"] == "75000.00"
    assert storage["usedGb"] == 37.5 and storage["sizeGb"] == 100
    assert storage["periodStart"] < storage["periodEnd"]


def test_status_with_pawpado_down_says_so(cli: Cli) -> None:
    cli.sign_in()
    cli.sim.control.replace_responses("/api/v1/*", FaultResponse(503, b"down"), count=1000)

    done = cli.call_scaled("status")  # its retries, scaled
    assert done.returncode == ExitCode.NETWORK
    assert "Pawpado is down · your gaming PC's state is unknown" in done.stdout.splitlines()
    status = json.loads(cli.call_scaled("status", "--json").stdout)
    assert status["reachable"] is False and status["service"] == "down"


def test_status_with_pawpado_unreachable_but_the_network_working(cli: Cli) -> None:
    cli.env["PAWPADO_BASE_URL"] = _closed_port_url()  # refused; Huudis still answers
    cli.sign_in()

    done = cli.call_scaled("status")
    assert done.returncode == ExitCode.NETWORK
    assert "Pawpado is unreachable or down (your internet works)" in done.stdout
    status = json.loads(cli.call_scaled("status", "--json").stdout)
    assert status["reachable"] is False and status["service"] == "unreachable"


def test_status_when_this_computer_is_offline(cli: Cli) -> None:
    cli.env["PAWPADO_BASE_URL"] = _closed_port_url()
    cli.env["PAWPADO_AUTH_URL"] = _closed_port_url()  # nothing answers at all
    cli.sign_in()

    done = cli.call_scaled("status")
    assert done.returncode == ExitCode.NETWORK
    assert "You are offline · your gaming PC's state is unknown" in done.stdout.splitlines()
    status = json.loads(cli.call_scaled("status", "--json").stdout)
    assert status["service"] == "offline"


# -- top-ups that end without a credit --------------------------------------------------


def test_topup_notices_a_cancelled_checkout(cli: Cli) -> None:
    cli.sign_in()
    process = cli.begin("topup", "30000", "--no-browser")
    page = _press(checkout_link(process), "cancel")
    assert 'data-result="cancelled"' in page.text  # the app's own return page
    out, err = process.communicate(timeout=60)
    assert process.returncode == ExitCode.ERROR, err
    assert "The checkout was cancelled; nothing was charged." in out
    assert cli.sim.control.balance() == Decimal("100000.00")


@pytest.mark.world(checkout_lifetime=6.0)
def test_topup_notices_an_expired_checkout(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("topup", "30000", "--no-browser", timeout=60)
    assert done.returncode == ExitCode.ERROR, done.stderr
    assert "The checkout expired before a payment was credited" in done.stdout


@pytest.mark.world(speed=5)  # the command and the simulator share the clock
def test_topup_paid_is_credited(cli: Cli) -> None:
    cli.sign_in()
    process = cli.begin("topup", "30000", "--no-browser")
    _press(checkout_link(process), "pay")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Credited. Your balance is Rp 130.000." in out


# -- play --topup ------------------------------------------------------------------------


def test_play_refused_for_credit_says_how_to_top_up_and_play(cli: Cli) -> None:
    cli.sign_in()
    cli.sim.control.set_balance("2000.00")

    done = cli.call("play")
    assert done.returncode == ExitCode.INSUFFICIENT_CREDITS
    assert "pawpado-desktop play --topup 30000" in done.stderr


@pytest.mark.world(speed=5)  # the command and the simulator share the clock: polls 5x fast
def test_play_topup_pays_then_plays(cli: Cli) -> None:
    cli.sign_in()
    cli.sim.control.set_balance("2000.00")
    # BROWSER: a browser that opens nothing
    process = cli.begin("play", "--topup", "30000", "--grace", "0", BROWSER="true")
    _press(checkout_link(process), "pay")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "Top-up credited" in out and "Streaming" in out
    assert cli.sim.control.session()["state"] in ("stopping", "stopped")
