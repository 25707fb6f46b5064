"""The simulated Plugipay checkout page, driven with plain form posts like a browser."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.server import SimulatorServer

pytestmark = pytest.mark.world(speed=1.0, topup_settle_seconds=3.0)


def _checkout(sim_api: httpx.Client, amount: str = "25000.00") -> str:
    url: str = sim_api.post("/api/v1/credits/topup", json={"amount": amount}).json()["checkoutUrl"]
    return url


def _balance(sim_api: httpx.Client) -> Decimal:
    return Decimal(sim_api.get("/api/v1/credits/me").json()["balance"])


def test_pay_raises_the_balance_only_after_settling(
    sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    url = _checkout(sim_api)
    page = httpx.get(url)
    assert page.status_code == 200
    assert 'id="pay"' in page.text and 'id="cancel"' in page.text
    assert "25000.00 IDR" in page.text
    paid = httpx.post(url, data={"action": "pay"})
    assert 'data-result="paid"' in paid.text
    assert _balance(sim_api) == Decimal("100000.00")
    sim_clock.advance(3.1)
    assert _balance(sim_api) == Decimal("125000.00")
    assert 'data-result="settled"' in httpx.get(url).text
    # Paying twice does not pay twice.
    httpx.post(url, data={"action": "pay"})
    sim_clock.advance(10)
    assert _balance(sim_api) == Decimal("125000.00")


def test_cancel_ends_the_checkout(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    url = _checkout(sim_api)
    cancelled = httpx.post(url, data={"action": "cancel"})
    assert 'data-result="cancelled"' in cancelled.text
    assert 'id="pay"' not in cancelled.text
    httpx.post(url, data={"action": "pay"})
    sim_clock.advance(60)
    assert _balance(sim_api) == Decimal("100000.00")
    assert sim.control.checkouts()[0]["status"] == "cancelled"


def test_an_unpaid_checkout_expires(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    url = _checkout(sim_api)
    sim_clock.advance(1801)
    assert 'data-result="expired"' in httpx.get(url).text
    httpx.post(url, data={"action": "pay"})
    sim_clock.advance(10)
    assert _balance(sim_api) == Decimal("100000.00")


def test_unknown_checkout(sim: SimulatorServer) -> None:
    answer = httpx.get(sim.base_url + "/_sim/checkout/cs_nope")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


def test_control_can_pay_without_a_browser(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    checkout_id = _checkout(sim_api, "10000").rsplit("/", 1)[1]
    assert sim.control.pay_checkout(checkout_id) == "paid"
    sim_clock.advance(3.1)
    assert _balance(sim_api) == Decimal("110000.00")


def test_auto_settle_without_a_click(sim_clock: ScaledClock) -> None:
    config = SimConfig.fast(topup_auto_settle_seconds=20.0)
    with SimulatorServer(config, clock=sim_clock) as server:
        token = server.control.sign_in_directly().access_token
        with httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}
        ) as api:
            _checkout(api, "40000")
            sim_clock.advance(19)
            assert _balance(api) == Decimal("100000.00")
            sim_clock.advance(2)
            assert _balance(api) == Decimal("140000.00")
