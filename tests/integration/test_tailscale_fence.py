"""The fenced game tailnet: what a hostile or broken server can make Tailscale do.

Against the fake tailscaled over its real socket: a control URL that is not https
sets no pref at all; the game profile never takes the game tailnet's DNS, routes,
exit node or SSH, even where the platform's defaults would; and only a peer of
the joined tailnet passes as the stream host. Hypothesis drives the two checks.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.fake_tailscaled_keys import MemoryKeyVerifier
from pawpado_desktop.tailscale import LocalClient, TailnetJoiner
from pawpado_desktop.tailscale.endpoint import LocalEndpoint
from pawpado_desktop.tailscale.errors import (
    StreamHostRefused,
    UnsafeControlUrl,
    UnsafeGamePrefs,
)
from pawpado_desktop.tailscale.fence import (
    TAILSCALE_V4,
    TAILSCALE_V6,
    check_control_url,
    resolve_stream_host,
)
from pawpado_desktop.tailscale.join_state import JoinStateStore
from pawpado_desktop.tailscale.models import Status
from tests.support.tailscale import user_view

INSTANCE_IP = "100.64.7.9"
PORT = 47989
INSTANCE_NAME = "pawpado-instance.pawpado-demo.ts.net"


def client_for(fake: FakeTailscaled) -> LocalClient:
    return LocalClient(LocalEndpoint("unix", str(fake.socket_path)), installed=lambda: True)


# -- the control URL -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://attacker.example:8080",
        "http://10.0.0.1:8080",
        "http://localhost.attacker.example",
        "https://user:secret@controlplane.example",
        "file:///etc/shadow",
        "javascript:alert(1)",
        "ftp://control.example",
        "https://",
        "https://control.example/?next=evil",
        "\\\\evil\\share",
        "https://control.example\n.attacker",
    ],
)
async def test_a_control_url_that_is_not_https_sets_no_pref(
    fake_tailscaled: FakeTailscaled, ts_joiner: TailnetJoiner, ts_keys: MemoryKeyVerifier, url: str
) -> None:
    before = user_view(fake_tailscaled)
    with pytest.raises(UnsafeControlUrl) as refused:
        await ts_joiner.join(ts_keys.mint_key(), url, None, 10)
    assert refused.value.exit_code == ExitCode.TAILSCALE
    assert "https" in refused.value.message and "\n" not in refused.value.message
    assert fake_tailscaled.requests == []  # nothing asked of tailscaled, nothing set
    assert user_view(fake_tailscaled) == before
    assert not JoinStateStore().path.exists()


async def test_plain_http_to_a_loopback_control_server_is_allowed(
    fake_tailscaled: FakeTailscaled, ts_joiner: TailnetJoiner, ts_keys: MemoryKeyVerifier
) -> None:
    await ts_joiner.join(ts_keys.mint_key(), "http://127.0.0.1:8080", None, 10)
    assert fake_tailscaled.snapshot()["current_prefs"]["ControlURL"] == "http://127.0.0.1:8080"
    await ts_joiner.leave()


@given(
    scheme=st.sampled_from(["http", "https", "HTTPS", "file", "ftp", "javascript", "ws", ""]),
    userinfo=st.sampled_from(["", "user@", "user:pw@", "@"]),
    host=st.sampled_from(
        ["127.0.0.1", "localhost", "[::1]", "control.example", "10.1.2.3", "127.0.0.1.nip.io", ""]
    ),
    port=st.sampled_from(["", ":443", ":8080", ":99999", ":x"]),
    tail=st.sampled_from(["", "/", "/path", "?q=1", "#frag", "\t", " "]),
)
def test_control_url_check_accepts_only_https_or_loopback_http(
    scheme: str, userinfo: str, host: str, port: str, tail: str
) -> None:
    url = f"{scheme}://{userinfo}{host}{port}{tail}" if scheme else f"{userinfo}{host}{port}{tail}"
    try:
        accepted = check_control_url(url) == url
    except UnsafeControlUrl:
        accepted = False
    if accepted:
        loopback = host in ("127.0.0.1", "localhost", "[::1]")
        assert scheme.lower() == "https" or (scheme == "http" and loopback)
        assert not userinfo and host and tail in ("", "/", "/path")
        assert port in ("", ":443", ":8080")


@given(st.text(max_size=60))
def test_control_url_check_never_accepts_odd_text(text: str) -> None:
    try:
        check_control_url(text)
    except UnsafeControlUrl as refused:
        assert all(ch.isprintable() for ch in refused.message)
        return
    assert text.lower().startswith(("https://", "http://"))
    assert "@" not in text and not any(ch.isspace() for ch in text)


# -- the game profile's prefs --------------------------------------------------------


@pytest.mark.parametrize("platform", ["linux", "windows", "macos"])
async def test_the_game_profile_takes_no_dns_routes_exit_node_or_ssh(
    make_fake_tailscaled: Any, ts_keys: MemoryKeyVerifier, platform: str
) -> None:
    fake = make_fake_tailscaled(platform=platform)
    before = user_view(fake)
    async with client_for(fake) as client:
        joiner = TailnetJoiner(client)
        await joiner.join(ts_keys.mint_key(), None, None, 10)
        prefs = fake.snapshot()["current_prefs"]
        assert prefs["CorpDNS"] is False and prefs["RouteAll"] is False
        assert prefs["ExitNodeID"] == "" and prefs["ExitNodeIP"] == ""
        assert prefs["RunSSH"] is False and not prefs["AdvertiseRoutes"]
        assert prefs["NetfilterMode"] == 2  # the rest of the platform's defaults kept
        await joiner.leave()
        await joiner.aclose()
    assert user_view(fake) == before  # the user's own RouteAll etc. untouched


async def test_a_policy_that_forces_dns_on_stops_the_join_before_login(
    make_fake_tailscaled: Any, ts_keys: MemoryKeyVerifier
) -> None:
    fake = make_fake_tailscaled(forced_prefs={"CorpDNS": True})
    before = user_view(fake)
    async with client_for(fake) as client:
        joiner = TailnetJoiner(client)
        with pytest.raises(UnsafeGamePrefs, match="CorpDNS"):
            await joiner.join(ts_keys.mint_key(), None, None, 10)
        await joiner.aclose()
    assert not any(r.path.endswith("/login-interactive") for r in fake.requests)
    assert ts_keys.joined == {}
    assert user_view(fake) == before


# -- the stream host -----------------------------------------------------------------


@pytest.fixture
async def joined(
    fake_tailscaled: FakeTailscaled, ts_joiner: TailnetJoiner, ts_keys: MemoryKeyVerifier
) -> TailnetJoiner:
    ts_keys.set_instance(INSTANCE_IP)
    await ts_joiner.join(ts_keys.mint_key(), None, INSTANCE_IP, 10)
    return ts_joiner


@pytest.mark.parametrize(
    "address",
    [
        f"{INSTANCE_IP}:{PORT}",
        f"{INSTANCE_NAME}:{PORT}",
        f"{INSTANCE_NAME}.:{PORT}",
        f"PAWPADO-INSTANCE:{PORT}",
    ],
)
async def test_the_cloud_pc_on_the_joined_tailnet_is_the_stream_host(
    joined: TailnetJoiner, address: str
) -> None:
    # A name counts only as the peer tailscaled knows by it, and becomes its address.
    assert await joined.verify_stream_host(address, INSTANCE_IP) == f"{INSTANCE_IP}:{PORT}"
    assert await joined.verify_stream_host(address, None) == f"{INSTANCE_IP}:{PORT}"


@pytest.mark.parametrize(
    "address",
    [
        f"203.0.113.9:{PORT}",  # a public host
        f"192.168.1.20:{PORT}",  # the user's LAN
        f"100.64.0.99:{PORT}",  # in range, but nobody on the tailnet
        f"100.101.1.2:{PORT}",  # a peer of the user's own tailnet, not of the game one
        f"stream.attacker.example:{PORT}",
        f"localhost:{PORT}",
        f"[fd7a:115c:a1e0::99]:{PORT}",
        "",
    ],
)
async def test_a_stream_host_that_is_not_the_cloud_pc_is_refused(
    joined: TailnetJoiner, address: str
) -> None:
    with pytest.raises(StreamHostRefused) as refused:
        await joined.verify_stream_host(address, INSTANCE_IP)
    assert refused.value.exit_code == ExitCode.TAILSCALE
    assert "did not connect Moonlight" in refused.value.message


async def test_our_own_address_or_another_instance_is_refused(
    fake_tailscaled: FakeTailscaled, joined: TailnetJoiner
) -> None:
    own = fake_tailscaled.snapshot()["current_login"].node_ip
    with pytest.raises(StreamHostRefused):
        await joined.verify_stream_host(f"{own}:{PORT}", None)
    with pytest.raises(StreamHostRefused):  # a peer, but not the session's cloud PC
        await joined.verify_stream_host(f"{INSTANCE_IP}:{PORT}", "100.64.7.10")


async def test_no_stream_host_passes_before_the_join_or_after_the_leave(
    fake_tailscaled: FakeTailscaled, ts_joiner: TailnetJoiner, ts_keys: MemoryKeyVerifier
) -> None:
    with pytest.raises(StreamHostRefused):  # the user's own tailnet is not the game one
        await ts_joiner.verify_stream_host(f"100.101.1.2:{PORT}", None)
    ts_keys.set_instance(INSTANCE_IP)
    await ts_joiner.join(ts_keys.mint_key(), None, INSTANCE_IP, 10)
    await ts_joiner.leave()
    with pytest.raises(StreamHostRefused):
        await ts_joiner.verify_stream_host(f"{INSTANCE_IP}:{PORT}", INSTANCE_IP)


def _status(peer_ips: list[str]) -> Status:
    return Status.parse(
        {
            "BackendState": "Running",
            "TailscaleIPs": ["100.90.0.11"],
            "Peer": {
                "nodekey:1": {
                    "ID": "n1",
                    "HostName": "pawpado-instance",
                    "DNSName": INSTANCE_NAME + ".",
                    "TailscaleIPs": peer_ips,
                }
            },
        }
    )


addresses = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(address=addresses, port=st.integers(1, 65535), listed=st.booleans())
def test_only_tailscale_addresses_of_a_peer_pass(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int, listed: bool
) -> None:
    text = str(address)
    host = f"[{text}]" if address.version == 6 else text
    in_range = address in (TAILSCALE_V4 if address.version == 4 else TAILSCALE_V6)
    status = _status([text] if listed else ["100.64.7.9"])
    try:
        result = resolve_stream_host(status, f"{host}:{port}", None)
    except StreamHostRefused:
        assert not (in_range and listed)
        return
    assert in_range and listed
    assert result == f"{host}:{port}"


@given(name=st.text(min_size=1, max_size=40), port=st.integers(1, 65535))
def test_a_name_passes_only_as_the_peer_tailscaled_knows(name: str, port: int) -> None:
    status = _status([INSTANCE_IP])
    try:
        result = resolve_stream_host(status, f"{name}:{port}", INSTANCE_IP)
    except StreamHostRefused as refused:
        assert all(ch.isprintable() and ch != "<" for ch in refused.message)
        return
    assert result == f"{INSTANCE_IP}:{port}"
    wanted = name.strip().strip("[]").rstrip(".").lower()
    assert wanted in {INSTANCE_IP, "pawpado-instance", INSTANCE_NAME}
