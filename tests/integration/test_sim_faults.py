"""Fault injection and the /_sim/ admin endpoints, over real loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.config import CLIENT_ID
from pawpado_desktop.sim.faults import FaultResponse
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.tls import tls_context

POLL = "/api/v1/sessions/poll"


@pytest.fixture
def admin(sim: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sim.base_url + "/_sim", timeout=10, verify=tls_context()
    ) as client:
        yield client


def test_latency_makes_a_short_client_timeout_fire(
    sim: SimulatorServer, sim_api: httpx.Client
) -> None:
    sim.control.set_latency(3.0, POLL)
    with pytest.raises(httpx.ReadTimeout):
        sim_api.get(POLL, timeout=0.2)
    assert sim_api.get("/api/v1/credits/me", timeout=2.0).status_code == 200  # other routes
    sim.control.set_latency(0, POLL)
    assert sim_api.get(POLL, timeout=2.0).status_code == 200


def test_replaced_responses_then_the_real_one(
    sim: SimulatorServer, sim_api: httpx.Client
) -> None:
    sim.control.replace_responses(
        POLL, FaultResponse(502, b"<html><body>Bad gateway</body></html>"), count=2
    )
    for _ in range(2):
        answer = sim_api.get(POLL)
        assert answer.status_code == 502
        assert answer.headers["content-type"].startswith("text/html")
        assert b"Bad gateway" in answer.content
    assert sim_api.get(POLL).json()["state"] == "stopped"
    log = [r for r in sim.control.request_log() if r.path == POLL]
    assert [(r.status, r.faulted) for r in log] == [(502, True), (502, True), (200, False)]


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        (FaultResponse(200, b"", "application/json"), lambda a: a.content == b""),
        (
            FaultResponse(200, b'{"state": "runn', "application/json"),
            lambda a: a.content == b'{"state": "runn',
        ),
        (
            FaultResponse(
                429,
                b'{"error":"RATE_LIMITED","message":"slow down"}',
                "application/json",
                (("Retry-After", "7"),),
            ),
            lambda a: a.headers["retry-after"] == "7",
        ),
    ],
)
def test_odd_bodies_reach_the_client_as_they_are(
    sim: SimulatorServer, sim_api: httpx.Client, fault: FaultResponse, check: object
) -> None:
    sim.control.replace_responses(POLL, fault)
    answer = sim_api.get(POLL)
    assert answer.status_code == fault.status
    assert callable(check) and check(answer)


def test_a_ten_megabyte_body_over_the_admin_api(
    sim_api: httpx.Client, admin: httpx.Client
) -> None:
    rule = admin.post(
        "/faults/replace",
        json={"pattern": "/api/v1/credits/*", "status": 200, "body": "x" * 1024,
              "repeat": 10 * 1024, "contentType": "application/json"},
    )
    assert rule.status_code == 200
    answer = sim_api.get("/api/v1/credits/me")
    assert len(answer.content) == 10 * 1024 * 1024


def test_a_dropped_connection(sim: SimulatorServer, sim_api: httpx.Client) -> None:
    sim.control.replace_responses(
        POLL, FaultResponse(200, b'{"state":"stopped","ready":false}', disconnect=True)
    )
    with pytest.raises(httpx.RemoteProtocolError):
        sim_api.get(POLL)
    assert sim_api.get(POLL).status_code == 200


def test_method_filter_and_a_5xx_burst(sim: SimulatorServer, sim_api: httpx.Client) -> None:
    sim.control.replace_responses(
        "/api/v1/settings", FaultResponse(503, b""), count=3, method="PATCH"
    )
    assert sim_api.get("/api/v1/settings").status_code == 200
    statuses = [
        sim_api.patch("/api/v1/settings", json={"locale": "id"}).status_code for _ in range(4)
    ]
    assert statuses == [503, 503, 503, 200]


def test_a_lost_refresh_answer_after_rotation(sim: SimulatorServer) -> None:
    """The token endpoint rotates, then the answer is lost: the client still holds
    the old refresh token, and replaying it is reuse."""
    pair = sim.control.sign_in_directly()
    sim.control.replace_responses(
        "/huudis/oauth/token", FaultResponse(502, b""), method="POST", after=True
    )
    data = {"grant_type": "refresh_token", "refresh_token": pair.refresh_token or "",
            "client_id": CLIENT_ID}
    lost = httpx.post(sim.issuer_url + "/oauth/token", data=data)
    assert lost.status_code == 502
    assert sim.control.huudis_stats().refreshes == 1  # it did happen
    replay = httpx.post(sim.issuer_url + "/oauth/token", data=data)
    assert replay.json()["error"] == "invalid_grant"
    assert sim.control.huudis_stats().reuse_detections == 1


def test_admin_paths_are_never_faulted(sim: SimulatorServer, admin: httpx.Client) -> None:
    sim.control.replace_responses("*", FaultResponse(500, b"boom"), count=100)
    sim.control.set_latency(30.0)
    assert admin.get("/session", timeout=5).status_code == 200
    assert admin.post("/faults/clear").status_code == 204
    assert httpx.get(sim.base_url + "/api/v1/health", timeout=5).status_code == 200


def test_admin_endpoints_mirror_the_control(
    sim: SimulatorServer, sim_api: httpx.Client, admin: httpx.Client
) -> None:
    assert admin.post("/balance", json={"balance": "12345.60"}).status_code == 204
    assert sim_api.get("/api/v1/credits/me").json()["balance"] == "12345.60"
    assert admin.get("/balance").json() == {"balance": "12345.60"}
    bad = admin.post("/balance", json={"balance": "lots"})
    assert (bad.status_code, bad.json()["error"]) == (400, "VALIDATION_ERROR")

    admin.post("/faults/capacity", json={"count": 1, "retryAfter": 9})
    capacity = sim_api.post("/api/v1/sessions/start")
    assert (capacity.status_code, capacity.headers["retry-after"]) == (503, "9")

    admin.post("/faults/start-failure", json={"phase": "provisioning", "message": "no disk"})
    admin.post("/phases", json={"provisioning": 0, "starting": 0, "readyDelay": 0})
    sim_api.post("/api/v1/sessions/start")
    assert admin.get("/session").json()["message"] == "no disk"

    admin.post("/pin", json={"pin": "0007"})
    assert admin.post("/pin", json={"pin": "7"}).status_code == 400

    requests = admin.get("/requests").json()
    assert requests["counts"]["write"] == 2
    assert all({"method", "path", "status", "rate_class", "at"} <= set(r)
               for r in requests["records"])
    assert admin.post("/requests/clear").status_code == 204
    assert admin.get("/requests").json()["records"] == []

    state = admin.get("/state").json()
    assert state["balance"] == sim_api.get("/api/v1/credits/me").json()["balance"]
    assert state["session"]["state"] == "error"


def test_admin_huudis_controls(sim: SimulatorServer, admin: httpx.Client) -> None:
    grant = httpx.post(
        sim.issuer_url + "/oauth/device_authorization",
        data={"client_id": CLIENT_ID, "scope": "openid offline_access pawpado"},
    ).json()
    assert admin.get("/huudis/pending").json() == {"userCodes": [grant["user_code"]]}
    assert admin.post("/huudis/approve", json={"userCode": grant["user_code"]}).json() == {
        "found": True
    }
    assert admin.post("/huudis/deny", json={"userCode": "BBBB-BBBB"}).json() == {"found": False}
    assert admin.post("/huudis/token-lifetime", json={"seconds": 120}).status_code == 204
    tokens = admin.post("/huudis/sign-in").json()
    assert tokens["expires_in"] == 120 and tokens["refresh_token"]
    stats = admin.get("/huudis/stats").json()
    assert stats["reuse_detections"] == 0 and stats["device_authorizations"] == 1
    assert admin.post("/huudis/revoke-all").json() == {"revoked": 1}
    assert admin.post("/huudis/auto-approve", json={"enabled": "yes"}).status_code == 400


def test_clock_advance_needs_a_scaled_clock(admin: httpx.Client) -> None:
    answer = admin.post("/clock/advance", json={"seconds": 10})
    assert answer.status_code == 409
    assert answer.json()["error"] == "NOT_SCALED_CLOCK"


def test_clock_advance_over_http(admin: httpx.Client) -> None:
    clock = ScaledClock(1.0)
    with SimulatorServer(clock=clock) as server:
        before = clock.now().timestamp()
        answer = httpx.post(server.base_url + "/_sim/clock/advance", json={"seconds": 3600})
        assert answer.status_code == 204
        now = httpx.get(server.base_url + "/_sim/clock").json()["now"]
        assert now - before >= 3600


def test_admin_rejects_bad_bodies(admin: httpx.Client) -> None:
    assert admin.post("/faults/latency", json={"pattern": "*"}).json()["message"] == (
        "seconds: required"
    )
    broken = admin.post("/faults/replace", content=b"{", headers={"content-type": "application/json"})
    assert broken.status_code == 400
    listed = admin.post("/faults/replace", content=json.dumps([1]).encode())
    assert listed.status_code == 400
