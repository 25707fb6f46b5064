"""Parsing the LocalAPI's JSON, error bodies and the state file."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pawpado_desktop.tailscale.client import error_text
from pawpado_desktop.tailscale.join_state import JoinRecord, JoinStateStore
from pawpado_desktop.tailscale.joiner import game_hostname
from pawpado_desktop.tailscale.models import (
    BackendState,
    LoginProfile,
    Notify,
    PingResult,
    Status,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


def test_status_parse() -> None:
    status = Status.parse(
        {
            "BackendState": "Running",
            "TailscaleIPs": ["fd7a:115c:a1e0::1", "100.90.0.11"],
            "CurrentTailnet": {"Name": "pawpado-demo.ts.net"},
            "Self": {"ID": "n1", "HostName": "me", "TailscaleIPs": ["100.90.0.11"]},
            "Peer": {
                "nodekey:aa": {
                    "ID": "n2",
                    "HostName": "pc",
                    "TailscaleIPs": ["100.64.7.9"],
                    "Online": True,
                    "CurAddr": "13.1.1.1:41641",
                    "Relay": "sin",
                },
            },
            "Health": ["a warning"],
        }
    )
    assert status.backend_state is BackendState.RUNNING
    assert status.ipv4 == "100.90.0.11"
    assert status.tailnet_name == "pawpado-demo.ts.net"
    peer = status.peer_with_ip("100.64.7.9")
    assert peer is not None and peer.online and peer.cur_addr == "13.1.1.1:41641"
    assert status.peer_with_ip("100.64.0.1") is None
    assert status.self_peer is not None and status.self_peer.host_name == "me"


def test_status_not_connected() -> None:
    status = Status.parse({"BackendState": "NeedsLogin", "CurrentTailnet": None, "Peer": None})
    assert status.backend_state is BackendState.NEEDS_LOGIN
    assert (status.tailnet_name, status.peers, status.ipv4) == ("", [], None)


def test_backend_state_names_round_trip() -> None:
    for state in BackendState:
        assert BackendState.from_go_name(state.go_name) is state
    assert BackendState.from_go_name("SomethingNew") is BackendState.NO_STATE


def test_notify_parse() -> None:
    note = Notify.parse({"State": 6})
    assert note.state is BackendState.RUNNING and not note.err_message
    refused = Notify.parse(
        {
            "ErrMessage": "auth key expired",
            "Health": {"Warnings": {"login-state": {"Text": "You are logged out."}}},
        }
    )
    assert refused.state is None and refused.err_message == "auth key expired"
    assert refused.health_warnings == ["You are logged out."]
    assert Notify.parse({"LoginFinished": {}}).login_finished
    assert Notify.parse({"State": 42}).state is None  # a future state is not guessed
    assert Notify.parse({"State": "Running"}).state is None  # the bus uses integers


def test_ping_verdicts() -> None:
    direct = PingResult.parse({"Endpoint": "13.1.1.1:41641", "LatencySeconds": 0.01})
    relayed = PingResult.parse({"DERPRegionCode": "sin", "LatencySeconds": 0.09})
    failed = PingResult.parse({"Err": "no matching peer"})
    assert (direct.direct, relayed.direct, failed.direct) == (True, False, None)
    assert direct.latency_s == 0.01


def test_login_profile_parse() -> None:
    profile = LoginProfile.parse(
        {
            "ID": "1ab3",
            "Name": "alice@example.com",
            "ControlURL": "https://c",
            "UserProfile": {"LoginName": "alice@example.com"},
            "NetworkProfile": {"DomainName": "alice.ts.net"},
            "NodeID": "nX",
        }
    )
    assert (profile.id, profile.tailnet, profile.login_name) == (
        "1ab3",
        "alice.ts.net",
        "alice@example.com",
    )
    assert LoginProfile.parse({"ID": ""}).id == ""


@given(json_values)
def test_parsers_never_raise_on_odd_json(raw: Any) -> None:
    Status.parse(raw)
    Notify.parse(raw)
    PingResult.parse(raw)
    LoginProfile.parse(raw)


def test_error_text_understands_text_and_json() -> None:
    assert error_text(b"profiles access denied\n") == "profiles access denied"
    assert error_text(b'{"Error":"bad pref"}') == "bad pref"
    assert error_text(b'{"error":"engine says no"}') == "engine says no"
    assert error_text(b'{"other":1}') == '{"other":1}'
    assert len(error_text(b"x" * 10_000)) <= 300


def test_game_hostname_is_a_dns_label() -> None:
    assert game_hostname("Alice's MacBook Pro.local") == "pawpado-alice-s-macbook-pro"
    assert game_hostname("___") == "pawpado-desktop"
    assert len(game_hostname("a" * 200)) <= 63


def test_join_record_round_trip(tmp_path: Any) -> None:
    store = JoinStateStore(tmp_path)
    assert store.load() is None
    record = JoinRecord("a1b2", "alice", "pawpado-session-1", True, "c3d4", "100.1.2.3", "joined")
    store.save(record)
    assert store.load() == record
    saved = json.loads(store.path.read_text())
    assert saved["version"] == 1
    store.path.write_text('{"version": 99}')
    damaged = store.load()
    assert damaged is not None and damaged.phase == "unknown"  # still counts as a crash
    store.clear()
    assert store.load() is None
