"""Moonlight end to end against the real simulator: session, tailnet join, PIN, pair, stream.

The test plays the user's computer: it starts a session over the Pawpado API,
joins the tailnet with a key from the API (as the fake tailscaled would, via
/_sim/tailscale/redeem), mints a PIN, and lets `Moonlight` drive the fake
executable, which asks the simulator whether the host is reachable and the PIN
right.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import httpx
import pytest

from pawpado_desktop.clock import Clock
from pawpado_desktop.moonlight import (
    HostUnreachable,
    Moonlight,
    MoonlightTimeouts,
    PinExpired,
    StreamEndReason,
    StreamOptions,
    WrongPin,
    host_address,
)
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.moonlight import FakeMoonlightInstall

pytestmark = pytest.mark.world(speed=30)

Install = Callable[..., FakeMoonlightInstall]
FAST = MoonlightTimeouts(version=10, list=15, save_grace=0.2, close=5, pair_poll=0.2)
STEP = 10.0  # upper bound for one step; never a measured time


class CloudPc:
    """The Pawpado API and the tailnet as the user's computer sees them."""

    def __init__(self, sim: SimulatorServer, http: httpx.AsyncClient) -> None:
        self.sim = sim
        self.http = http

    async def start_until_ready(self) -> None:
        (await self.http.post("/api/v1/sessions/start", json={})).raise_for_status()
        for _ in range(int(STEP / 0.05)):
            status = (await self.http.get("/api/v1/sessions/poll")).json()
            if status["state"] == "running" and status["ready"]:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"session never became ready: {status}")

    async def stop(self) -> None:
        (await self.http.post("/api/v1/sessions/stop")).raise_for_status()
        for _ in range(int(STEP / 0.05)):
            if (await self.http.get("/api/v1/sessions/poll")).json()["state"] == "stopped":
                return
            await asyncio.sleep(0.05)
        raise AssertionError("session never stopped")

    async def join_tailnet(self, node_id: str = "node-this-pc") -> None:
        key = (await self.http.post("/api/v1/sessions/tailscale-key")).json()["authKey"]
        joined = await self.http.post(
            "/_sim/tailscale/redeem",
            json={"authKey": key, "nodeId": node_id, "hostname": "players-laptop"},
        )
        joined.raise_for_status()

    async def address(self) -> str:
        connect = (await self.http.get("/api/v1/sessions/connect")).json()
        return host_address(connect["tailnetIp"], connect["port"])

    async def mint_pin(self) -> tuple[str, datetime]:
        answer = (await self.http.post("/api/v1/sessions/pair")).json()
        return answer["pin"], datetime.fromisoformat(answer["expiresAt"].replace("Z", "+00:00"))

    async def settings(self) -> dict[str, object]:
        settings: dict[str, object] = (await self.http.get("/api/v1/settings")).json()
        return settings


@pytest.fixture
async def pc(sim: SimulatorServer) -> AsyncIterator[CloudPc]:
    tokens = sim.control.sign_in_directly()
    async with httpx.AsyncClient(
        base_url=sim.base_url,
        headers={"Authorization": f"Bearer {tokens.access_token}"},
        timeout=STEP,
        trust_env=False,
    ) as http:
        yield CloudPc(sim, http)


@pytest.fixture
def fake(install_moonlight: Install, sim: SimulatorServer) -> FakeMoonlightInstall:
    return install_moonlight(sim.base_url, seek_seconds=0.3, save_seconds=0.2)


def client(fake: FakeMoonlightInstall, clock: Clock, **env: str) -> Moonlight:
    return Moonlight(settings=fake.settings(), env=fake.env(**env), clock=clock, timeouts=FAST)


async def test_pair_and_stream_with_a_running_session(
    pc: CloudPc, fake: FakeMoonlightInstall, sim: SimulatorServer, sim_clock: Clock
):
    moonlight = client(fake, sim_clock)
    await pc.start_until_ready()
    address = await pc.address()

    with pytest.raises(HostUnreachable):  # not on the tailnet yet
        await moonlight.is_paired(address)
    await pc.join_tailnet()
    assert await moonlight.is_paired(address) is False

    pin, expires_at = await pc.mint_pin()
    await moonlight.pair(address, pin, expires_at)
    assert await moonlight.is_paired(address)
    assert fake.client_id() in sim.control.paired_clients()

    options = StreamOptions.from_settings(await pc.settings(), fake.settings())
    stream = await moonlight.stream(address, "Desktop", options)
    for _ in range(int(STEP / 0.05)):
        if sim.control.session()["activeStreams"] == 1:
            break
        await asyncio.sleep(0.05)
    assert sim.control.session()["activeStreams"] == 1
    end = await stream.terminate()
    assert end.reason is StreamEndReason.STOPPED
    assert sim.control.session()["activeStreams"] == 0


async def test_the_pairing_outlives_the_session_and_its_address(
    pc: CloudPc, fake: FakeMoonlightInstall, sim_clock: Clock
):
    moonlight = client(fake, sim_clock)
    await pc.start_until_ready()
    await pc.join_tailnet("node-1")
    first = await pc.address()
    await moonlight.pair(first, *await pc.mint_pin())
    await pc.stop()

    await pc.start_until_ready()
    await pc.join_tailnet("node-2")
    second = await pc.address()
    assert second != first  # a new tailnet IP every session
    assert await moonlight.is_paired(second)


async def test_a_wrong_pin_is_refused_by_the_host(
    pc: CloudPc, fake: FakeMoonlightInstall, sim: SimulatorServer, sim_clock: Clock
):
    await pc.start_until_ready()
    await pc.join_tailnet()
    pin, expires_at = await pc.mint_pin()
    wrong = f"{(int(pin) + 1) % 10_000:04d}"
    with pytest.raises(WrongPin):
        await client(fake, sim_clock).pair(await pc.address(), wrong, expires_at)
    assert sim.control.paired_clients() == {}


async def test_a_used_pin_runs_out_on_the_shared_clock(
    pc: CloudPc, install_moonlight: Install, sim: SimulatorServer, sim_clock: Clock
):
    await pc.start_until_ready()
    await pc.join_tailnet()
    address = await pc.address()
    pin, expires_at = await pc.mint_pin()
    first = install_moonlight(sim.base_url, seek_seconds=0.3, save_seconds=0.2)
    await client(first, sim_clock).pair(address, pin, expires_at)

    # Another Moonlight (another client id) presents the same, now used, PIN: the
    # host never answers it, so only the PIN's deadline ends the attempt.
    second = install_moonlight(sim.base_url, seek_seconds=0.3, save_seconds=0.2)
    with pytest.raises(PinExpired):
        await client(second, sim_clock).pair(address, pin, expires_at)
    assert second.client_id() not in sim.control.paired_clients()
    assert sim_clock.now() >= expires_at - timedelta(seconds=1)
