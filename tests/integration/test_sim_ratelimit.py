"""Rate limits per class, fixed 60-second windows on the simulator clock."""

from __future__ import annotations

import math

import httpx
import pytest

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.world import World

pytestmark = pytest.mark.world(speed=1.0)


@pytest.fixture(autouse=True)
def window_start(world: World) -> None:
    """Half a second into a window, so a burst of requests stays inside it."""
    world.scaled.advance(60 - world.clock.now().timestamp() % 60 + 0.5)


def _limits(answer: httpx.Response) -> tuple[int, int, int]:
    h = answer.headers
    return (
        int(h["x-ratelimit-limit"]),
        int(h["x-ratelimit-remaining"]),
        int(h["x-ratelimit-reset"]),
    )


@pytest.mark.parametrize(
    ("method", "path", "limit"),
    [
        ("GET", "/api/v1/credits/me", 60),
        ("GET", "/api/v1/sessions/poll", 30),
        ("POST", "/api/v1/sessions/stop", 20),  # a 409, still counted and labelled
        ("PATCH", "/api/v1/settings", 20),  # a 400, likewise
        ("DELETE", "/api/v1/account/delete", 20),
    ],
)
def test_headers_on_every_authenticated_answer(
    sim_api: httpx.Client, sim_clock: ScaledClock, method: str, path: str, limit: int
) -> None:
    first = sim_api.request(method, path, json={} if method == "PATCH" else None)
    second = sim_api.request(method, path, json={} if method == "PATCH" else None)
    now = sim_clock.now().timestamp()
    assert _limits(first)[:2] == (limit, limit - 1)
    assert _limits(second)[:2] == (limit, limit - 2)
    reset = _limits(second)[2]
    assert reset % 60 == 0
    assert now < reset <= now + 60


def test_unauthenticated_and_health_answers_carry_no_limits(sim: SimulatorServer) -> None:
    for path in ("/api/v1/credits/me", "/api/v1/health"):
        answer = httpx.get(sim.base_url + path)
        assert "x-ratelimit-limit" not in answer.headers
    assert sim.control.request_counts() == {"read": 1}


def test_write_bucket_runs_out_with_retry_after(
    sim: SimulatorServer, sim_api: httpx.Client, sim_clock: ScaledClock
) -> None:
    for _ in range(20):
        assert sim_api.post("/api/v1/sessions/stop").status_code == 409
    refused = sim_api.post("/api/v1/sessions/stop")
    assert refused.status_code == 429
    assert refused.json()["error"] == "RATE_LIMITED"
    limit, remaining, reset = _limits(refused)
    assert (limit, remaining) == (20, 0)
    retry_after = int(refused.headers["retry-after"])
    assert retry_after == math.ceil(reset - sim_clock.now().timestamp())
    assert 1 <= retry_after <= 60
    # The other buckets are untouched.
    assert sim_api.get("/api/v1/credits/me").status_code == 200
    assert sim_api.get("/api/v1/sessions/poll").status_code == 200
    assert sim.control.rate_limited_counts() == {"write": 1}
    # A new window refills the bucket.
    sim_clock.advance(retry_after)
    again = sim_api.post("/api/v1/sessions/stop")
    assert again.status_code == 409
    assert _limits(again)[1] == 19


def test_poll_has_its_own_bucket(sim: SimulatorServer, sim_api: httpx.Client) -> None:
    statuses = [sim_api.get("/api/v1/sessions/poll").status_code for _ in range(32)]
    assert statuses == [200] * 30 + [429, 429]
    assert sim_api.get("/api/v1/settings").headers["x-ratelimit-remaining"] == "59"
    assert sim.control.rate_limited_counts() == {"poll": 2}
    assert sim.control.request_counts() == {"poll": 32, "read": 1}


def test_read_bucket_holds_sixty(sim_api: httpx.Client, sim: SimulatorServer) -> None:
    paths = ["/api/v1/credits/me", "/api/v1/settings", "/api/v1/session", "/api/v1/billing/storage"]
    answers = [sim_api.get(paths[i % 4]) for i in range(61)]
    assert [a.status_code for a in answers[:60]] == [200] * 60
    assert answers[60].status_code == 429
    assert "retry-after" in answers[60].headers
    sim.control.reset_rate_limits()
    assert sim_api.get("/api/v1/credits/me").status_code == 200
