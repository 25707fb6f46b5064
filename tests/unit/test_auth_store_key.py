"""Stored sign-ins are filed under their servers; the production servers keep the old names."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pawpado_desktop.auth.keyring_store import SERVICE
from pawpado_desktop.auth.store import (
    FileStore,
    KeyringStore,
    StoreKey,
    credentials_path,
    open_default_store,
)
from pawpado_desktop.auth.storekey import DEFAULT_KEY
from pawpado_desktop.auth.tokens import TokenSet
from tests.support.auth import DictKeyring

NOW = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
STAGING = StoreKey.of("https://huudis.staging.example", "https://pawpado.staging.example")


def tokens(tag: str) -> TokenSet:
    return TokenSet.from_response(
        {"access_token": f"AT-{tag}", "refresh_token": f"RT-{tag}", "expires_in": 3600}, NOW
    )


def test_keys_ignore_spelling_that_names_the_same_server() -> None:
    assert StoreKey.of("HTTPS://Huudis.com:443/", "https://pawpado.com") == DEFAULT_KEY
    assert DEFAULT_KEY.is_default and not STAGING.is_default
    assert StoreKey.of("http://127.0.0.1:8080/huudis", "http://127.0.0.1:8080") != StoreKey.of(
        "http://127.0.0.1:8081/huudis", "http://127.0.0.1:8081"
    )
    # Same issuer, another API: another sign-in.
    assert StoreKey.of("https://huudis.com", "https://other.example") != DEFAULT_KEY


async def test_each_server_pair_has_its_own_keyring_entries() -> None:
    backend = DictKeyring()
    production, staging = KeyringStore(backend), KeyringStore(backend, key=STAGING)
    await production.save(tokens("prod"))
    assert await staging.load() is None  # never the other server's sign-in
    await staging.save(tokens("staging"))
    await staging.clear()
    loaded = await production.load()  # switching back: untouched
    assert loaded is not None and loaded.refresh_token == "RT-prod"
    production.close()
    staging.close()


async def test_an_unkeyed_entry_carries_over_to_the_production_servers_only() -> None:
    backend = DictKeyring()
    old = TokenSet.from_json(tokens("old").to_json())
    assert old is not None
    # As written before sign-ins were keyed: an index that names no servers.
    payload = old.to_json()
    backend.entries[(SERVICE, "sign-in.a.0")] = payload
    digest = hashlib.sha256(payload.encode()).hexdigest()[:32]
    backend.entries[(SERVICE, "sign-in")] = json.dumps(
        {"v": 1, "slot": "a", "chunks": 1, "sha256": digest}
    )
    assert await KeyringStore(backend).load() == old
    assert await KeyringStore(backend, key=STAGING).load() is None


async def test_an_index_naming_other_servers_is_not_loaded() -> None:
    backend = DictKeyring()
    await KeyringStore(backend).save(tokens("prod"))
    index = json.loads(backend.entries[(SERVICE, "sign-in")])
    index["api"] = "https://elsewhere.example"
    backend.entries[(SERVICE, "sign-in")] = json.dumps(index)
    assert await KeyringStore(backend).load() is None


async def test_the_file_store_keeps_one_file_per_server_pair(tmp_path: Path) -> None:
    assert credentials_path(DEFAULT_KEY, tmp_path) == tmp_path / "credentials.json"
    staging_path = credentials_path(STAGING, tmp_path)
    assert staging_path.parent == tmp_path and staging_path.name != "credentials.json"
    await FileStore(credentials_path(DEFAULT_KEY, tmp_path)).save(tokens("prod"))
    await FileStore(staging_path).save(tokens("staging"))
    await FileStore(staging_path).clear()
    assert (await FileStore(tmp_path / "credentials.json").load()) == tokens("prod")


async def test_the_default_store_is_keyed_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, isolated_config: Path
) -> None:
    env = {
        "PAWPADO_CREDENTIAL_STORE": "file",
        "PAWPADO_BASE_URL": "https://pawpado.staging.example",
        "PAWPADO_AUTH_URL": "https://huudis.staging.example",
    }
    opened = await open_default_store(env)
    assert isinstance(opened.store, FileStore)
    assert opened.store.path == credentials_path(STAGING)
    assert opened.store.key_id == STAGING.id
