"""Where the sign-in is kept: the OS keyring, memory, or (opted in) a file.

Only what a later run needs is kept: the refresh token, the access token and
its deadlines, so a CLI call within the hour needs no refresh. We never fall
back to plaintext on our own: without a usable keyring the sign-in lives in
memory for this run and the caller gets a warning to show.

Every persistent store is filed under its servers (`StoreKey`): a process
loads only the sign-in made for its own Huudis issuer and Pawpado API.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pawpado_desktop.atomic_file import atomic_write
from pawpado_desktop.auth.errors import CredentialStoreError
from pawpado_desktop.auth.keyring_backend import OPT_IN_FILE, OPT_IN_FILE_PHRASE
from pawpado_desktop.auth.keyring_store import KeyringStore
from pawpado_desktop.auth.storekey import DEFAULT_KEY, StoreKey
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.config import config_dir
from pawpado_desktop.errors import ConfigError, Phrase

__all__ = [
    "CredentialStore",
    "CredentialStoreError",
    "FileStore",
    "KeyringStore",
    "MemoryStore",
    "OpenedStore",
    "StoreKey",
    "credentials_path",
    "open_default_store",
]

log = logging.getLogger(__name__)

STORE_ENV = "PAWPADO_CREDENTIAL_STORE"
CREDENTIALS_FILE = "credentials.json"


class CredentialStore(Protocol):
    @property
    def persistent(self) -> bool:
        """Whether another process, or a later run, sees what is saved."""
        ...

    @property
    def description(self) -> Phrase:
        """Where the sign-in is kept, for messages ("the system keyring")."""
        ...

    @property
    def key_id(self) -> str:
        """A short, non-secret name of what this store holds (which servers' sign-in)."""
        ...

    async def load(self) -> TokenSet | None: ...

    async def save(self, tokens: TokenSet) -> None:
        """Replace the stored set as a whole; a failure leaves the previous one intact."""
        ...

    async def clear(self) -> None: ...

    def close(self) -> None: ...


class MemoryStore:
    """Kept for this run only."""

    persistent = False
    description = Phrase("memory (until the app quits)")
    key_id = "memory"

    def __init__(self) -> None:
        self._tokens: TokenSet | None = None

    def __repr__(self) -> str:
        return "MemoryStore()"

    async def load(self) -> TokenSet | None:
        return self._tokens

    async def save(self, tokens: TokenSet) -> None:
        self._tokens = tokens

    async def clear(self) -> None:
        self._tokens = None

    def close(self) -> None:
        pass


def credentials_path(key: StoreKey = DEFAULT_KEY, directory: Path | None = None) -> Path:
    """The opt-in file for `key`'s sign-in; the production servers keep the old name."""
    name = CREDENTIALS_FILE if key.is_default else f"credentials-{key.id}.json"
    return (directory or config_dir()) / name


class FileStore:
    """Opt-in plaintext file, 0600, replaced atomically; one file per pair of servers."""

    persistent = True

    def __init__(self, path: Path | None = None, *, key: StoreKey = DEFAULT_KEY) -> None:
        self.path = path or credentials_path(key)
        self.key = key

    @property
    def key_id(self) -> str:
        return self.key.id

    def __repr__(self) -> str:
        return f"FileStore({str(self.path)!r})"

    @property
    def description(self) -> Phrase:
        return Phrase("the file {path}", path=self.path)

    @property
    def warning(self) -> Phrase:
        return Phrase(
            "Your sign-in is kept in a plain file ({path}), as you chose with {env}=file. "
            "Any program running as you can read it.",
            path=self.path,
            env=STORE_ENV,
        )

    async def load(self) -> TokenSet | None:
        try:
            text = await asyncio.to_thread(self._read)
        except OSError as exc:
            raise self._error("read", exc) from None
        if text is None:
            return None
        tokens = TokenSet.from_json(text)
        if tokens is None:
            log.warning("the credentials file is damaged; treating it as signed out")
        return tokens

    async def save(self, tokens: TokenSet) -> None:
        payload = tokens.to_json()
        try:
            await asyncio.to_thread(atomic_write, self.path, payload, mode=0o600)
        except OSError as exc:
            raise self._error("write", exc) from None

    async def clear(self) -> None:
        try:
            await asyncio.to_thread(self.path.unlink, missing_ok=True)
        except OSError as exc:
            raise self._error("delete", exc) from None

    def close(self) -> None:
        pass

    def _read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def _error(self, action: str, exc: OSError) -> CredentialStoreError:
        reason = exc.strerror or type(exc).__name__
        if action == "read":
            return CredentialStoreError(
                "Could not read the credentials file {path} ({reason}). Check that the folder "
                "exists and belongs to you, or unset {env} to use the system keyring.",
                path=self.path,
                reason=reason,
                env=STORE_ENV,
            )
        if action == "delete":
            return CredentialStoreError(
                "Could not delete the credentials file {path} ({reason}). Check that the "
                "folder exists and belongs to you, or unset {env} to use the system keyring.",
                path=self.path,
                reason=reason,
                env=STORE_ENV,
            )
        return CredentialStoreError(
            "Could not write the credentials file {path} ({reason}). Check that the folder "
            "exists and belongs to you, or unset {env} to use the system keyring.",
            path=self.path,
            reason=reason,
            env=STORE_ENV,
        )


@dataclass(frozen=True)
class OpenedStore:
    store: CredentialStore
    warning: Phrase | None  # for the UI/CLI to show (worded by present/); None: all is well


async def open_default_store(
    env: Mapping[str, str] | None = None,
    *,
    key: StoreKey | None = None,
    keyring_timeout: float | None = None,
    choice: str | None = None,
    directory: Path | None = None,
) -> OpenedStore:
    """The store the rules pick: the user's opt-in, else the OS keyring, else memory.

    `key`: whose sign-in it holds (default: the servers `env` points at). `choice`:
    the opt-in already read (default: `env`'s). `directory`: the config folder.
    """
    env = os.environ if env is None else env
    key = key or StoreKey.from_env(env)
    choice = (env.get(STORE_ENV, "") if choice is None else choice).strip().lower()
    if choice == "file":
        file_store = FileStore(credentials_path(key, directory), key=key)
        return OpenedStore(file_store, file_store.warning)
    if choice == "memory":
        return OpenedStore(
            MemoryStore(),
            Phrase(
                "Your sign-in is kept only while the app runs, as you chose with {env}=memory.",
                env=STORE_ENV,
            ),
        )
    if choice not in ("", "keyring"):
        raise ConfigError(
            "{env} is {choice!r}; use 'keyring' (the default), 'file' or 'memory'.",
            env=STORE_ENV,
            choice=choice,
        )
    keyring_store = (
        KeyringStore(key=key)
        if keyring_timeout is None
        else KeyringStore(key=key, timeout=keyring_timeout)
    )
    try:
        await keyring_store.probe()
    except CredentialStoreError as exc:
        keyring_store.close()
        log.warning("no usable keyring; keeping the sign-in in memory")
        warning = exc.phrase
        if OPT_IN_FILE not in exc.message:
            warning = Phrase("{problem} {opt_in}", problem=exc.phrase, opt_in=OPT_IN_FILE_PHRASE)
        return OpenedStore(MemoryStore(), warning)
    return OpenedStore(keyring_store, None)
