"""The device flow against the simulator's Huudis (1 s polling interval).

The clock is shared with the simulator and runs 10x, except where the
simulator itself must judge our pacing: there network jitter would be
magnified tenfold, so that test runs on real time.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.auth.errors import SignInDenied, SignInRejected
from pawpado_desktop.auth.manager import AuthEvent
from pawpado_desktop.auth.store import MemoryStore
from pawpado_desktop.errors import CancelledByUser, NotSignedIn
from pawpado_desktop.sim.faults import FaultResponse
from pawpado_desktop.sim.huudis import DEVICE_GRANT
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.auth import ManagerFactory
from tests.support.waiting import wait_until

pytestmark = pytest.mark.world(speed=10)

TOKEN_PATH = "/huudis/oauth/token"
INTERVALS_2 = 0.21  # real seconds: two polling intervals (and their slack) at 10x


def device_polls(sim: SimulatorServer) -> int:
    return sim.control.huudis_stats().token_requests.get(DEVICE_GRANT, 0)


@pytest.mark.world(speed=None)
async def test_pending_then_approved(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    store = MemoryStore()
    manager = await auth_manager_factory(store)
    events: list[AuthEvent] = []
    manager.add_listener(events.append)
    assert not manager.is_signed_in

    flow = await manager.start_sign_in()
    assert flow.user_code in sim.control.pending_user_codes()
    assert flow.verification_uri.startswith(sim.issuer_url)
    assert flow.verification_uri_complete is not None
    assert flow.user_code in flow.verification_uri_complete
    assert flow.browser_uri == flow.verification_uri_complete
    interval = sim.control.device_interval(flow.user_code)

    waiter = asyncio.ensure_future(flow.wait())
    await wait_until(lambda: device_polls(sim) >= 1, what="a pending device poll")  # answered authorization_pending
    assert not waiter.done()
    assert sim.control.approve_device(flow.user_code)
    await asyncio.wait_for(waiter, 10)

    assert manager.is_signed_in
    assert events == [AuthEvent("signed_in")]
    assert await store.load() is not None
    # We were never early enough for the server to ask us to slow down.
    assert sim.control.device_interval(flow.user_code) == interval
    identity = await PawpadoClient(sim.base_url, manager).whoami()
    assert identity.email == sim.config.email


async def test_denied(sim: SimulatorServer, auth_manager_factory: ManagerFactory) -> None:
    store = MemoryStore()
    manager = await auth_manager_factory(store)
    flow = await manager.start_sign_in()
    assert sim.control.deny_device(flow.user_code)
    with pytest.raises(SignInDenied) as caught:
        await asyncio.wait_for(flow.wait(), 10)
    assert "declined" in caught.value.message
    assert not manager.is_signed_in
    assert await store.load() is None
    with pytest.raises(NotSignedIn):
        await manager.access_token()


async def test_cancel_mid_poll_stops_polling(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await auth_manager_factory()
    flow = await manager.start_sign_in()
    waiter = asyncio.ensure_future(flow.wait())
    await wait_until(lambda: device_polls(sim) >= 1, what="a pending device poll")
    flow.cancel()
    with pytest.raises(CancelledByUser):
        await asyncio.wait_for(waiter, 5)
    polls = device_polls(sim)
    sim.control.approve_device(flow.user_code)
    await asyncio.sleep(INTERVALS_2)  # a live poller would have polled again by now
    assert device_polls(sim) == polls
    assert not manager.is_signed_in


async def test_cancelling_the_waiting_task_stops_polling(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await auth_manager_factory()
    flow = await manager.start_sign_in()
    waiter = asyncio.ensure_future(flow.wait())
    await wait_until(lambda: device_polls(sim) >= 1, what="a pending device poll")
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    polls = device_polls(sim)
    await asyncio.sleep(INTERVALS_2)
    assert device_polls(sim) == polls


async def test_cancel_before_waiting(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await auth_manager_factory()
    flow = await manager.start_sign_in()
    flow.cancel()
    with pytest.raises(CancelledByUser):
        await flow.wait()
    assert device_polls(sim) == 0


async def test_an_unknown_error_stops_polling(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await auth_manager_factory()
    flow = await manager.start_sign_in()
    sim.control.replace_responses(
        TOKEN_PATH,
        FaultResponse(
            status=400,
            body=json.dumps({"error": "unauthorized_client"}).encode(),
            content_type="application/json",
        ),
        method="POST",
    )
    with pytest.raises(SignInRejected) as caught:
        await asyncio.wait_for(flow.wait(), 10)
    assert "unauthorized_client" in caught.value.message
    await asyncio.sleep(INTERVALS_2)
    assert device_polls(sim) == 0  # the only poll was the faulted one, which never reached it
    assert not manager.is_signed_in


async def test_a_new_sign_in_cancels_the_previous_one(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await auth_manager_factory()
    first = await manager.start_sign_in()
    first_wait = asyncio.ensure_future(first.wait())
    second = await manager.start_sign_in()
    with pytest.raises(CancelledByUser):
        await first_wait
    sim.control.approve_device(second.user_code)
    await asyncio.wait_for(second.wait(), 10)
    assert manager.is_signed_in


async def test_loading_never_starts_a_sign_in(
    sim_env: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from pawpado_desktop.auth.manager import AuthManager

    monkeypatch.setenv("PAWPADO_CREDENTIAL_STORE", "file")
    async with httpx.AsyncClient() as http:
        manager = await AuthManager.create(sim_env.issuer_url, http)
        assert not manager.is_signed_in
        with pytest.raises(NotSignedIn):
            await manager.access_token()
        await manager.aclose()
    assert sim_env.control.huudis_stats().device_authorizations == 0
