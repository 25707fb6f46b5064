"""The credential store on a real Secret Service (gnome-keyring on a private D-Bus session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.auth.errors import CredentialStoreError
from pawpado_desktop.auth.manager import AuthManager
from pawpado_desktop.auth.store import KeyringStore, StoreKey, open_default_store
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.huudis import REFRESH_GRANT
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.auth import SecretServiceBus, running_secret_service, use_secret_service

SERVICE = "pawpado-desktop"


def long_tokens(tag: str) -> TokenSet:
    return TokenSet.from_response(
        {
            "access_token": f"AT-{tag}-" + "a" * 4000,
            "refresh_token": f"RT-{tag}-" + "r" * 3000,
            "expires_in": 3600,
        },
        SYSTEM_CLOCK.now(),
    )


def our_items(bus: SecretServiceBus) -> list[str]:
    """Labels of the items keyring wrote for our service, read straight from D-Bus."""
    import secretstorage

    with secretstorage.dbus_init() as connection:
        return [
            item.get_attributes().get("username", "")
            for item in secretstorage.search_items(connection, {"service": SERVICE})
        ]


async def test_round_trip_replace_and_clear(secret_service: SecretServiceBus) -> None:
    store = KeyringStore()
    assert await store.load() is None
    await store.save(long_tokens("one"))
    await store.save(long_tokens("two"))
    loaded = await store.load()
    assert loaded is not None and loaded.refresh_token is not None
    assert loaded.refresh_token.startswith("RT-two")
    items = our_items(secret_service)
    assert "sign-in" in items
    assert len(items) > 1  # the set was split into chunks under one index entry
    await store.clear()
    assert our_items(secret_service) == []
    assert await store.load() is None
    store.close()


async def test_the_secret_service_is_the_default_store_without_a_warning(
    secret_service: SecretServiceBus,
) -> None:
    opened = await open_default_store()
    assert isinstance(opened.store, KeyringStore)
    assert opened.warning is None
    opened.store.close()


async def test_a_locked_keyring_is_a_clear_keyring_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_secret_service(tmp_path / "locked") as bus:
        use_secret_service(bus, monkeypatch)
        store = KeyringStore(timeout=10)
        await store.save(long_tokens("x"))
        import secretstorage

        with secretstorage.dbus_init() as connection:
            secretstorage.get_default_collection(connection).lock()
        with pytest.raises(CredentialStoreError) as caught:
            await store.load()
        assert caught.value.exit_code == ExitCode.KEYRING
        assert "locked" in caught.value.message
        assert "Unlock it" in caught.value.message
        store.close()
        opened = await open_default_store()
        assert opened.warning is not None and "locked" in str(opened.warning)


async def test_a_configured_secret_service_that_is_not_running(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    opened = await open_default_store(keyring_timeout=10)
    assert opened.warning is not None
    assert not opened.store.persistent


async def test_a_later_run_within_the_hour_needs_no_refresh(
    secret_service: SecretServiceBus, sim: SimulatorServer, auth_http: object
) -> None:
    import httpx

    assert isinstance(auth_http, httpx.AsyncClient)
    store = KeyringStore(key=StoreKey.of(sim.issuer_url, sim.base_url))
    pair = sim.control.sign_in_directly()
    tokens = TokenSet.from_response(pair.as_response(), SYSTEM_CLOCK.now())
    await store.save(tokens)
    store.close()
    # A new "process": a fresh manager on the default store.
    manager = await AuthManager.create(sim.issuer_url, auth_http, api_url=sim.base_url)
    assert manager.is_signed_in
    identity = await PawpadoClient(sim.base_url, manager, http=auth_http).whoami()
    assert identity.email == sim.config.email
    assert sim.control.huudis_stats().token_requests.get(REFRESH_GRANT, 0) == 0
    await manager.aclose()
