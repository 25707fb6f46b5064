"""The token set in the OS keyring, split into chunks under one index entry.

Windows Credential Manager holds about 1280 characters per entry and JWTs can
be longer, so the serialized set is cut into chunks. Two slots alternate: a
save writes every chunk of the slot not in use, then replaces the index (one
small entry, the commit point), then drops the old slot. A crash at any step
leaves the index pointing at one complete set, old or new, never a mix.

Each pair of servers (`StoreKey`) has its own index and chunks. The production
servers keep the entry names used before sign-ins were keyed ("sign-in",
"sign-in.a.0", ...), so an existing sign-in carries over with nothing to copy;
any other pair gets "sign-in:<key id>". The index also names its servers, and
an index naming other servers is never loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from pawpado_desktop.auth.errors import CredentialStoreError
from pawpado_desktop.auth.keyring_backend import backend_name, choose_backend, failure_to_error
from pawpado_desktop.auth.storekey import DEFAULT_KEY, StoreKey
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.auth.worker import SerialWorker
from pawpado_desktop.errors import Phrase

log = logging.getLogger(__name__)

SERVICE = "pawpado-desktop"
INDEX_ENTRY = "sign-in"
SLOTS = ("a", "b")
# Well under the ~1280 UTF-16 characters of a Windows credential; our JSON is ASCII.
CHUNK_CHARS = 1000
MAX_CHUNKS = 64  # 64 000 characters: far beyond any real token set
DEFAULT_TIMEOUT = 20.0  # long enough to type an unlock password, short enough to notice a hang

T = TypeVar("T")


def _digest(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


class KeyringStore:
    """`CredentialStore` on the OS keyring; every call on one worker thread, with a timeout."""

    persistent = True

    def __init__(
        self,
        backend: Any | None = None,
        *,
        key: StoreKey = DEFAULT_KEY,
        service: str = SERVICE,
        timeout: float = DEFAULT_TIMEOUT,
        chunk_chars: int = CHUNK_CHARS,
        choose: Callable[[], Any] = choose_backend,
    ) -> None:
        self._backend = backend  # resolved on the worker when None: probing blocks
        self._choose = choose
        self._service = service
        self.key = key
        self._index_entry = INDEX_ENTRY if key.is_default else f"{INDEX_ENTRY}:{key.id}"
        self._timeout = timeout
        self._chunk_chars = chunk_chars
        self._worker = SerialWorker("pawpado-keyring")

    def __repr__(self) -> str:
        return f"KeyringStore(service={self._service!r}, entry={self._index_entry!r})"

    @property
    def key_id(self) -> str:
        return self.key.id

    @property
    def description(self) -> Phrase:
        return Phrase("the system keyring")

    async def probe(self) -> None:
        """Raise CredentialStoreError now if the keyring cannot be used."""
        await self._call(self._read_index, "read")

    async def load(self) -> TokenSet | None:
        return await self._call(self._load_sync, "read")

    async def save(self, tokens: TokenSet) -> None:
        await self._call(lambda: self._save_sync(tokens.to_json()), "save")

    async def clear(self) -> None:
        await self._call(self._clear_sync, "delete")

    def close(self) -> None:
        self._worker.close()

    async def _call(self, fn: Callable[[], T], action: str) -> T:
        try:
            return await self._worker.run(fn, self._timeout)
        except TimeoutError as exc:
            raise failure_to_error(exc, action, self._timeout) from None
        except Exception as exc:
            log.debug("keyring %s failed: %s", action, type(exc).__name__)
            raise failure_to_error(exc, action, self._timeout) from None

    # -- on the worker thread ---------------------------------------------------

    def _kr(self) -> Any:
        if self._backend is None:
            self._backend = self._choose()
            log.info("credentials are kept in %s", backend_name(self._backend))
        return self._backend

    def _get(self, entry: str) -> str | None:
        value = self._kr().get_password(self._service, entry)
        return value if isinstance(value, str) else None

    def _delete(self, entry: str) -> bool:
        from keyring.errors import PasswordDeleteError

        try:
            self._kr().delete_password(self._service, entry)
        except PasswordDeleteError:
            return False  # it was not there
        return True

    def _read_index(self) -> dict[str, Any] | None:
        raw = self._get(self._index_entry)
        if raw is None:
            return None
        try:
            index = json.loads(raw)
        except ValueError:
            index = None
        valid = (
            isinstance(index, dict)
            and index.get("slot") in SLOTS
            and isinstance(index.get("chunks"), int)
            and 0 < index["chunks"] <= MAX_CHUNKS
            and isinstance(index.get("sha256"), str)
        )
        if not valid:
            log.warning("the stored sign-in index is damaged; treating it as signed out")
            return None
        # An index written before keying names no servers (only the default entry has one).
        if index.get("issuer", self.key.issuer) != self.key.issuer or index.get(
            "api", self.key.api
        ) != self.key.api:
            log.warning("the stored sign-in belongs to other servers; not using it")
            return None
        return index  # type: ignore[no-any-return]

    def _load_sync(self) -> TokenSet | None:
        index = self._read_index()
        if index is None:
            return None
        parts = [self._get(self._chunk(index["slot"], i)) for i in range(index["chunks"])]
        if any(part is None for part in parts):
            log.warning("part of the stored sign-in is missing; treating it as signed out")
            return None
        payload = "".join(p for p in parts if p is not None)
        if _digest(payload) != index["sha256"]:
            log.warning("the stored sign-in does not match its index; treating it as signed out")
            return None
        tokens = TokenSet.from_json(payload)
        if tokens is None:
            log.warning("the stored sign-in is in an unknown format; treating it as signed out")
        return tokens

    def _save_sync(self, payload: str) -> None:
        chunks = [
            payload[i : i + self._chunk_chars] for i in range(0, len(payload), self._chunk_chars)
        ]
        if len(chunks) > MAX_CHUNKS:
            raise CredentialStoreError("The sign-in is too large to keep in the system keyring.")
        current = self._read_index()
        old_slot = current["slot"] if current else SLOTS[1]
        new_slot = SLOTS[0] if old_slot == SLOTS[1] else SLOTS[1]
        for i, chunk in enumerate(chunks):
            self._kr().set_password(self._service, self._chunk(new_slot, i), chunk)
        index = {
            "v": 1,
            "slot": new_slot,
            "chunks": len(chunks),
            "sha256": _digest(payload),
            "issuer": self.key.issuer,
            "api": self.key.api,
        }
        self._kr().set_password(self._service, self._index_entry, json.dumps(index))
        # Committed. Leftovers are harmless (the index says how many chunks count),
        # but the old slot holds a dead refresh token: tidy up, best effort.
        try:
            self._delete_from(new_slot, len(chunks))
            self._delete_from(old_slot, 0)
        except Exception as exc:
            log.debug("could not tidy old keyring entries: %s", type(exc).__name__)

    def _clear_sync(self) -> None:
        self._delete(self._index_entry)  # first: without the index nothing else counts
        for slot in SLOTS:
            self._delete_from(slot, 0)

    def _delete_from(self, slot: str, first: int) -> None:
        for i in range(first, MAX_CHUNKS):
            if not self._delete(self._chunk(slot, i)):
                return

    def _chunk(self, slot: str, i: int) -> str:
        return f"{self._index_entry}.{slot}.{i}"
