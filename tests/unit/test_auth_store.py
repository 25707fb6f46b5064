"""Credential stores: chunking, atomic replacement, failures and the choice of store."""

from __future__ import annotations

import stat
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pawpado_desktop.auth import keyring_store
from pawpado_desktop.auth.errors import CredentialStoreError
from pawpado_desktop.auth.keyring_backend import choose_backend, platform_backends
from pawpado_desktop.auth.store import (
    FileStore,
    KeyringStore,
    MemoryStore,
    open_default_store,
)
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.errors import ConfigError, ExitCode
from tests.support.auth import DictKeyring

NOW = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
WINDOWS_LIMIT = 1280  # characters of a Windows Credential Manager entry


def tokens(tag: str, size: int = 40) -> TokenSet:
    return TokenSet.from_response(
        {
            "access_token": f"AT-{tag}-" + "a" * size,
            "refresh_token": f"RT-{tag}-" + "r" * size,
            "expires_in": 3600,
        },
        NOW,
    )


class ThreadRecordingKeyring(DictKeyring):
    def __init__(self) -> None:
        super().__init__()
        self.threads: set[str] = set()

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.add(threading.current_thread().name)
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.threads.add(threading.current_thread().name)
        super().set_password(service, username, password)


# -- KeyringStore ----------------------------------------------------------------------


async def test_long_tokens_are_split_under_the_windows_limit_and_read_back() -> None:
    backend = DictKeyring(max_chars=WINDOWS_LIMIT)
    store = KeyringStore(backend)
    big = tokens("big", size=5000)  # JWTs of several kB exist
    await store.save(big)
    assert await store.load() == big
    assert backend.longest_write <= WINDOWS_LIMIT
    assert all(service == "pawpado-desktop" for service, _ in backend.entries)
    store.close()


async def test_saving_replaces_the_old_set_and_leaves_no_stale_secret() -> None:
    backend = DictKeyring()
    store = KeyringStore(backend)
    await store.save(tokens("old", size=3000))
    await store.save(tokens("new", size=100))
    loaded = await store.load()
    assert loaded is not None and loaded.refresh_token is not None
    assert loaded.refresh_token.startswith("RT-new")
    assert not any("RT-old" in value for value in backend.entries.values())
    store.close()


@pytest.mark.parametrize("writes_before_crash", [0, 1, 2, 3, 4, 5])
async def test_a_crash_mid_save_leaves_the_previous_set_whole(writes_before_crash: int) -> None:
    backend = DictKeyring(max_chars=WINDOWS_LIMIT)
    store = KeyringStore(backend)
    old = tokens("old", size=2500)
    await store.save(old)
    backend.writes_left = writes_before_crash  # the new set needs 6 chunk writes + the index
    with pytest.raises(CredentialStoreError):
        await store.save(tokens("new", size=2600))
    backend.writes_left = None
    assert await store.load() == old
    # and the next save works normally after the crash
    newest = tokens("newest", size=2600)
    await store.save(newest)
    assert await store.load() == newest
    store.close()


async def test_clear_removes_every_entry() -> None:
    backend = DictKeyring()
    store = KeyringStore(backend)
    await store.save(tokens("a", size=4000))
    await store.save(tokens("b", size=4000))
    await store.clear()
    assert backend.entries == {}
    assert await store.load() is None
    await store.clear()  # clearing nothing is fine
    store.close()


async def test_a_damaged_entry_reads_as_signed_out() -> None:
    backend = DictKeyring()
    store = KeyringStore(backend)
    await store.save(tokens("a", size=3000))
    chunk = next(key for key in backend.entries if key[1].endswith(".1"))
    backend.entries[chunk] = "x" * len(backend.entries[chunk])
    assert await store.load() is None
    backend.entries[("pawpado-desktop", "sign-in")] = "{not json"
    assert await store.load() is None
    store.close()


async def test_every_keyring_call_runs_on_one_worker_thread() -> None:
    backend = ThreadRecordingKeyring()
    store = KeyringStore(backend)
    for i in range(5):
        await store.save(tokens(str(i)))
        await store.load()
    assert len(backend.threads) == 1
    assert backend.threads != {threading.current_thread().name}
    store.close()


async def test_no_backend_is_one_user_facing_keyring_error() -> None:
    store = KeyringStore()  # the autouse fixture configures keyring's fail backend
    with pytest.raises(CredentialStoreError) as caught:
        await store.load()
    assert caught.value.exit_code == ExitCode.KEYRING
    assert "No system keyring" in caught.value.message
    assert "PAWPADO_CREDENTIAL_STORE=file" in caught.value.message
    store.close()


async def test_a_value_the_backend_refuses_is_a_keyring_error() -> None:
    store = KeyringStore(DictKeyring(max_chars=50), chunk_chars=1000)
    with pytest.raises(CredentialStoreError) as caught:
        await store.save(tokens("x", size=500))
    assert "refused to store" in caught.value.message
    assert "RT-x" not in caught.value.message
    store.close()


async def test_a_hanging_keyring_times_out_and_later_calls_fail_fast(
    hanging_keyring: Any,
) -> None:
    store = KeyringStore(timeout=0.2)
    with pytest.raises(CredentialStoreError) as caught:
        await store.save(tokens("x"))
    assert "did not answer within 0.2 seconds" in caught.value.message
    assert caught.value.exit_code == ExitCode.KEYRING
    calls = hanging_keyring.calls
    with pytest.raises(CredentialStoreError):
        await store.load()  # the thread is still stuck: no new call is queued behind it
    assert hanging_keyring.calls == calls
    store.close()


