"""Refreshing against the simulator's rotating, reuse-detecting Huudis, through the real API client.

The clock, shared with the simulator, runs 60x: a minute of rate limits and
the refresh retry pauses pass in a second.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.auth.errors import RefreshBlocked, SignInEnded
from pawpado_desktop.auth.manager import AuthEvent, AuthManager
from pawpado_desktop.auth.store import FileStore, KeyringStore, MemoryStore
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.errors import ExitCode, NotSignedIn
from pawpado_desktop.sim.faults import FaultResponse
from pawpado_desktop.sim.huudis import REFRESH_GRANT
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.auth import DictKeyring, ManagerFactory

pytestmark = pytest.mark.world(speed=60)

TOKEN_PATH = "/huudis/oauth/token"
SESSION_PATH = "/api/v1/session"


def signed_in_tokens(sim: SimulatorServer, *, expired: bool = False, due: bool = False) -> TokenSet:
    """A real sign-in from the simulator; optionally already expired, or due for refresh."""
    now = sim.clock.now()
    tokens = TokenSet.from_response(sim.control.sign_in_directly().as_response(), now)
    if expired:
        return TokenSet(tokens.access_token, tokens.refresh_token, now, now)
    if due:
        return TokenSet(tokens.access_token, tokens.refresh_token, tokens.expires_at, now)
    return tokens


def refresh_requests(sim: SimulatorServer) -> int:
    return sim.control.huudis_stats().token_requests.get(REFRESH_GRANT, 0)


async def stored(sim_tokens: TokenSet, factory: ManagerFactory, **kwargs: object) -> AuthManager:
    store = kwargs.pop("store", None) or MemoryStore()
    await store.save(sim_tokens)  # type: ignore[attr-defined]
    return await factory(store, **kwargs)


async def revoke_access_token(sim: SimulatorServer, token: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            sim.issuer_url + "/oauth/revoke",
            data={"token": token, "token_type_hint": "access_token", "client_id": "pawpado-desktop"},
        )
    assert response.status_code == 200


async def test_fifty_calls_with_an_expired_token_cause_one_refresh(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await stored(signed_in_tokens(sim, expired=True), auth_manager_factory)
    api = PawpadoClient(sim.base_url, manager, clock=sim.clock)
    identities = await asyncio.gather(*(api.whoami() for _ in range(50)))
    assert {i.email for i in identities} == {sim.config.email}
    assert refresh_requests(sim) == 1
    assert sim.control.huudis_stats().reuse_detections == 0
    await api.aclose()


async def test_fifty_simultaneous_rejections_cause_one_refresh_and_one_retry_each(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    tokens = signed_in_tokens(sim)
    manager = await stored(tokens, auth_manager_factory)
    await revoke_access_token(sim, tokens.access_token)  # the client still believes in it
    sim.control.clear_request_log()
    api = PawpadoClient(sim.base_url, manager, clock=sim.clock)
    identities = await asyncio.gather(*(api.whoami() for _ in range(50)))
    assert len(identities) == 50
    assert refresh_requests(sim) == 1
    statuses = [r.status for r in sim.control.request_log() if r.path == SESSION_PATH]
    assert statuses.count(401) == 50
    assert statuses.count(200) == 50
    assert len(statuses) == 100  # each call retried exactly once
    await api.aclose()


async def test_the_token_provider_methods_alone_refresh_once(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    tokens = signed_in_tokens(sim)
    manager = await stored(tokens, auth_manager_factory)
    fresh = await asyncio.gather(
        *(manager.refreshed_after_rejection(tokens.access_token) for _ in range(50))
    )
    assert len(set(fresh)) == 1 and fresh[0] != tokens.access_token
    assert refresh_requests(sim) == 1
    # A rejection of a token that was already replaced does not refresh again.
    assert await manager.refreshed_after_rejection(tokens.access_token) == fresh[0]
    assert refresh_requests(sim) == 1


async def test_a_cancelled_caller_does_not_cut_the_refresh_short(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    old = signed_in_tokens(sim, expired=True)
    store = MemoryStore()
    manager = await stored(old, auth_manager_factory, store=store)
    sim.control.set_latency(0.3, TOKEN_PATH)
    caller = asyncio.ensure_future(manager.access_token())
    await asyncio.sleep(0.1)  # the refresh request is on its way
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    sim.control.set_latency(0, TOKEN_PATH)
    token = await manager.access_token()  # joins the refresh still in flight
    saved = await store.load()
    assert saved is not None and saved.refresh_token != old.refresh_token
    assert saved.access_token == token
    assert refresh_requests(sim) == 1
    assert (await PawpadoClient(sim.base_url, manager, clock=sim.clock).whoami()).email == sim.config.email
    assert sim.control.huudis_stats().reuse_detections == 0


async def test_network_trouble_during_refresh_is_retried_with_the_same_token(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await stored(signed_in_tokens(sim, expired=True), auth_manager_factory)
    sim.control.replace_responses(TOKEN_PATH, FaultResponse(status=502), count=2)
    await manager.access_token()
    stats = sim.control.huudis_stats()
    assert stats.refreshes == 1
    assert stats.reuse_detections == 0
    assert manager.is_signed_in


async def test_a_refresh_that_keeps_failing_keeps_a_still_valid_token(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    tokens = signed_in_tokens(sim, due=True)
    manager = await stored(tokens, auth_manager_factory)
    sim.control.replace_responses(TOKEN_PATH, FaultResponse(status=503), count=3)
    assert await manager.access_token() == tokens.access_token
    assert manager.is_signed_in
    fresh = await manager.access_token()  # the server is back
    assert fresh != tokens.access_token


async def test_a_refresh_that_keeps_failing_with_an_expired_token_says_so(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await stored(signed_in_tokens(sim, expired=True), auth_manager_factory)
    sim.control.replace_responses(TOKEN_PATH, FaultResponse(status=500), count=3)
    with pytest.raises(Exception) as caught:
        await manager.access_token()
    assert caught.value.exit_code == ExitCode.NETWORK  # type: ignore[attr-defined]
    assert "HTTP 500" in str(caught.value)
    assert manager.is_signed_in  # a server outage is not a sign-out


async def test_a_revoked_sign_in_ends_cleanly(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    store = MemoryStore()
    manager = await stored(signed_in_tokens(sim), auth_manager_factory, store=store)
    events: list[AuthEvent] = []
    manager.add_listener(events.append)
    api = PawpadoClient(sim.base_url, manager, clock=sim.clock)
    await api.whoami()
    sim.control.revoke_all_tokens()  # e.g. a password change
    with pytest.raises(NotSignedIn) as caught:
        await api.whoami()
    assert isinstance(caught.value, SignInEnded)
    assert caught.value.exit_code == ExitCode.NOT_SIGNED_IN
    assert "sign in again" in caught.value.message
    assert not manager.is_signed_in
    assert await store.load() is None
    assert [e.kind for e in events] == ["signed_out"]
    assert events[0].message == caught.value.message
    with pytest.raises(NotSignedIn):
        await manager.access_token()


async def test_a_lost_refresh_answer_outside_the_grace_window_signs_out_cleanly(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    store = MemoryStore()
    manager = await stored(signed_in_tokens(sim, expired=True), auth_manager_factory, store=store)
    # Huudis rotates, then the answer is lost; retrying with the same token is a replay.
    sim.control.replace_responses(TOKEN_PATH, FaultResponse(status=502), after=True)
    with pytest.raises(SignInEnded):
        await manager.access_token()
    assert sim.control.huudis_stats().reuse_detections == 1
    assert not manager.is_signed_in
    assert await store.load() is None


@pytest.mark.world(refresh_grace_seconds=10)
async def test_a_lost_refresh_answer_inside_the_grace_window_is_recovered(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await stored(signed_in_tokens(sim, expired=True), auth_manager_factory)
    sim.control.replace_responses(TOKEN_PATH, FaultResponse(status=502), after=True)
    token = await manager.access_token()
    assert sim.control.huudis_stats().reuse_detections == 0
    assert (await PawpadoClient(sim.base_url, manager, clock=sim.clock).whoami()).email == sim.config.email
    assert token


async def test_a_keyring_that_breaks_after_a_refresh_keeps_this_run_signed_in(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    backend = DictKeyring()
    store = KeyringStore(backend)
    manager = await stored(signed_in_tokens(sim, expired=True), auth_manager_factory, store=store)
    events: list[AuthEvent] = []
    manager.add_listener(events.append)
    backend.writes_left = 0  # every write fails from now on
    token = await manager.access_token()
    assert [e.kind for e in events] == ["warning"]
    assert events[0].message is not None and "until the app quits" in events[0].message
    assert str(manager.store_warning) == events[0].message
    assert await manager.access_token() == token
    # The stored refresh token is used up: another process that finds it does not
    # replay it (that would revoke the whole sign-in); it waits for the retried save.
    other = await auth_manager_factory(KeyringStore(backend))
    with pytest.raises(RefreshBlocked):
        await other.access_token()
    assert sim.control.huudis_stats().reuse_detections == 0
    assert manager.is_signed_in and other.is_signed_in


# -- sign-out -----------------------------------------------------------------------


async def test_sign_out_revokes_the_current_refresh_token_and_forgets_it(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory, tmp_path: object
) -> None:
    store = MemoryStore()
    tokens = signed_in_tokens(sim)
    manager = await stored(tokens, auth_manager_factory, store=store)
    events: list[AuthEvent] = []
    manager.add_listener(events.append)
    unheard: list[AuthEvent] = []
    manager.add_listener(unheard.append)()  # subscribed, then unsubscribed at once
    await manager.sign_out()
    assert unheard == []
    stats = sim.control.huudis_stats()
    assert stats.revocation_requests == 1
    assert stats.revoked_families == 1
    assert await store.load() is None
    assert not manager.is_signed_in
    assert events == [AuthEvent("signed_out")]


async def test_sign_out_forgets_the_sign_in_even_when_revocation_fails(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    store = MemoryStore()
    manager = await stored(signed_in_tokens(sim), auth_manager_factory, store=store)
    sim.control.replace_responses("/huudis/oauth/revoke", FaultResponse(status=503))
    await manager.sign_out()
    assert await store.load() is None
    assert not manager.is_signed_in


async def test_sign_out_waits_for_a_refresh_in_flight_and_revokes_its_result(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    manager = await stored(signed_in_tokens(sim, expired=True), auth_manager_factory)
    sim.control.set_latency(0.2, TOKEN_PATH)
    refreshing = asyncio.ensure_future(manager.access_token())
    await asyncio.sleep(0.05)
    await manager.sign_out()
    await refreshing
    stats = sim.control.huudis_stats()
    assert stats.refreshes == 1
    assert stats.revoked_families == 1  # the rotated family, through its new refresh token
    assert stats.reuse_detections == 0
    assert not manager.is_signed_in


async def test_signing_out_in_one_process_signs_out_the_other_at_its_next_refresh(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory, tmp_path: object
) -> None:
    path = tmp_path / "credentials.json"  # type: ignore[operator]
    tray = await stored(signed_in_tokens(sim), auth_manager_factory, store=FileStore(path))
    cli = await auth_manager_factory(FileStore(path))
    assert cli.is_signed_in
    await cli.sign_out()
    with pytest.raises(SignInEnded) as caught:
        await tray.refreshed_after_rejection(await tray.access_token())
    assert "another Pawpado window" in caught.value.message
    assert sim.control.huudis_stats().reuse_detections == 0


async def test_an_access_token_refreshed_elsewhere_is_adopted_not_refreshed_again(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory, tmp_path: object
) -> None:
    path = tmp_path / "credentials.json"  # type: ignore[operator]
    first = await stored(signed_in_tokens(sim, expired=True), auth_manager_factory,
                         store=FileStore(path))
    second = await auth_manager_factory(FileStore(path))
    token = await first.access_token()
    assert await second.access_token() == token  # re-read under the lock, not redeemed again
    assert refresh_requests(sim) == 1
    assert sim.control.huudis_stats().reuse_detections == 0


def test_expiry_is_kept_from_expires_in(sim: SimulatorServer) -> None:
    now = sim.clock.now()
    tokens = TokenSet.from_response(sim.control.sign_in_directly().as_response(), now)
    assert tokens.expires_at == now + timedelta(seconds=sim.config.access_token_lifetime)


async def test_without_a_refresh_token_the_access_token_serves_until_it_expires(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory
) -> None:
    pair = sim.control.sign_in_directly(scope="openid pawpado")  # no offline_access
    now = sim.clock.now()
    tokens = TokenSet.from_response(pair.as_response(), now)
    assert tokens.refresh_token is None
    due = TokenSet(tokens.access_token, None, tokens.expires_at, now)
    manager = await stored(due, auth_manager_factory)
    assert await manager.access_token() == tokens.access_token
    assert refresh_requests(sim) == 0
    expired = await stored(TokenSet(tokens.access_token, None, now, now), auth_manager_factory)
    with pytest.raises(SignInEnded):
        await expired.access_token()
    assert refresh_requests(sim) == 0
