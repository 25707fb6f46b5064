"""Identity-provider answers the simulator never gives: each is a clear error, nothing half-stored."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from pawpado_desktop.auth.errors import AuthServiceError, SignInEnded
from pawpado_desktop.auth.manager import AuthManager
from pawpado_desktop.auth.store import MemoryStore
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.clock import SYSTEM_CLOCK, ScaledClock
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.tls import tls_context
from tests.support.auth import CannedIdP

PENDING = (400, {"error": "authorization_pending"})


def device_answer(**changes: object) -> tuple[int, dict[str, object]]:
    body: dict[str, object] = {
        "device_code": "dc-canned-device-code",
        "user_code": "WDJB-MJHT",
        "verification_uri": "http://127.0.0.1/idp/device",  # on the canned issuer's host
        "expires_in": 600,
        "interval": 1,
    }
    body.update(changes)
    return 200, {k: v for k, v in body.items() if v is not None}


@pytest.fixture
async def manager_on(tmp_path: Path) -> object:
    made: list[AuthManager] = []
    http = httpx.AsyncClient(timeout=5, verify=tls_context())

    async def make(idp: CannedIdP, store: MemoryStore, **kwargs: object) -> AuthManager:
        manager = AuthManager(
            idp.issuer_url, store, http, lock_path=tmp_path / "auth.lock", **kwargs  # type: ignore[arg-type]
        )
        await manager.load()
        made.append(manager)
        return manager

    yield make
    for manager in made:
        await manager.aclose()
    await http.aclose()


def expired_tokens() -> TokenSet:
    now = SYSTEM_CLOCK.now()
    return TokenSet("AT-old", "RT-old", now, now)


@pytest.mark.parametrize(
    "field", ["issuer", "device_authorization_endpoint", "token_endpoint", "revocation_endpoint"]
)
async def test_a_discovery_document_missing_a_field(
    canned_idp: CannedIdP, manager_on: object, field: str
) -> None:
    canned_idp.script("/.well-known/openid-configuration", (200, canned_idp.discovery(**{field: None})))
    store = MemoryStore()
    manager = await manager_on(canned_idp, store)  # type: ignore[operator]
    with pytest.raises(AuthServiceError) as caught:
        await manager.start_sign_in()
    assert repr(field) in caught.value.message
    assert "Nothing was stored" in caught.value.message
    assert canned_idp.requests_to("/device") == []
    assert await store.load() is None


@pytest.mark.parametrize(
    ("answer", "wanted"),
    [
        ((404, {"error": "not_found"}), "did not send its configuration"),
        ((200, ["not", "an", "object"]), "did not send its configuration"),
        ((503, {}), "having trouble (HTTP 503)"),
    ],
)
async def test_discovery_that_fails(
    canned_idp: CannedIdP, manager_on: object, answer: tuple[int, object], wanted: str
) -> None:
    canned_idp.script("/.well-known/openid-configuration", answer)
    manager = await manager_on(canned_idp, MemoryStore())  # type: ignore[operator]
    with pytest.raises(AuthServiceError, match=re.escape(wanted)):
        await manager.start_sign_in()


async def test_discovery_naming_another_issuer_or_an_insecure_endpoint_is_refused(
    canned_idp: CannedIdP, manager_on: object
) -> None:
    canned_idp.script(
        "/.well-known/openid-configuration",
        (200, canned_idp.discovery(issuer="https://evil.example")),
        (200, canned_idp.discovery(token_endpoint="http://evil.example/token")),
    )
    manager = await manager_on(canned_idp, MemoryStore())  # type: ignore[operator]
    with pytest.raises(AuthServiceError, match="different issuer"):
        await manager.start_sign_in()
    manager = await manager_on(canned_idp, MemoryStore())  # type: ignore[operator]
    with pytest.raises(AuthServiceError, match="not secure"):
        await manager.start_sign_in()


async def test_endpoints_come_from_discovery_not_from_fixed_paths(
    canned_idp: CannedIdP, manager_on: object
) -> None:
    canned_idp.script(
        "/.well-known/openid-configuration",
        (200, canned_idp.discovery(device_authorization_endpoint=canned_idp.issuer_url + "/x/da")),
    )
    canned_idp.script("/x/da", device_answer())
    manager = await manager_on(canned_idp, MemoryStore())  # type: ignore[operator]
    flow = await manager.start_sign_in()
    assert flow.user_code == "WDJB-MJHT"
    form = canned_idp.requests_to("/x/da")[0].form
    assert form == {"client_id": "pawpado-desktop", "scope": "openid email offline_access pawpado"}


async def test_interval_and_expiry_sent_as_strings(canned_idp: CannedIdP, manager_on: object) -> None:
    clock = ScaledClock(20)
    canned_idp.script("/.well-known/openid-configuration", (200, canned_idp.discovery()))
    canned_idp.script("/device", device_answer(interval="3", expires_in="60"))
    canned_idp.script(
        "/token",
        PENDING,
        (200, {"access_token": "AT-new", "token_type": "bearer", "expires_in": "3600",
               "refresh_token": "RT-new"}),
    )
    store = MemoryStore()
    manager = await manager_on(canned_idp, store, clock=clock)  # type: ignore[operator]
    before = clock.now()
    flow = await manager.start_sign_in()
    after = clock.now()  # at 20x a busy machine's round trip is seconds of this clock
    assert flow.interval == 3
    assert before + timedelta(seconds=59) <= flow.expires_at <= after + timedelta(seconds=61)
    await asyncio.wait_for(flow.wait(), 10)
    saved = await store.load()
    assert saved is not None and saved.refresh_token == "RT-new"
    assert saved.expires_at - before >= timedelta(seconds=3599)
    assert canned_idp.requests_to("/token")[0].form["device_code"] == "dc-canned-device-code"


async def test_a_device_answer_missing_the_user_code(canned_idp: CannedIdP, manager_on: object) -> None:
    canned_idp.script("/.well-known/openid-configuration", (200, canned_idp.discovery()))
    canned_idp.script("/device", device_answer(user_code=None))
    manager = await manager_on(canned_idp, MemoryStore())  # type: ignore[operator]
    with pytest.raises(AuthServiceError, match="'user_code'"):
        await manager.start_sign_in()


async def test_an_approval_without_an_access_token_stores_nothing(
    canned_idp: CannedIdP, manager_on: object
) -> None:
    canned_idp.script("/.well-known/openid-configuration", (200, canned_idp.discovery()))
    canned_idp.script("/device", device_answer())
    canned_idp.script("/token", (200, {"token_type": "Bearer", "refresh_token": "RT-x"}))
    store = MemoryStore()
    manager = await manager_on(canned_idp, store, clock=ScaledClock(20))  # type: ignore[operator]
    flow = await manager.start_sign_in()
    with pytest.raises(AuthServiceError, match="access_token"):
        await asyncio.wait_for(flow.wait(), 10)
    assert await store.load() is None
    assert not manager.is_signed_in


async def test_a_refresh_answer_without_a_refresh_token_keeps_the_old_one(
    canned_idp: CannedIdP, manager_on: object
) -> None:
    canned_idp.script("/.well-known/openid-configuration", (200, canned_idp.discovery()))
    canned_idp.script("/token", (200, {"access_token": "AT-new", "token_type": "Bearer",
                                      "expires_in": 3600}))
    store = MemoryStore()
    await store.save(expired_tokens())
    manager = await manager_on(canned_idp, store)  # type: ignore[operator]
    assert await manager.access_token() == "AT-new"
    saved = await store.load()
    assert saved is not None and saved.refresh_token == "RT-old"
    form = canned_idp.requests_to("/token")[0].form
    assert form == {"grant_type": "refresh_token", "refresh_token": "RT-old",
                    "client_id": "pawpado-desktop"}


async def test_a_refresh_answer_that_is_not_json_changes_nothing(
    canned_idp: CannedIdP, manager_on: object
) -> None:
    canned_idp.script("/.well-known/openid-configuration", (200, canned_idp.discovery()))
    canned_idp.script("/token", (200, b"<html>proxy says hi</html>"))
    store = MemoryStore()
    old = expired_tokens()
    await store.save(old)
    manager = await manager_on(canned_idp, store)  # type: ignore[operator]
    with pytest.raises(AuthServiceError) as caught:
        await manager.access_token()
    assert "cannot read" in caught.value.message
    assert caught.value.exit_code == ExitCode.NETWORK
    assert await store.load() == old
    assert manager.is_signed_in


async def test_invalid_grant_on_refresh_means_signed_out(
    canned_idp: CannedIdP, manager_on: object
) -> None:
    canned_idp.script("/.well-known/openid-configuration", (200, canned_idp.discovery()))
    canned_idp.script("/token", (400, {"error": "invalid_grant"}))
    store = MemoryStore()
    await store.save(expired_tokens())
    manager = await manager_on(canned_idp, store)  # type: ignore[operator]
    with pytest.raises(SignInEnded, match="sign in again"):
        await manager.access_token()
    assert len(canned_idp.requests_to("/token")) == 1  # final: never retried
    assert await store.load() is None


async def test_another_refresh_error_is_reported_without_signing_out(
    canned_idp: CannedIdP, manager_on: object
) -> None:
    canned_idp.script("/.well-known/openid-configuration", (200, canned_idp.discovery()))
    canned_idp.script("/token", (401, {"error": "invalid_client"}))
    store = MemoryStore()
    await store.save(expired_tokens())
    manager = await manager_on(canned_idp, store)  # type: ignore[operator]
    with pytest.raises(AuthServiceError, match="invalid_client"):
        await manager.access_token()
    assert manager.is_signed_in