async def test_a_configured_backend_that_cannot_load_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no.such.Backend")
    store = KeyringStore()
    with pytest.raises(CredentialStoreError) as caught:
        await store.probe()
    assert "PYTHON_KEYRING_BACKEND" in caught.value.message
    store.close()


# -- choosing a backend ----------------------------------------------------------------


def _fake_backend(module: str, priority: float) -> Any:
    cls = type("Keyring", (), {"priority": priority, "__module__": module})
    return cls()


def test_auto_selection_never_picks_plaintext_or_alt_backends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    alt = _fake_backend("keyrings.alt.file", 0.5)
    cryptfile = _fake_backend("keyrings.cryptfile.cryptfile", 2.5)
    chainer = _fake_backend("keyring.backends.chainer", 10)
    with pytest.raises(CredentialStoreError, match="No system keyring"):
        choose_backend(lambda: [alt, cryptfile, chainer])
    secret_service = _fake_backend("keyring.backends.SecretService", 5)
    kwallet = _fake_backend("keyring.backends.kwallet", 4.9)
    assert choose_backend(lambda: [cryptfile, kwallet, secret_service, alt]) is secret_service


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32", "freebsd14"])
def test_only_the_platforms_os_keyrings_are_candidates(platform: str) -> None:
    candidates = platform_backends(platform)
    assert candidates, "every platform has an OS keyring to try"
    modules = {type(backend).__module__ for backend in candidates}
    expected = {
        "darwin": {"keyring.backends.macOS"},
        "win32": {"keyring.backends.Windows"},
    }.get(platform, {"keyring.backends.SecretService", "keyring.backends.kwallet"})
    assert modules == expected


@pytest.mark.skipif(sys.platform != "linux", reason="the Secret Service is Linux's keyring")
def test_without_a_reachable_os_keyring_no_fallback_is_chosen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    with pytest.raises(CredentialStoreError, match="No system keyring"):
        choose_backend()


def test_the_users_explicit_backend_choice_is_obeyed_even_if_plaintext(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.auth.DictKeyring")
    chosen = choose_backend(lambda: pytest.fail("no auto-selection when configured"))
    assert isinstance(chosen, DictKeyring)


def test_keyringrc_is_the_users_choice_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import keyring.util.platform_ as platform

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    root = Path(platform.config_root())
    assert str(root).startswith(str(tmp_path)), "keyring config must be isolated per test"
    root.mkdir(parents=True, exist_ok=True)
    (root / "keyringrc.cfg").write_text(
        "[backend]\ndefault-keyring=tests.support.auth.DictKeyring\n"
    )
    assert isinstance(choose_backend(lambda: []), DictKeyring)
    (root / "keyringrc.cfg").write_text("[backend]\ndefault-keyring=keyring.backends.null.Keyring\n")
    with pytest.raises(CredentialStoreError, match="turns the keyring off"):
        choose_backend(lambda: [])


# -- FileStore and MemoryStore ------------------------------------------------------------


async def test_file_store_is_private_and_round_trips(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "dir" / "credentials.json")
    assert await store.load() is None
    first = tokens("one")
    await store.save(first)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert await store.load() == first
    await store.clear()
    assert not store.path.exists()
    assert await store.load() is None


async def test_file_store_failure_is_a_keyring_class_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    store = FileStore(blocker / "credentials.json")
    with pytest.raises(CredentialStoreError) as caught:
        await store.save(tokens("x"))
    assert "RT-x" not in caught.value.message


async def test_memory_store_round_trips() -> None:
    store = MemoryStore()
    assert not store.persistent
    await store.save(tokens("m"))
    assert await store.load() == tokens("m")
    await store.clear()
    assert await store.load() is None


# -- open_default_store ------------------------------------------------------------------


async def test_without_a_keyring_the_sign_in_is_kept_in_memory_with_a_warning() -> None:
    opened = await open_default_store()
    assert isinstance(opened.store, MemoryStore)
    assert opened.warning is not None
    assert "No system keyring" in str(opened.warning)
    assert "only while the app runs" in str(opened.warning)


async def test_a_hanging_keyring_falls_back_to_memory(hanging_keyring: Any) -> None:
    opened = await open_default_store(keyring_timeout=0.2)
    assert isinstance(opened.store, MemoryStore)
    assert opened.warning is not None and "did not answer" in str(opened.warning)


async def test_a_working_keyring_is_used_without_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.auth.DictKeyring")
    opened = await open_default_store()
    assert isinstance(opened.store, KeyringStore)
    assert opened.warning is None
    opened.store.close()


async def test_file_store_only_when_opted_in(isolated_config: Path) -> None:
    opened = await open_default_store({"PAWPADO_CREDENTIAL_STORE": "file"})
    assert isinstance(opened.store, FileStore)
    assert opened.store.path.parent == isolated_config
    assert opened.warning is not None and "plain file" in str(opened.warning)


async def test_memory_by_choice_and_bad_values() -> None:
    opened = await open_default_store({"PAWPADO_CREDENTIAL_STORE": "memory"})
    assert isinstance(opened.store, MemoryStore)
    with pytest.raises(ConfigError, match="PAWPADO_CREDENTIAL_STORE"):
        await open_default_store({"PAWPADO_CREDENTIAL_STORE": "plaintext-please"})


def test_chunk_size_fits_windows() -> None:
    assert keyring_store.CHUNK_CHARS < WINDOWS_LIMIT
