"""A sweep over every operation and every error the simulator can give, each answer
validated against pawpado-openapi.json with openapi-core.

(The `sim` fixture validates whatever any test provokes; this test makes sure the
provoked set covers the whole contract, and that the validator really can fail.)
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.sim.contract import openapi_spec
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.sim.world import CapturedExchange
from tests.support.sim import assert_contract, contract_problem

pytestmark = pytest.mark.world(speed=1.0, read_limit=200, write_limit=200, poll_limit=200)

JSON = (("content-type", "application/json"),)


def _operations() -> set[tuple[str, str]]:
    spec: dict[str, Any] = openapi_spec()
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "delete")
    }


def _ready(sim_api: httpx.Client, sim_clock: ScaledClock) -> None:
    sim_clock.advance(2)
    assert sim_api.get("/api/v1/sessions/poll").json()["ready"] is True


def test_every_operation_and_error_code_matches_the_contract(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    api, c = sim_api, sim.control
    httpx.get(sim.base_url + "/api/v1/health")
    httpx.get(sim.base_url + "/api/v1/credits/me")  # 401
    changes_state = {
        ("GET", "/api/v1/health"),
        ("POST", "/api/v1/sessions/start"),
        ("POST", "/api/v1/sessions/stop"),
        ("DELETE", "/api/v1/account/delete"),
    }
    for method, path in sorted(_operations() - changes_state):
        api.request(method, path, json={"locale": "en"} if method == "PATCH" else None)
    # Each error code of the catalog, through the operations that can give it.
    api.post("/api/v1/sessions/stop")  # 409 SESSION_NOT_RUNNING
    api.post("/api/v1/credits/topup", json={"amount": "5"})  # 400 VALIDATION_ERROR
    api.post("/api/v1/credits/topup", json={"amount": "10000", "returnUrl": None})
    api.patch("/api/v1/settings", json={"streamFps": 1})  # 400
    c.fail_starts_with_capacity(1, 5)
    api.post("/api/v1/sessions/start")  # 503 AWS_CAPACITY
    api.post("/api/v1/sessions/start", json={"instanceType": "nope"})  # 400
    api.post("/api/v1/sessions/start")  # 200 provisioning
    api.post("/api/v1/sessions/start")  # 409 SESSION_ALREADY_RUNNING
    api.post("/api/v1/sessions/pair")  # 409 NOT_READY
    api.get("/api/v1/sessions/connect")  # 409 NOT_READY
    api.post("/api/v1/sessions/tailscale-key")  # 200 while provisioning
    api.delete("/api/v1/account/delete")  # 409
    _ready(api, sim_clock)
    api.post("/api/v1/sessions/pair")
    api.get("/api/v1/sessions/connect")
    api.post("/api/v1/sessions/stop")
    api.get("/api/v1/sessions/poll")  # stopping
    sim_clock.advance(1)
    c.set_balance("0")
    api.post("/api/v1/sessions/start")  # 402 INSUFFICIENT_CREDITS
    c.set_balance("100000")
    c.fail_next_start("provisioning", "boom")
    api.post("/api/v1/sessions/start")
    sim_clock.advance(1)
    api.get("/api/v1/sessions/poll")  # error
    api.delete("/api/v1/account/delete")  # 200
    sim.control.reset_rate_limits()
    # 201 polls in the same instant: time (which refills the bucket) stands still,
    # however long a busy machine takes to send them.
    sim_clock.set_speed(1e-9)
    for _ in range(201):
        api.get("/api/v1/sessions/poll")  # ends in 429 RATE_LIMITED

    seen = c.captured_exchanges()
    statuses = {(e.method, e.path, e.status) for e in seen}
    assert {(m, p) for m, p, status in statuses if status == 200} == _operations()
    codes = {_code(e) for e in seen} - {None}
    assert codes == {
        "UNAUTHENTICATED",
        "INSUFFICIENT_CREDITS",
        "SESSION_ALREADY_RUNNING",
        "SESSION_NOT_RUNNING",
        "NOT_READY",
        "AWS_CAPACITY",
        "VALIDATION_ERROR",
        "RATE_LIMITED",
    }
    assert_contract(sim)


def _code(exchange: CapturedExchange) -> str | None:
    if exchange.status < 400:
        return None
    code: str = json.loads(exchange.body)["error"]
    return code


BAD_ANSWERS = [
    CapturedExchange(
        "GET", "/api/v1/sessions/poll", "", 200, JSON, b'{"state":"flying","ready":true}'
    ),
    CapturedExchange("GET", "/api/v1/credits/me", "", 200, JSON, b'{"balance":1.5}'),
    CapturedExchange(
        "POST", "/api/v1/sessions/stop", "", 400, JSON, b'{"error":"X","message":"m"}'
    ),
    CapturedExchange("POST", "/api/v1/sessions/pair", "", 200, JSON, b'{"pin":"42"}'),
]


@pytest.mark.parametrize("exchange", BAD_ANSWERS, ids=["enum", "type", "status", "pattern"])
def test_the_validator_catches_answers_outside_the_contract(exchange: CapturedExchange) -> None:
    found = contract_problem(exchange)
    assert found is not None
    assert exchange.path in found


def test_the_validator_passes_a_good_answer() -> None:
    good = CapturedExchange(
        "GET",
        "/api/v1/sessions/poll",
        "",
        200,
        JSON,
        b'{"state":"stopped","instanceId":null,"publicIp":null,"tailnetIp":null,'
        b'"startedAt":null,"ready":false,"message":null}',
    )
    assert contract_problem(good) is None
