"""Against the real simulator: a key from POST /sessions/tailscale-key joins the session's
tailnet through the fake tailscaled (in-process and as its own process)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.fake_tailscaled_keys import HttpKeyVerifier, Redemption
from pawpado_desktop.tailscale import LocalClient, TailnetJoiner, TailscaleKeyRejected
from pawpado_desktop.tailscale.endpoint import LocalEndpoint
from pawpado_desktop.tailscale.models import ConnectionPath, PathKind
from pawpado_desktop.tailscale.path import describe


@pytest.fixture
async def api(sim: Any) -> AsyncIterator[httpx.AsyncClient]:
    tokens = sim.control.sign_in_directly()
    async with httpx.AsyncClient(
        base_url=sim.base_url,
        headers={"Authorization": f"Bearer {tokens.access_token}"},
        timeout=10,
        trust_env=False,
    ) as client:
        yield client


async def start_session(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/sessions/start", json={})
    assert response.status_code in (200, 201, 202), response.text


async def tailscale_key(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.post("/api/v1/sessions/tailscale-key")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def poll(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/api/v1/sessions/poll")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def instance_ip(api: httpx.AsyncClient) -> str:
    """The session's tailnet IP, known once the instance exists (not while provisioning)."""
    async with asyncio.timeout(20):
        while True:
            ip = (await poll(api)).get("tailnetIp")
            if ip:
                return str(ip)
            await asyncio.sleep(0.05)


@pytest.fixture
async def sim_client(fake_tailscaled_sim: FakeTailscaled) -> AsyncIterator[LocalClient]:
    endpoint = LocalEndpoint("unix", str(fake_tailscaled_sim.socket_path))
    async with LocalClient(endpoint, installed=lambda: True) as client:
        yield client


async def join_and_find_instance(joiner: TailnetJoiner, api: httpx.AsyncClient) -> None:
    await start_session(api)
    key = await tailscale_key(api)  # while provisioning: join while the instance boots
    assert (await poll(api))["state"] == "provisioning"

    result = await joiner.join(key["authKey"], key.get("controlUrl"), None, 20)
    assert result.node_ip.startswith("100.") and result.instance is None

    ip = await instance_ip(api)
    peer = await joiner.wait_for_instance(ip, timeout_s=20, interval_s=0.1)

    assert peer is not None and peer.online and result.node_ip != ip
    assert (await poll(api))["ready"] is True  # online exactly when the session is ready
    assert peer.direct is True and peer.path.endpoint.endswith(":41641")


async def test_simulator_key_joins_and_the_instance_appears_when_ready(
    sim: Any, fake_tailscaled_sim: FakeTailscaled, sim_client: LocalClient, api: httpx.AsyncClient
) -> None:
    before = fake_tailscaled_sim.snapshot()
    joiner = TailnetJoiner(sim_client, clock=SYSTEM_CLOCK, hostname="pawpado-simtest")
    await join_and_find_instance(joiner, api)
    assert [n["hostname"] for n in sim.control.tailnet_nodes()] == ["pawpado-simtest"]

    await joiner.leave()
    await joiner.aclose()
    assert sim.control.tailnet_nodes() == []  # logout removed the ephemeral node at once
    after = fake_tailscaled_sim.snapshot()
    assert after["current"] == before["current"] and after["profiles"] == before["profiles"]


async def test_simulator_relayed_path_is_reported(
    sim: Any, fake_tailscaled_sim: FakeTailscaled, sim_client: LocalClient, api: httpx.AsyncClient
) -> None:
    sim.control.set_relay_path(True, region="fra", latency_ms=120)
    await start_session(api)
    key = await tailscale_key(api)
    joiner = TailnetJoiner(sim_client)
    await joiner.join(key["authKey"], key.get("controlUrl"), None, 20)
    peer = await joiner.wait_for_instance(await instance_ip(api), timeout_s=20, interval_s=0.1)
    assert peer is not None and peer.direct is False
    assert peer.path == ConnectionPath(PathKind.RELAYED, relay_code="fra", rtt_ms=120)
    assert describe(peer.path) == "Relayed via Frankfurt · 120 ms"
    await joiner.leave()
    await joiner.aclose()


class AnswersLate(HttpKeyVerifier):
    """Control registers the node at once; its answer reaches tailscaled later."""

    async def redeem(self, auth_key: str, node_id: str, hostname: str) -> Redemption:
        grant = await super().redeem(auth_key, node_id, hostname)
        await asyncio.sleep(0.5)
        return grant


async def test_a_login_abandoned_after_control_registered_the_node_leaves_no_node(
    sim: Any, make_fake_tailscaled: Any, api: httpx.AsyncClient
) -> None:
    fake = make_fake_tailscaled(verifier=AnswersLate(sim.base_url))
    await start_session(api)
    key = await tailscale_key(api)
    endpoint = LocalEndpoint("unix", str(fake.socket_path))
    async with LocalClient(endpoint, installed=lambda: True) as client:
        user = (await client.current_profile()).id
        await client.new_profile()
        await client.start(await client.get_prefs(), auth_key=key["authKey"])
        await client.login_interactive()
        async with asyncio.timeout(10):
            while not sim.control.tailnet_nodes():
                await asyncio.sleep(0.01)
        await client.switch_profile(user)  # gives up on the login mid-answer

        async with asyncio.timeout(10):
            while sim.control.tailnet_nodes():
                await asyncio.sleep(0.01)
        assert (await client.current_profile()).id == user


async def test_simulator_refuses_a_used_key(
    sim: Any, fake_tailscaled_sim: FakeTailscaled, sim_client: LocalClient, api: httpx.AsyncClient
) -> None:
    await start_session(api)
    key = await tailscale_key(api)
    joiner = TailnetJoiner(sim_client)
    await joiner.join(key["authKey"], None, None, 20)
    await joiner.leave()
    with pytest.raises(TailscaleKeyRejected, match="already used"):
        await joiner.join(key["authKey"], None, None, 20)
    assert fake_tailscaled_sim.snapshot()["current"]["ID"] == "a1b2"
    await joiner.aclose()


async def test_fake_as_its_own_process_never_sees_the_key_on_argv(
    sim: Any, api: httpx.AsyncClient, ts_socket_dir: Path
) -> None:
    socket_path = ts_socket_dir / "proc.sock"
    daemon = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pawpado_desktop.sim.fake_tailscaled",
        "--socket",
        str(socket_path),
        "--sim-url",
        sim.base_url,
        stdin=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(20):
            while not socket_path.exists():
                await asyncio.sleep(0.05)
        endpoint = LocalEndpoint("unix", str(socket_path))
        async with LocalClient(endpoint, installed=lambda: True) as client:
            joiner = TailnetJoiner(client)
            await start_session(api)
            key = await tailscale_key(api)
            await joiner.join(key["authKey"], key.get("controlUrl"), None, 20)
            argv = Path(f"/proc/{daemon.pid}/cmdline").read_bytes()
            assert key["authKey"].encode() not in argv
            ip = await instance_ip(api)
            assert await joiner.wait_for_instance(ip, 20, interval_s=0.1) is not None
            await joiner.leave()
            await joiner.aclose()
        assert sim.control.tailnet_nodes() == []
    finally:
        if daemon.returncode is None:
            daemon.send_signal(signal.SIGTERM)
        await asyncio.wait_for(daemon.wait(), 15)
    assert not os.path.exists(socket_path)
