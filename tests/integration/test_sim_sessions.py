"""The session state machine and billing on production timings, with time jumped forward.

The simulator runs on a ScaledClock; `advance()` moves it as a long wait would.
The tests then look through the real HTTP API, as a client would.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.sim.server import SimulatorServer

pytestmark = pytest.mark.world(production=True, access_token_lifetime=30 * 24 * 3600, speed=1.0)

RATE = Decimal("500.00")


def poll(api: httpx.Client) -> dict[str, Any]:
    answer = api.get("/api/v1/sessions/poll")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def balance(api: httpx.Client) -> Decimal:
    return Decimal(api.get("/api/v1/credits/me").json()["balance"])


def test_phases_follow_the_configured_durations(
    sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    assert sim_api.post("/api/v1/sessions/start").json()["state"] == "provisioning"
    sim_clock.advance(39)
    assert poll(sim_api)["state"] == "provisioning"
    sim_clock.advance(2)
    starting = poll(sim_api)
    assert starting["state"] == "starting"
    assert starting["publicIp"].startswith("13.")
    sim_clock.advance(60)
    running = poll(sim_api)
    assert (running["state"], running["ready"]) == ("running", False)
    sim_clock.advance(15)
    assert poll(sim_api)["ready"] is True
    sim_api.post("/api/v1/sessions/stop")
    sim_clock.advance(29)
    assert poll(sim_api)["state"] == "stopping"
    sim_clock.advance(2)
    assert poll(sim_api)["state"] == "stopped"


def test_one_long_jump_lands_where_small_steps_do(
    sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    sim_api.patch("/api/v1/settings", json={"autoStopIdleMinutes": 0})
    sim_api.post("/api/v1/sessions/start")
    sim_clock.advance(3 * 3600)  # a laptop asleep for three hours
    state = poll(sim_api)
    assert (state["state"], state["ready"]) == ("running", True)
    # Minutes 0..180 have started: 181 of them.
    assert balance(sim_api) == Decimal("100000.00") - 181 * RATE


def test_every_started_minute_is_billed_until_stopped(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    sim_api.post("/api/v1/sessions/start")
    assert balance(sim_api) == Decimal("99500.00")  # the first minute at once
    sim_clock.advance(59)
    assert balance(sim_api) == Decimal("99500.00")
    sim_clock.advance(2)
    assert balance(sim_api) == Decimal("99000.00")
    sim_clock.advance(44)  # t = 105 s
    sim_api.post("/api/v1/sessions/stop")  # stopping until t = 135: minute 120 starts
    sim_clock.advance(40)
    assert poll(sim_api)["state"] == "stopped"
    assert balance(sim_api) == Decimal("98500.00")
    sim_clock.advance(3600)
    assert balance(sim_api) == Decimal("98500.00")
    assert sim.control.session()["billing"] is False


def test_stopping_that_ends_before_the_next_minute_costs_nothing_more(
    sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    sim_api.post("/api/v1/sessions/start")
    sim_clock.advance(20)
    sim_api.post("/api/v1/sessions/stop")
    sim_clock.advance(600)
    assert balance(sim_api) == Decimal("99500.00")


def test_balance_running_out_stops_the_session(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    sim.control.set_balance("7700.00")  # 15 minutes and a bit
    sim_api.post("/api/v1/sessions/start")
    sim_clock.advance(14 * 60 + 1)  # 15 minutes charged: 200.00 left
    assert poll(sim_api)["state"] == "running"
    assert balance(sim_api) == Decimal("200.00")
    sim_clock.advance(60)  # the 16th minute takes the rest
    state = poll(sim_api)
    assert state["state"] == "stopping"
    assert "balance ran out" in state["message"]
    assert balance(sim_api) == Decimal("0.00")
    sim_clock.advance(3600)
    stopped = poll(sim_api)
    assert stopped["state"] == "stopped"
    assert "balance ran out" in stopped["message"]  # the reason stays visible
    assert balance(sim_api) == Decimal("0.00")  # never negative, no more charges
    assert sim_api.post("/api/v1/sessions/start").json()["error"] == "INSUFFICIENT_CREDITS"


def test_balance_set_to_zero_mid_session_stops_on_the_next_poll(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    sim_api.post("/api/v1/sessions/start")
    sim_clock.advance(200)
    sim.control.set_balance("0")
    state = poll(sim_api)
    assert state["state"] == "stopping"
    assert state["message"]
    sim_clock.advance(120)
    assert balance(sim_api) == Decimal("0.00")


def test_a_settled_top_up_keeps_the_session_alive(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    sim.control.set_balance("7500.00")
    sim_api.post("/api/v1/sessions/start")
    sim_clock.advance(10 * 60 + 1)
    checkout = sim_api.post("/api/v1/credits/topup", json={"amount": "10000"}).json()
    assert sim.control.pay_checkout(checkout["checkoutId"]) == "paid"
    sim_clock.advance(3 * 60)
    assert poll(sim_api)["state"] == "running"
    assert balance(sim_api) == Decimal("7500.00") + Decimal("10000") - 14 * RATE


def test_idle_session_is_stopped_after_auto_stop_minutes(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    sim_api.patch("/api/v1/settings", json={"autoStopIdleMinutes": 10})
    sim_api.post("/api/v1/sessions/start")
    sim_clock.advance(115)  # ready now
    assert poll(sim_api)["ready"] is True
    sim_clock.advance(9 * 60)
    assert poll(sim_api)["state"] == "running"
    sim_clock.advance(61)
    state = poll(sim_api)
    assert state["state"] == "stopping"
    assert "10 minutes" in state["message"]


def test_a_connected_stream_keeps_the_session_from_idling(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    sim_api.patch("/api/v1/settings", json={"autoStopIdleMinutes": 5})
    sim_api.post("/api/v1/sessions/start")
    key = sim_api.post("/api/v1/sessions/tailscale-key").json()["authKey"]
    sim.control.tailscale_redeem(key, "node-laptop", "laptop")
    sim_clock.advance(115)
    connect = sim_api.get("/api/v1/sessions/connect").json()
    address = f"{connect['tailnetIp']}:{connect['port']}"
    pin = sim_api.post("/api/v1/sessions/pair").json()["pin"]
    sim.control.moonlight_pair(address, "client-1", pin)
    stream = sim.control.moonlight_stream(address, "client-1")
    sim_clock.advance(3 * 3600)
    assert poll(sim_api)["state"] == "running"
    sim.control.moonlight_stream_end(stream)
    sim_clock.advance(4 * 60)
    assert poll(sim_api)["state"] == "running"
    sim_clock.advance(61)
    assert poll(sim_api)["state"] == "stopping"


def test_auto_stop_zero_never_stops(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    sim.control.set_balance("1000000")
    sim_api.patch("/api/v1/settings", json={"autoStopIdleMinutes": 0})
    sim_api.post("/api/v1/sessions/start")
    sim_clock.advance(6 * 3600)
    assert poll(sim_api)["state"] == "running"


@pytest.mark.parametrize(
    ("phase", "fails_at", "minutes"), [("provisioning", 40, 1), ("starting", 100, 2)]
)
def test_a_failed_start_ends_in_error_and_stops_billing(
    sim: SimulatorServer,
    sim_api: httpx.Client,
    sim_clock: ScaledClock,
    phase: str,
    fails_at: int,
    minutes: int,
) -> None:
    sim.control.fail_next_start(phase, "The instance failed its health checks.")
    sim_api.post("/api/v1/sessions/start")
    sim_clock.advance(fails_at - 1)
    assert poll(sim_api)["state"] == phase
    sim_clock.advance(2)
    state = poll(sim_api)
    assert state["state"] == "error"
    assert state["message"] == "The instance failed its health checks."
    assert state["ready"] is False
    sim_clock.advance(3600)
    assert balance(sim_api) == Decimal("100000.00") - minutes * RATE
    assert sim_api.post("/api/v1/sessions/stop").json()["error"] == "SESSION_NOT_RUNNING"
    # A new start is allowed and the failure does not repeat.
    assert sim_api.post("/api/v1/sessions/start").status_code == 200
    sim_clock.advance(200)
    assert poll(sim_api)["state"] == "running"


def test_capacity_failures_then_success(
    sim: SimulatorServer, sim_api: httpx.Client
) -> None:
    sim.control.fail_starts_with_capacity(2, retry_after=45)
    for _ in range(2):
        answer = sim_api.post("/api/v1/sessions/start")
        assert answer.status_code == 503
        assert answer.json()["error"] == "AWS_CAPACITY"
        assert answer.headers["retry-after"] == "45"
        assert "x-ratelimit-remaining" in answer.headers
    assert balance(sim_api) == Decimal("100000.00")
    assert sim_api.post("/api/v1/sessions/start").status_code == 200


def test_server_side_stop_and_kill(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    sim_api.post("/api/v1/sessions/start")
    sim_clock.advance(120)
    view = sim.control.stop_session("Scheduled maintenance.")
    assert view["state"] == "stopping"
    assert poll(sim_api)["message"] == "Scheduled maintenance."
    sim_clock.advance(60)
    sim_api.post("/api/v1/sessions/start")
    sim_clock.advance(120)
    sim.control.kill_session("The instance was reclaimed.")
    state = poll(sim_api)
    assert (state["state"], state["message"]) == ("error", "The instance was reclaimed.")
    assert sim.control.session()["billing"] is False


def test_phase_durations_can_change_at_run_time(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    sim.control.set_phase_durations(provisioning=5, starting=5, ready_delay=0, stopping=1)
    sim_api.post("/api/v1/sessions/start")
    sim_clock.advance(10.5)
    state = poll(sim_api)
    assert (state["state"], state["ready"]) == ("running", True)
    sim_api.post("/api/v1/sessions/stop")
    sim_clock.advance(1.5)
    assert poll(sim_api)["state"] == "stopped"
