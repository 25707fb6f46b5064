"""Every Pawpado operation of the simulator over loopback HTTP, and its error answers.

The `sim` fixture checks each /api/v1 answer against pawpado-openapi.json at
teardown, so these tests also cover the contract for every path they provoke.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.server import SimulatorServer

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract" / "pawpado-openapi.json"
# In process (httpx.ASGITransport): these check the simulator's answers, not the wire;
# the first few go over the loopback socket, as a client does.
pytestmark = pytest.mark.world(asgi=True)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _wait_for(sim_api: httpx.Client, *, state: str, ready: bool | None = None) -> dict[str, Any]:
    """Poll until the session reaches `state` (fast config: well under a second)."""
    deadline = time.monotonic() + 10
    while True:
        body: dict[str, Any] = sim_api.get("/api/v1/sessions/poll").json()
        if body["state"] == state and (ready is None or body["ready"] == ready):
            return body
        assert time.monotonic() < deadline, f"stuck in {body}"
        time.sleep(0.05)


@pytest.mark.world(asgi=False)  # over the loopback socket
def test_health_needs_no_token(sim: SimulatorServer) -> None:
    answer = httpx.get(sim.base_url + "/api/v1/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert "x-ratelimit-limit" not in answer.headers


@pytest.mark.world(asgi=False)  # over the loopback socket
def test_openapi_document_is_served_and_is_the_contract(sim: SimulatorServer) -> None:
    answer = httpx.get(sim.base_url + "/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["info"]["title"] == "Pawpado API"
    if not CONTRACT.exists():
        pytest.skip("the shared contract folder is not next to the checkout")
    assert answer.content == CONTRACT.read_bytes()


@pytest.mark.world(asgi=False)  # over the loopback socket
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer a.b.c"],
)
def test_missing_or_malformed_token_is_unauthenticated(
    sim: SimulatorServer, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = httpx.get(sim.base_url + "/api/v1/credits/me", headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"error": "UNAUTHENTICATED", "message": "Missing or invalid bearer token"}


@pytest.mark.world(asgi=False)  # over the loopback socket
def test_expired_and_revoked_tokens_are_unauthenticated(sim: SimulatorServer) -> None:
    sim.control.set_access_token_lifetime(0.2)
    short = sim.control.sign_in_directly()
    revoked = sim.control.sign_in_directly()
    sim.control.revoke_all_tokens()
    time.sleep(0.25)
    for pair in (short, revoked):
        answer = httpx.get(
            sim.base_url + "/api/v1/sessions/poll",
            headers={"Authorization": f"Bearer {pair.access_token}"},
        )
        assert answer.status_code == 401
        assert answer.json()["error"] == "UNAUTHENTICATED"


@pytest.mark.world(asgi=False)  # over the loopback socket
def test_a_token_from_another_simulator_is_refused(sim: SimulatorServer) -> None:
    with SimulatorServer(SimConfig.fast()) as other:
        foreign = other.control.sign_in_directly().access_token
    answer = httpx.get(
        sim.base_url + "/api/v1/session", headers={"Authorization": f"Bearer {foreign}"}
    )
    assert answer.status_code == 401


def test_whoami_reports_the_identity_and_token_expiry(
    sim: SimulatorServer, sim_api: httpx.Client
) -> None:
    answer = sim_api.get("/api/v1/session")
    assert answer.status_code == 200
    body = answer.json()
    assert body["huudisUserId"] == sim.config.huudis_user_id
    assert body["email"] == "gamer@example.com"
    remaining = _when(body["expiresAt"]) - sim.clock.now()
    assert timedelta(seconds=3590) < remaining <= timedelta(seconds=3600)


def test_credits_me(sim_api: httpx.Client) -> None:
    body = sim_api.get("/api/v1/credits/me").json()
    assert body["balance"] == "100000.00"
    assert body["currency"] == "IDR"
    assert Decimal(body["minimumStartBalance"]) == 15 * Decimal(body["ratePerMinute"])
    assert body["storage"]["quotaGb"] >= body["storage"]["usedGb"]


def test_billing_storage_covers_the_current_month(
    sim: SimulatorServer, sim_api: httpx.Client
) -> None:
    body = sim_api.get("/api/v1/billing/storage").json()
    start, end = _when(body["periodStart"]), _when(body["periodEnd"])
    assert start <= sim.clock.now() < end
    assert start.day == 1 and end.day == 1
    assert Decimal(body["pricePerMonth"]) > 0


def test_the_whole_session_lifecycle_over_http(
    sim: SimulatorServer, sim_api: httpx.Client
) -> None:
    assert sim_api.get("/api/v1/sessions/poll").json()["state"] == "stopped"
    started = sim_api.post("/api/v1/sessions/start")
    assert started.status_code == 200
    body = started.json()
    assert body["state"] == "provisioning"
    assert body["instanceId"].startswith("i-")
    assert body["startedAt"] is not None
    assert sim_api.post("/api/v1/sessions/pair").json()["error"] == "NOT_READY"
    assert sim_api.get("/api/v1/sessions/connect").json()["error"] == "NOT_READY"
    key = sim_api.post("/api/v1/sessions/tailscale-key")
    assert key.status_code == 200  # joining while the instance boots is allowed

    _wait_for(sim_api, state="starting")
    running = _wait_for(sim_api, state="running", ready=False)
    assert running["tailnetIp"].startswith("100.")
    ready = _wait_for(sim_api, state="running", ready=True)
    assert ready["instanceId"] == body["instanceId"]

    connect = sim_api.get("/api/v1/sessions/connect").json()
    assert connect["tailnetIp"] == ready["tailnetIp"]
    assert connect["port"] == 47989
    pin = sim_api.post("/api/v1/sessions/pair").json()
    assert len(pin["pin"]) == 4 and pin["pin"].isdigit()

    stop = sim_api.post("/api/v1/sessions/stop")
    assert stop.status_code == 200
    assert stop.json()["state"] == "stopping"
    assert sim_api.post("/api/v1/sessions/stop").json()["error"] == "SESSION_NOT_RUNNING"
    assert sim_api.post("/api/v1/sessions/start").json()["error"] == "SESSION_ALREADY_RUNNING"
    stopped = _wait_for(sim_api, state="stopped")
    assert stopped["instanceId"] is None and stopped["tailnetIp"] is None

    again = sim_api.post("/api/v1/sessions/start").json()
    assert again["instanceId"] != body["instanceId"]


def test_errors_when_nothing_runs(sim_api: httpx.Client) -> None:
    for method, path in [
        ("POST", "/api/v1/sessions/stop"),
        ("POST", "/api/v1/sessions/pair"),
        ("GET", "/api/v1/sessions/connect"),
        ("POST", "/api/v1/sessions/tailscale-key"),
    ]:
        answer = sim_api.request(method, path)
        assert answer.status_code == 409, path
        assert answer.json()["error"] == "SESSION_NOT_RUNNING", path


def test_start_while_active_conflicts(sim_api: httpx.Client) -> None:
    sim_api.post("/api/v1/sessions/start")
    answer = sim_api.post("/api/v1/sessions/start")
    assert answer.status_code == 409
    assert answer.json()["error"] == "SESSION_ALREADY_RUNNING"


def test_start_below_the_minimum_balance(sim: SimulatorServer, sim_api: httpx.Client) -> None:
    sim.control.set_balance("7499.99")
    answer = sim_api.post("/api/v1/sessions/start")
    assert answer.status_code == 402
    body = answer.json()
    assert body["error"] == "INSUFFICIENT_CREDITS"
    assert "7500.00" in body["message"]  # says how much is needed
    assert sim.control.balance() == Decimal("7499.99")
    sim.control.set_balance("7500")
    assert sim_api.post("/api/v1/sessions/start").status_code == 200


def test_start_validates_its_optional_body(sim: SimulatorServer, sim_api: httpx.Client) -> None:
    bad = sim_api.post("/api/v1/sessions/start", json={"instanceType": "p5.48xlarge"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "VALIDATION_ERROR"
    assert bad.json()["message"].startswith("instanceType:")
    extra = sim_api.post("/api/v1/sessions/start", json={"region": "mars"})
    assert extra.json()["message"].startswith("region:")
    broken = sim_api.post(
        "/api/v1/sessions/start", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert broken.json()["message"].startswith("body:")
    good = sim_api.post("/api/v1/sessions/start", json={"instanceType": "g5.2xlarge"})
    assert good.status_code == 200
    assert sim.control.session()["instanceType"] == "g5.2xlarge"


def test_tailscale_key_shape(sim_api: httpx.Client, sim: SimulatorServer) -> None:
    sim_api.post("/api/v1/sessions/start")
    first = sim_api.post("/api/v1/sessions/tailscale-key").json()
    second = sim_api.post("/api/v1/sessions/tailscale-key").json()
    assert first["authKey"].startswith("tskey-auth-")
    assert first["authKey"] != second["authKey"]
    assert first["ephemeral"] is True
    assert first["controlUrl"] is None
    assert first["tags"]
    lifetime = _when(first["expiresAt"]) - sim.clock.now()
    assert timedelta(seconds=590) < lifetime <= timedelta(seconds=600)


def test_pin_keeps_leading_zeros_and_lasts_two_minutes(
    sim: SimulatorServer, sim_api: httpx.Client
) -> None:
    sim_api.post("/api/v1/sessions/start")
    _wait_for(sim_api, state="running", ready=True)
    sim.control.force_next_pin("0042")
    pin = sim_api.post("/api/v1/sessions/pair").json()
    assert pin["pin"] == "0042"
    lifetime = _when(pin["expiresAt"]) - sim.clock.now()
    assert timedelta(seconds=110) < lifetime <= timedelta(seconds=120)


def test_settings_read_and_partial_update(sim_api: httpx.Client) -> None:
    before = sim_api.get("/api/v1/settings").json()
    answer = sim_api.patch("/api/v1/settings", json={"streamFps": 120, "locale": "id"})
    assert answer.status_code == 200
    after = answer.json()
    assert after == before | {"streamFps": 120, "locale": "id"}
    assert sim_api.get("/api/v1/settings").json() == after


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"streamFps": 75}, "streamFps: must be one of 30, 60, 90, 120"),
        ({"streamFps": "60"}, "streamFps:"),
        ({"autoStopIdleMinutes": 241}, "autoStopIdleMinutes:"),
        ({"autoStopIdleMinutes": -1}, "autoStopIdleMinutes:"),
        ({"autoStopIdleMinutes": True}, "autoStopIdleMinutes:"),
        ({"lowBalanceAlertMinutes": 1.5}, "lowBalanceAlertMinutes:"),
        ({"bitrateKbps": 499}, "bitrateKbps:"),
        ({"instanceType": "t2.micro"}, "instanceType:"),
        ({"streamResolution": "800x600"}, "streamResolution:"),
        ({"locale": "fr"}, "locale:"),
        ({"theme": "dark"}, "theme: unknown field"),
        ({}, "body:"),
        ([1, 2], "body:"),
    ],
)
def test_settings_validation_names_the_field(
    sim_api: httpx.Client, patch: Any, field: str
) -> None:
    before = sim_api.get("/api/v1/settings").json()
    answer = sim_api.patch("/api/v1/settings", json=patch)
    assert answer.status_code == 400
    assert answer.json()["error"] == "VALIDATION_ERROR"
    assert answer.json()["message"].startswith(field)
    assert sim_api.get("/api/v1/settings").json() == before


def test_settings_patch_is_all_or_nothing(sim_api: httpx.Client) -> None:
    before = sim_api.get("/api/v1/settings").json()
    answer = sim_api.patch("/api/v1/settings", json={"streamFps": 30, "bitrateKbps": 1})
    assert answer.json()["message"].startswith("bitrateKbps:")
    assert sim_api.get("/api/v1/settings").json() == before


def test_topup_creates_a_checkout(sim: SimulatorServer, sim_api: httpx.Client) -> None:
    answer = sim_api.post("/api/v1/credits/topup", json={"amount": "50000.00"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["checkoutUrl"] == f"{sim.base_url}/_sim/checkout/{body['checkoutId']}"
    assert _when(body["expiresAt"]) > sim.clock.now()
    # Nothing is paid yet.
    assert sim_api.get("/api/v1/credits/me").json()["balance"] == "100000.00"


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "9999.99"},
        {"amount": 50000},
        {"amount": "-10000"},
        {"amount": "1e5"},
        {"amount": "10000.001"},
        {},
    ],
)
def test_topup_validation_names_amount(sim_api: httpx.Client, body: dict[str, Any]) -> None:
    answer = sim_api.post("/api/v1/credits/topup", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "VALIDATION_ERROR"
    assert answer.json()["message"].startswith("amount")


def test_topup_rejects_unknown_fields(sim_api: httpx.Client) -> None:
    answer = sim_api.post("/api/v1/credits/topup", json={"amount": "10000", "tip": "5"})
    assert answer.json()["message"].startswith("tip:")
    no_body = sim_api.post("/api/v1/credits/topup")
    assert no_body.status_code == 400
    assert no_body.json()["message"].startswith("body:")


def test_account_deletion(sim: SimulatorServer, sim_api: httpx.Client) -> None:
    sim_api.post("/api/v1/sessions/start")
    busy = sim_api.delete("/api/v1/account/delete")
    assert busy.status_code == 409
    assert busy.json()["error"] == "SESSION_ALREADY_RUNNING"
    sim_api.post("/api/v1/sessions/stop")
    _wait_for(sim_api, state="stopped")
    answer = sim_api.delete("/api/v1/account/delete")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "scheduled"
    grace = _when(body["deleteAt"]) - sim.clock.now()
    assert timedelta(days=29, hours=23) < grace <= timedelta(days=30)
    # Asking again keeps the first date.
    assert sim_api.delete("/api/v1/account/delete").json()["deleteAt"] == body["deleteAt"]


def test_unknown_paths_and_methods_answer_json(sim_api: httpx.Client) -> None:
    missing = sim_api.get("/api/v1/nope")
    assert missing.status_code == 404
    assert missing.json()["error"] == "NOT_FOUND"
    wrong = sim_api.get("/api/v1/sessions/start")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "METHOD_NOT_ALLOWED"


def test_an_oversized_body_is_refused_by_name(sim_api: httpx.Client) -> None:
    answer = sim_api.patch(
        "/api/v1/settings",
        content=b'{"locale": "' + b"x" * (2 << 20) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["message"] == "body: too large"
