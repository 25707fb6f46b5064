"""Device-flow pacing against the simulator, on a clock shared with it and running 10x.

Gaps are read from the simulator's request log, in the shared clock's time, and
only ever checked from below: "never sooner than", not "this fast".
"""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest

from pawpado_desktop.auth.errors import AuthServiceUnavailable, SignInExpired
from pawpado_desktop.auth.store import MemoryStore
from pawpado_desktop.sim.faults import FaultResponse
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.auth import ManagerFactory

pytestmark = pytest.mark.world(speed=10)

TOKEN_PATH = "/huudis/oauth/token"
DEVICE_PATH = "/huudis/oauth/device_authorization"
JITTER = 0.3  # simulator seconds (30 ms of real time) of network and scheduling slack


def oauth_error(body: dict[str, object], status: int = 400) -> FaultResponse:
    return FaultResponse(
        status=status, body=json.dumps(body).encode(), content_type="application/json"
    )


def poll_gaps(sim: SimulatorServer) -> list[float]:
    """Simulator seconds from the authorization to the first poll, and between polls."""
    times = [
        r.at for r in sim.control.request_log() if r.path in (DEVICE_PATH, TOKEN_PATH)
    ]
    return [b - a for a, b in itertools.pairwise(times)]


async def test_slow_down_twice_grows_the_interval_by_ten_seconds(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await auth_manager_factory()
    flow = await manager.start_sign_in()
    start = flow.interval
    sim.control.replace_responses(TOKEN_PATH, oauth_error({"error": "slow_down"}), count=2)
    sim.control.approve_device(flow.user_code)  # the third poll gets the tokens
    await asyncio.wait_for(flow.wait(), 10)
    assert manager.is_signed_in
    assert flow.interval == start + 10
    gaps = poll_gaps(sim)
    assert len(gaps) == 3
    for gap, wanted in zip(gaps, (start, start + 5, start + 10), strict=True):
        assert gap >= wanted - JITTER


async def test_slow_down_with_a_longer_interval_as_a_string_takes_the_longer(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await auth_manager_factory()
    flow = await manager.start_sign_in()
    sim.control.replace_responses(TOKEN_PATH, oauth_error({"error": "slow_down", "interval": "9"}))
    sim.control.approve_device(flow.user_code)
    await asyncio.wait_for(flow.wait(), 10)
    assert flow.interval == 9
    assert poll_gaps(sim)[-1] >= 9 - JITTER


async def test_connection_trouble_backs_off_then_recovers(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await auth_manager_factory()
    flow = await manager.start_sign_in()
    start = flow.interval
    sim.control.replace_responses(TOKEN_PATH, FaultResponse(status=502))
    sim.control.replace_responses(  # the connection breaks halfway through the answer
        TOKEN_PATH, FaultResponse(status=200, body=b'{"error": "x"}' * 20, disconnect=True)
    )
    sim.control.approve_device(flow.user_code)
    await asyncio.wait_for(flow.wait(), 10)
    assert manager.is_signed_in
    gaps = poll_gaps(sim)
    assert len(gaps) == 3
    assert gaps[1] >= 2 * start - JITTER  # doubled after the first failure
    assert gaps[2] >= 4 * start - JITTER  # and again after the second
    assert flow.interval == start  # backing off is not slow_down: the interval itself stays


@pytest.mark.world(speed=50)  # 31 s of backing off
async def test_a_token_endpoint_that_keeps_failing_ends_with_a_clear_message(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    store = MemoryStore()
    manager = await auth_manager_factory(store)
    flow = await manager.start_sign_in()
    sim.control.replace_responses(TOKEN_PATH, FaultResponse(status=500), count=50)
    with pytest.raises(AuthServiceUnavailable) as caught:
        await asyncio.wait_for(flow.wait(), 20)
    assert "HTTP 500" in caught.value.message
    assert "try again" in caught.value.message
    assert not manager.is_signed_in
    assert await store.load() is None


@pytest.mark.world(device_code_lifetime=4)
async def test_the_code_expires_on_the_local_deadline(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await auth_manager_factory()
    flow = await manager.start_sign_in()
    with pytest.raises(SignInExpired) as caught:
        await asyncio.wait_for(flow.wait(), 10)
    assert "expired" in caught.value.message
    polls_at_end = len(poll_gaps(sim))
    await asyncio.sleep(0.3)  # 3 s of simulator time: nothing more is sent
    assert len(poll_gaps(sim)) == polls_at_end
    assert not manager.is_signed_in


async def test_the_server_saying_expired_stops_polling(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await auth_manager_factory()
    flow = await manager.start_sign_in()
    sim.control.replace_responses(TOKEN_PATH, oauth_error({"error": "expired_token"}))
    with pytest.raises(SignInExpired):
        await asyncio.wait_for(flow.wait(), 10)
    assert len(poll_gaps(sim)) == 1
