"""The LocalAPI client and the fake's strictness, over real sockets."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.fake_tailscaled_keys import MemoryKeyVerifier
from pawpado_desktop.tailscale import (
    BackendState,
    LocalClient,
    TailnetJoiner,
    TailscaleApiError,
    TailscaleError,
    TailscaleNotRunning,
)
from pawpado_desktop.tailscale.endpoint import LocalEndpoint
from pawpado_desktop.tailscale.models import ConnectionPath, PathKind
from pawpado_desktop.tailscale.path import UNKNOWN_PATH, describe
from pawpado_desktop.tailscale.stream_transport import OpenerTransport

INSTANCE_IP = "100.64.7.9"


def raw_http(fake: FakeTailscaled, host: str = "local-tailscaled.sock") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"http://{host}",
        transport=httpx.AsyncHTTPTransport(uds=str(fake.socket_path)),
        timeout=5,
    )


# -- the fake is as strict as tailscaled ---------------------------------------------


async def test_wrong_host_or_origin_or_referer_is_refused(fake_tailscaled: FakeTailscaled) -> None:
    async with raw_http(fake_tailscaled, host="localhost") as http:
        response = await http.get("/localapi/v0/status")
        assert (response.status_code, response.text) == (403, "invalid localapi request\n")
    async with raw_http(fake_tailscaled) as http:
        for header in ({"Origin": "http://evil.example"}, {"Referer": "http://evil.example/"}):
            response = await http.get("/localapi/v0/status", headers=header)
            assert response.status_code == 403
        assert (await http.get("/localapi/v0/status")).status_code == 200


async def test_our_client_sends_the_localapi_host_and_no_origin(
    fake_tailscaled: FakeTailscaled, ts_client: LocalClient
) -> None:
    await ts_client.status()
    headers = fake_tailscaled.requests[-1].headers
    assert headers["host"] == "local-tailscaled.sock"
    assert "origin" not in headers and "referer" not in headers


async def test_start_with_partial_prefs_is_refused(fake_tailscaled: FakeTailscaled) -> None:
    async with raw_http(fake_tailscaled) as http:
        response = await http.post(
            "/localapi/v0/start", json={"UpdatePrefs": {"WantRunning": True}}
        )
    assert response.status_code == 400
    assert "NetfilterMode" in response.text


async def test_errors_in_text_and_json_are_both_understood(
    fake_tailscaled: FakeTailscaled, ts_client: LocalClient
) -> None:
    with pytest.raises(TailscaleApiError) as text_error:  # Go http.Error: text/plain
        await ts_client.switch_profile("ffff")
    assert "not found" in text_error.value.detail
    with pytest.raises(TailscaleApiError) as json_error:  # PATCH prefs: {"Error": ...}
        await ts_client.patch_prefs({"NoSuchThingSet": True})
    assert json_error.value.status == 400
    assert "NoSuchThing" in json_error.value.detail
    assert not json_error.value.detail.startswith("{")


# -- profiles ---------------------------------------------------------------------


async def test_profile_calls(fake_tailscaled: FakeTailscaled, ts_client: LocalClient) -> None:
    current = await ts_client.current_profile()
    assert (current.id, current.login_name) == ("a1b2", "alice@example.com")
    await ts_client.new_profile()
    assert (await ts_client.current_profile()).id == ""
    assert [p.id for p in await ts_client.profiles()] == ["a1b2"]  # the empty one is not saved
    await ts_client.switch_profile("a1b2")
    await ts_client.switch_profile("a1b2")  # no-op on the current one
    await ts_client.delete_profile("ffff")  # unknown: a no-op 204 as in tailscaled
    status = await ts_client.status(peers=False)
    assert status.backend_state is BackendState.RUNNING
    assert status.tailnet_name == "alice.example.ts.net"
    prefs = await ts_client.patch_prefs({"ShieldsUp": True, "ShieldsUpSet": True})
    assert prefs["ShieldsUp"] is True and (await ts_client.get_prefs())["ShieldsUp"] is True


# -- the IPN bus --------------------------------------------------------------------


async def test_bus_streams_parsed_notifications(
    fake_tailscaled: FakeTailscaled, ts_client: LocalClient
) -> None:
    async with ts_client.watch_ipn_bus() as bus:
        first = await asyncio.wait_for(anext(bus), 5)
        assert first.state is BackendState.RUNNING  # initial state, as an integer on the wire
        assert isinstance(first.raw["State"], int) and first.raw["Version"]
        await ts_client.new_profile()
        states = []
        async with asyncio.timeout(5):
            async for note in bus:
                if note.state is not None:
                    states.append(note.state)
                if note.state is BackendState.NEEDS_LOGIN:
                    break
        assert states[-1] is BackendState.NEEDS_LOGIN
        await ts_client.switch_profile("a1b2")
        async with asyncio.timeout(5):
            async for note in bus:
                if note.state is BackendState.RUNNING:
                    break
    watch = [r for r in fake_tailscaled.requests if r.path.endswith("watch-ipn-bus")]
    assert watch[0].query == "mask=146"


async def test_bus_ends_when_the_daemon_stops(
    fake_tailscaled: FakeTailscaled, ts_client: LocalClient
) -> None:
    async with ts_client.watch_ipn_bus() as bus:
        await anext(bus)
        stopper = asyncio.create_task(asyncio.to_thread(fake_tailscaled.stop))
        with pytest.raises((StopAsyncIteration, TailscaleError)):
            async with asyncio.timeout(10):
                while True:
                    await anext(bus)
        await stopper
    with pytest.raises(TailscaleNotRunning):
        async with ts_client.watch_ipn_bus():
            pass


async def test_bus_mask_the_daemon_rejects_is_an_error(ts_client: LocalClient) -> None:
    with pytest.raises(TailscaleApiError) as caught:
        async with ts_client.watch_ipn_bus(mask=65536):
            pass
    assert caught.value.status == 400


# -- finding the instance ---------------------------------------------------------------


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "relayed"])
async def test_locate_instance_direct_or_relayed(
    ts_joiner: TailnetJoiner, ts_keys: MemoryKeyVerifier, direct: bool
) -> None:
    ts_keys.set_instance(INSTANCE_IP, direct=direct, relay="sin")
    result = await ts_joiner.join(ts_keys.mint_key(), None, INSTANCE_IP, 10)
    peer = result.instance
    assert peer is not None and peer.online
    assert peer.direct is direct and result.direct is direct
    if direct:
        assert peer.path.endpoint.endswith(":41641") and peer.path.relay_code == ""
    else:
        assert peer.path.endpoint == "" and peer.path.relay_code == "sin"
    assert peer.path.rtt_ms is not None
    assert await ts_joiner.locate_instance("100.64.250.250") is None
    await ts_joiner.leave()


async def test_connection_path_follows_the_network(
    ts_joiner: TailnetJoiner, ts_keys: MemoryKeyVerifier
) -> None:
    ts_keys.set_instance(INSTANCE_IP)
    await ts_joiner.join(ts_keys.mint_key(), None, None, 10)
    direct = await ts_joiner.connection_path(INSTANCE_IP)
    assert direct == ConnectionPath(PathKind.DIRECT, endpoint="13.250.1.10:41641", rtt_ms=18)
    assert describe(direct) == "Direct · 18 ms"

    ts_keys.set_instance(INSTANCE_IP, direct=False, relay="sin", latency_ms=95)
    relayed = await ts_joiner.connection_path(INSTANCE_IP)
    assert describe(relayed) == "Relayed via Singapore · 95 ms"

    ts_keys.set_instance(INSTANCE_IP, direct=False, relay="my-derp", latency_ms=40.4)
    assert describe(await ts_joiner.connection_path(INSTANCE_IP)) == "Relayed via my-derp · 40 ms"

    ts_keys.set_instance(INSTANCE_IP, online=False)
    assert await ts_joiner.connection_path(INSTANCE_IP) == UNKNOWN_PATH
    assert await ts_joiner.connection_path("100.64.250.250") == UNKNOWN_PATH  # not a peer
    await ts_joiner.leave()


async def test_offline_instance_gets_no_verdict_and_ping_times_out(
    ts_joiner: TailnetJoiner, ts_client: LocalClient, ts_keys: MemoryKeyVerifier
) -> None:
    ts_keys.set_instance(INSTANCE_IP, online=False)
    await ts_joiner.join(ts_keys.mint_key(), None, None, 10)
    peer = await ts_joiner.locate_instance(INSTANCE_IP)
    assert peer is not None and not peer.online and peer.direct is None
    ping = await ts_client.ping(INSTANCE_IP, timeout_s=0.3)  # tailscaled would wait forever
    assert ping.err and ping.direct is None
    assert (await ts_client.ping("100.64.1.1")).err == "no matching peer"
    await ts_joiner.leave()


async def test_wait_for_instance_until_it_comes_online(
    ts_client: LocalClient, ts_keys: MemoryKeyVerifier
) -> None:
    joiner = TailnetJoiner(ts_client, clock=ScaledClock(50))
    await joiner.join(ts_keys.mint_key(), None, None, 120)  # not the deadline under test
    assert await joiner.wait_for_instance(INSTANCE_IP, timeout_s=1) is None

    async def boot_later() -> None:
        await asyncio.sleep(0.2)
        ts_keys.set_instance(INSTANCE_IP, direct=False)

    booting = asyncio.create_task(boot_later())
    peer = await joiner.wait_for_instance(INSTANCE_IP, timeout_s=120)
    await booting
    assert peer is not None and peer.online and peer.direct is False
    await joiner.leave()
    await joiner.aclose()


# -- other transports --------------------------------------------------------------------


async def test_stream_transport_speaks_http_over_any_stream(
    fake_tailscaled: FakeTailscaled,
) -> None:
    # The same transport carries the Windows named pipe; here it opens the Unix socket.
    path = str(fake_tailscaled.socket_path)
    transport = OpenerTransport(lambda: asyncio.open_unix_connection(path))
    endpoint = LocalEndpoint("pipe", r"\\.\pipe\test")
    async with LocalClient(endpoint, transport=transport) as client:
        assert (await client.current_profile()).id == "a1b2"
        async with client.watch_ipn_bus() as bus:
            assert (await anext(bus)).state is BackendState.RUNNING


async def test_stream_transport_reports_a_missing_daemon(ts_socket_dir: Path) -> None:
    path = str(ts_socket_dir / "nothing.sock")
    transport = OpenerTransport(lambda: asyncio.open_unix_connection(path))
    endpoint = LocalEndpoint("pipe", r"\\.\pipe\test")
    async with LocalClient(endpoint, transport=transport, installed=lambda: True) as client:
        with pytest.raises(TailscaleNotRunning):
            await client.status()


async def test_macos_gui_style_port_with_token(make_fake_tailscaled: Any) -> None:
    fake = make_fake_tailscaled(tcp_token="0a1b2c3d4e5f")
    address = f"127.0.0.1:{fake.tcp_port}"
    async with LocalClient(LocalEndpoint("tcp", address, token="0a1b2c3d4e5f")) as client:
        assert (await client.current_profile()).id == "a1b2"
    assert fake.requests[-1].headers["host"] == "local-tailscaled.sock"
    async with LocalClient(LocalEndpoint("tcp", address, token="wrong")) as client:
        with pytest.raises(TailscaleApiError) as caught:
            await client.status()
    assert caught.value.status == 403
    assert "0a1b2c3d4e5f" not in repr(LocalEndpoint("tcp", address, token="0a1b2c3d4e5f"))
