"""The simulated Huudis over real loopback HTTP: discovery, device flow, rotation, revocation."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.config import CLIENT_ID, SCOPE
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.tls import tls_context

pytestmark = pytest.mark.world(speed=1.0)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
USER_CODE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")


@pytest.fixture
def http(sim: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.issuer_url, timeout=5, verify=tls_context()) as client:
        yield client


def _endpoints(http: httpx.Client) -> dict[str, Any]:
    answer = http.get("/.well-known/openid-configuration")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def _authorize(http: httpx.Client, scope: str = SCOPE) -> dict[str, Any]:
    answer = http.post(
        _endpoints(http)["device_authorization_endpoint"],
        data={"client_id": CLIENT_ID, "scope": scope},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _poll(http: httpx.Client, device_code: str) -> httpx.Response:
    return http.post(
        "/oauth/token",
        data={"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": CLIENT_ID},
    )


def _refresh(http: httpx.Client, refresh_token: str) -> httpx.Response:
    return http.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
        },
    )


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    padded = payload + "=" * (-len(payload) % 4)
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return claims


def _userinfo(http: httpx.Client, access_token: str) -> int:
    answer = http.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    return answer.status_code


def test_discovery_lists_absolute_endpoints_under_the_issuer(
    sim: SimulatorServer, http: httpx.Client
) -> None:
    meta = _endpoints(http)
    assert meta["issuer"] == sim.issuer_url
    for key in ("device_authorization_endpoint", "token_endpoint", "revocation_endpoint"):
        assert meta[key].startswith(sim.issuer_url + "/")
        # Each advertised endpoint exists (a GET on a POST endpoint is 405, not 404).
        assert httpx.get(meta[key]).status_code == 405
    assert DEVICE_GRANT in meta["grant_types_supported"]


def test_device_authorization_answer_follows_rfc_8628(
    sim: SimulatorServer, http: httpx.Client
) -> None:
    body = _authorize(http)
    assert USER_CODE.match(body["user_code"])
    assert len(body["device_code"]) >= 32
    assert body["verification_uri"] == sim.issuer_url + "/device"
    assert body["verification_uri_complete"] == (
        f"{sim.issuer_url}/device?user_code={body['user_code']}"
    )
    assert body["expires_in"] == 600
    assert body["interval"] == 1  # the fast test config


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({"client_id": "someone-else", "scope": SCOPE}, 401, "invalid_client"),
        ({"scope": SCOPE}, 401, "invalid_client"),
        ({"client_id": CLIENT_ID, "scope": "openid admin"}, 400, "invalid_scope"),
    ],
)
def test_device_authorization_rejects_bad_clients_and_scopes(
    http: httpx.Client, data: dict[str, str], status: int, error: str
) -> None:
    answer = http.post("/oauth/device_authorization", data=data)
    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert answer.json()["error_description"]


def test_device_authorization_needs_a_form_body(http: httpx.Client) -> None:
    answer = http.post("/oauth/device_authorization", json={"client_id": CLIENT_ID})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_pending_then_approved_gives_tokens_once(
    sim: SimulatorServer, sim_clock: ScaledClock, http: httpx.Client
) -> None:
    grant = _authorize(http)
    assert _poll(http, grant["device_code"]).json()["error"] == "authorization_pending"
    assert sim.control.pending_user_codes() == [grant["user_code"]]
    # The user types it in lower case without the dash: still the same code.
    assert sim.control.approve_device(grant["user_code"].lower().replace("-", ""))
    sim_clock.advance(1.0)
    answer = _poll(http, grant["device_code"])
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["scope"] == SCOPE
    assert tokens["refresh_token"] and tokens["id_token"]
    assert answer.headers["cache-control"] == "no-store"
    assert _userinfo(http, tokens["access_token"]) == 200
    # The device code is spent.
    sim_clock.advance(1.0)
    assert _poll(http, grant["device_code"]).json()["error"] == "invalid_grant"
    assert sim.control.huudis_stats().token_requests == {DEVICE_GRANT: 3}


def test_slow_down_adds_five_seconds_for_good(
    sim: SimulatorServer, sim_clock: ScaledClock, http: httpx.Client
) -> None:
    grant = _authorize(http)
    code = grant["device_code"]
    assert _poll(http, code).json()["error"] == "authorization_pending"
    assert _poll(http, code).json()["error"] == "slow_down"  # at once: too fast
    assert sim.control.device_interval(grant["user_code"]) == 6
    sim_clock.advance(2.0)  # enough for the old interval, not the new one
    assert _poll(http, code).json()["error"] == "slow_down"
    assert sim.control.device_interval(grant["user_code"]) == 11
    sim_clock.advance(11.0)
    assert _poll(http, code).json()["error"] == "authorization_pending"
    sim_clock.advance(11.0)
    assert _poll(http, code).json()["error"] == "authorization_pending"


def test_denied_on_the_verification_page(
    sim: SimulatorServer, sim_clock: ScaledClock, http: httpx.Client
) -> None:
    grant = _authorize(http)
    page = http.get(grant["verification_uri_complete"])
    assert page.status_code == 200
    assert 'id="approve"' in page.text and 'id="deny"' in page.text
    assert f'value="{grant["user_code"]}"' in page.text
    answer = http.post("/device", data={"user_code": grant["user_code"], "action": "deny"})
    assert answer.status_code == 200
    assert 'data-result="denied"' in answer.text
    assert _poll(http, grant["device_code"]).json()["error"] == "access_denied"
    assert sim.control.pending_user_codes() == []


def test_approved_on_the_verification_page_with_a_sloppy_code(
    sim_clock: ScaledClock, http: httpx.Client
) -> None:
    grant = _authorize(http)
    typed = " " + grant["user_code"].lower().replace("-", " ") + " "
    answer = http.post("/device", data={"user_code": typed, "action": "approve"})
    assert 'data-result="approved"' in answer.text
    assert _poll(http, grant["device_code"]).status_code == 200


def test_verification_page_refuses_an_unknown_code(http: httpx.Client) -> None:
    _authorize(http)
    answer = http.post("/device", data={"user_code": "BBBB-BBBB", "action": "approve"})
    assert answer.status_code == 400
    assert 'id="error"' in answer.text
    assert http.post("/device", data={"user_code": "BBBB-BBBB"}).status_code == 400


def test_device_code_expires(sim_clock: ScaledClock, http: httpx.Client) -> None:
    grant = _authorize(http)
    sim_clock.advance(601)
    assert _poll(http, grant["device_code"]).json()["error"] == "expired_token"
    # Nor can the user approve it any more.
    answer = http.post("/device", data={"user_code": grant["user_code"], "action": "approve"})
    assert answer.status_code == 400


def test_auto_approve_answers_the_first_poll(
    sim: SimulatorServer, http: httpx.Client
) -> None:
    sim.control.set_auto_approve(True)
    grant = _authorize(http)
    assert _poll(http, grant["device_code"]).status_code == 200


def test_refresh_rotates_and_reuse_revokes_the_family(
    sim: SimulatorServer, http: httpx.Client
) -> None:
    first = sim.control.sign_in_directly()
    assert first.refresh_token is not None
    answer = _refresh(http, first.refresh_token)
    assert answer.status_code == 200
    second = answer.json()
    assert second["refresh_token"] != first.refresh_token
    assert second["access_token"] != first.access_token
    third = _refresh(http, second["refresh_token"]).json()
    assert sim.control.huudis_stats().refreshes == 2
    assert sim.control.huudis_stats().reuse_detections == 0
    assert _userinfo(http, third["access_token"]) == 200

    replay = _refresh(http, first.refresh_token)  # a used token comes back: theft
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    stats = sim.control.huudis_stats()
    assert stats.reuse_detections == 1
    assert stats.revoked_families == 1
    # Every token of that sign-in is dead, including the newest pair.
    assert _refresh(http, third["refresh_token"]).json()["error"] == "invalid_grant"
    assert _userinfo(http, third["access_token"]) == 401
    assert _userinfo(http, first.access_token) == 401
    # Another sign-in is not affected.
    other = sim.control.sign_in_directly()
    assert _userinfo(http, other.access_token) == 200


@pytest.mark.parametrize("grace", [0.0, 5.0])
def test_refresh_grace_window(
    sim_clock: ScaledClock, grace: float
) -> None:
    config = SimConfig.fast(refresh_grace_seconds=grace)
    with SimulatorServer(config, clock=sim_clock) as server, httpx.Client(
        base_url=server.issuer_url
    ) as http:
            first = server.control.sign_in_directly()
            assert first.refresh_token is not None
            rotated = _refresh(http, first.refresh_token).json()
            sim_clock.advance(1.0)
            replay = _refresh(http, first.refresh_token)
            if grace:
                # A lost response is recovered: the same successor comes back.
                assert replay.status_code == 200
                assert replay.json()["refresh_token"] == rotated["refresh_token"]
                assert server.control.huudis_stats().reuse_detections == 0
            else:
                assert replay.json()["error"] == "invalid_grant"
                assert server.control.huudis_stats().reuse_detections == 1


def test_refresh_errors(sim: SimulatorServer, http: httpx.Client) -> None:
    pair = sim.control.sign_in_directly()
    assert pair.refresh_token is not None
    assert _refresh(http, "hrt_nonsense").json()["error"] == "invalid_grant"
    wrong_client = http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": pair.refresh_token,
              "client_id": "other"},
    )
    assert wrong_client.status_code == 401
    assert wrong_client.json()["error"] == "invalid_client"
    odd = http.post("/oauth/token", data={"grant_type": "password", "client_id": CLIENT_ID})
    assert odd.json()["error"] == "unsupported_grant_type"
    missing = http.post("/oauth/token", data={"client_id": CLIENT_ID})
    assert missing.json()["error"] == "invalid_request"
    # None of this hurt the real token.
    assert _refresh(http, pair.refresh_token).status_code == 200
    assert sim.control.huudis_stats().reuse_detections == 0


def test_revoking_a_refresh_token_ends_the_sign_in(
    sim: SimulatorServer, http: httpx.Client
) -> None:
    pair = sim.control.sign_in_directly()
    assert pair.refresh_token is not None
    revoke = _endpoints(http)["revocation_endpoint"]
    answer = http.post(
        revoke,
        data={"token": pair.refresh_token, "token_type_hint": "refresh_token",
              "client_id": CLIENT_ID},
    )
    assert answer.status_code == 200
    assert _userinfo(http, pair.access_token) == 401
    assert _refresh(http, pair.refresh_token).json()["error"] == "invalid_grant"
    assert sim.control.huudis_stats().reuse_detections == 0
    # RFC 7009 §2.2: unknown and already revoked tokens are fine too.
    for token in ("nonsense", pair.refresh_token):
        assert http.post(revoke, data={"token": token, "client_id": CLIENT_ID}).status_code == 200


def test_revoking_an_access_token_leaves_the_refresh_token(
    sim: SimulatorServer, http: httpx.Client
) -> None:
    pair = sim.control.sign_in_directly()
    assert pair.refresh_token is not None
    http.post("/oauth/revoke", data={"token": pair.access_token, "client_id": CLIENT_ID})
    assert _userinfo(http, pair.access_token) == 401
    assert _refresh(http, pair.refresh_token).status_code == 200


def test_access_token_is_a_jwt_with_the_contract_claims(
    sim: SimulatorServer, sim_clock: ScaledClock, http: httpx.Client
) -> None:
    pair = sim.control.sign_in_directly()
    claims = _claims(pair.access_token)
    assert claims["iss"] == sim.issuer_url
    assert claims["sub"] == sim.config.huudis_user_id
    assert claims["aud"] == "pawpado"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["jti"]
    sim.control.set_access_token_lifetime(30)
    short = sim.control.sign_in_directly()
    assert short.expires_in == 30
    assert _userinfo(http, short.access_token) == 200
    sim_clock.advance(31)
    assert _userinfo(http, short.access_token) == 401
    assert _userinfo(http, pair.access_token) == 200  # minted before the change


def test_no_offline_access_means_no_refresh_token(sim: SimulatorServer) -> None:
    pair = sim.control.sign_in_directly(scope="openid pawpado")
    assert pair.refresh_token is None
    assert "<redacted>" in repr(pair) and pair.access_token not in repr(pair)


def test_revoke_all_tokens_signs_everyone_out(
    sim: SimulatorServer, http: httpx.Client
) -> None:
    pairs = [sim.control.sign_in_directly() for _ in range(2)]
    assert sim.control.revoke_all_tokens() == 2
    assert all(_userinfo(http, p.access_token) == 401 for p in pairs)
