"""The sign-in manager: one per process, the API client's `TokenProvider`.

Refresh tokens rotate and a replayed one signs the user out everywhere, so:
- exactly one refresh is in flight per process (a shared task; waiters look
  again at which token is current before asking for another);
- across processes a file lock orders refreshes, and the stored tokens are
  re-read inside it (another process may have rotated them already);
- "redeem, then store" runs as one task callers cannot cancel, and the new
  refresh token is stored before the new access token is handed out;
- `invalid_grant` is final: the sign-in is cleared and listeners hear of it;
  network trouble and 5xx are retried a few times with the same refresh token;
- a refresh token is redeemed only when this process knows it is the current
  one: read from the store inside the lock, or (the store unreadable) named
  current by the sign-in note (`ledger`). Otherwise the access token is used
  while it lasts and the renewal is retried, and nobody is signed out;
- when the store will not take the rotated tokens, they are kept in memory,
  the note marks the stored copy used up (no other process redeems it), and
  the save is retried until it lands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx

from pawpado_desktop.auth.crosslock import CrossProcessLock, SignInBusy
from pawpado_desktop.auth.device_flow import DeviceFlow
from pawpado_desktop.auth.errors import (
    AuthServiceError,
    AuthServiceUnavailable,
    CredentialStoreError,
    RefreshBlocked,
    SignInEnded,
)
from pawpado_desktop.auth.huudis import HuudisClient, OAuthError
from pawpado_desktop.auth.ledger import LedgerEntry, SignInLedger, generation
from pawpado_desktop.auth.store import CredentialStore, StoreKey, open_default_store
from pawpado_desktop.auth.tokens import TokenResponseError, TokenSet
from pawpado_desktop.clock import SYSTEM_CLOCK, Clock
from pawpado_desktop.config import CLIENT_ID, SCOPE, Endpoints, config_dir
from pawpado_desktop.errors import NotSignedIn, Phrase
from pawpado_desktop.owner import ProcessIdentity

log = logging.getLogger(__name__)

LOCK_FILE = "auth.lock"
REFRESH_ATTEMPTS = 3
REFRESH_RETRY_DELAY = 0.5  # seconds, doubled per attempt: the IdP's grace window is short
BLOCKED_RETRY = 15.0  # seconds between renewals tried while the store cannot be trusted
SAVE_RETRY_DELAY = 2.0  # seconds before the first retried save, doubled up to the cap
SAVE_RETRY_MAX = 60.0
FINAL_SAVE_TIMEOUT = 5.0  # seconds to wait for the refresh lock when saving at exit

EventKind = Literal["signed_in", "signed_out", "warning"]


@dataclass(frozen=True)
class AuthEvent:
    kind: EventKind
    message: str | None = None  # in English, for logs: why we were signed out, or the warning
    error: NotSignedIn | None = None  # why we were signed out, for the presenter
    warning: Phrase | None = None  # the warning, for the presenter


Listener = Callable[[AuthEvent], None]


class AuthManager:
    def __init__(
        self,
        issuer_url: str,
        store: CredentialStore,
        http: httpx.AsyncClient,
        clock: Clock = SYSTEM_CLOCK,
        lock_path: Path | None = None,
        *,
        client_id: str = CLIENT_ID,
        scope: str = SCOPE,
        lock_timeout: float = 60.0,
    ) -> None:
        self._huudis = HuudisClient(issuer_url, http, client_id=client_id, scope=scope)
        self._store = store
        self._clock = clock
        lock_path = lock_path or config_dir() / LOCK_FILE
        self._lock = CrossProcessLock(lock_path, timeout=lock_timeout)
        self._ledger = SignInLedger(lock_path.parent / f"signin-{store.key_id}.json")
        self._me = ProcessIdentity.current()
        self._tokens: TokenSet | None = None
        self._refresh_task: asyncio.Task[TokenSet] | None = None
        self._unsaved = False  # our tokens are newer than the store's, which is used up
        self._save_retry: asyncio.Task[None] | None = None
        self._blocked_until: datetime | None = None
        self._flow: DeviceFlow | None = None
        self._listeners: list[Listener] = []
        self.store_warning: Phrase | None = None

    def __repr__(self) -> str:
        return f"AuthManager(signed_in={self.is_signed_in}, store={self._store!r})"

    @classmethod
    async def create(
        cls,
        issuer_url: str,
        http: httpx.AsyncClient,
        clock: Clock = SYSTEM_CLOCK,
        *,
        env: Mapping[str, str] | None = None,
        lock_path: Path | None = None,
        api_url: str | None = None,
    ) -> AuthManager:
        """A manager on the default store (see `open_default_store`), already loaded.

        The store holds the sign-in for `issuer_url` and `api_url` (default: the
        API `env` points at), and no other.
        """
        api_url = api_url or Endpoints.from_env(env).base_url
        opened = await open_default_store(env, key=StoreKey.of(issuer_url, api_url))
        manager = cls(issuer_url, opened.store, http, clock, lock_path)
        manager.store_warning = opened.warning
        try:
            await manager.load()
        except BaseException:
            opened.store.close()
            raise
        return manager

    # -- state ------------------------------------------------------------------

    @property
    def is_signed_in(self) -> bool:
        return self._tokens is not None

    @property
    def store(self) -> CredentialStore:
        return self._store

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` on every sign-in change or warning; returns the unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    async def load(self) -> bool:
        """Read the stored sign-in; whether there is one."""
        if not self._store.persistent or await self._ledger.read() is not None:
            self._tokens = await self._store.load()
        else:
            # No note yet (first run, or a store filled by older versions): start one,
            # under the lock so no rotation slips between the read and the note.
            async with self._lock.hold():
                self._tokens = await self._store.load()
                if await self._ledger.read() is None:
                    await self._ledger.write(LedgerEntry("ok", generation(self._tokens)))
        return self._tokens is not None

    async def aclose(self) -> None:
        """Stop any sign-in, let an in-flight refresh finish storing, release the store."""
        if self._flow is not None:
            self._flow.cancel()
        await self._settle_refresh()
        retry, self._save_retry = self._save_retry, None
        if retry is not None:
            retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retry
        if self._unsaved:  # one last try: tokens unsaved at exit are lost
            with contextlib.suppress(CredentialStoreError, SignInBusy):
                async with self._lock.hold(FINAL_SAVE_TIMEOUT):
                    await self._retry_save_locked()
        self._store.close()

    # -- TokenProvider ----------------------------------------------------------

    async def access_token(self) -> str:
        tokens = self._require()
        now = self._clock.now()
        if not tokens.needs_refresh(now):
            return tokens.access_token
        if tokens.refresh_token is None and not tokens.is_expired(now):
            return tokens.access_token  # nothing to refresh with: use it while it lasts
        blocked = self._blocked_until is not None and now < self._blocked_until
        if blocked and not tokens.is_expired(now):
            return tokens.access_token  # renewal was blocked a moment ago: not yet again
        try:
            return (await self._refreshed(tokens)).access_token
        except (AuthServiceUnavailable, RefreshBlocked) as exc:
            current = self._tokens
            now = self._clock.now()
            if current is not None and not current.is_expired(now):
                if isinstance(exc, RefreshBlocked):
                    self._blocked_until = now + timedelta(seconds=BLOCKED_RETRY)
                log.info("could not renew the sign-in for now; the current token is still valid")
                return current.access_token
            raise

    async def refreshed_after_rejection(self, rejected: str) -> str:
        tokens = self._require()
        if tokens.access_token != rejected:
            return await self.access_token()  # someone already replaced it
        return (await self._refreshed(tokens)).access_token

    async def issuer_reachable(self) -> bool:
        """Whether Huudis answers at all (see HuudisClient.reachable)."""
        return await self._huudis.reachable()

    # -- sign-in and sign-out ---------------------------------------------------

    async def start_sign_in(self) -> DeviceFlow:
        """Ask Huudis for a code; only ever on the user's request (RFC 8628 §3.1)."""
        if self._flow is not None:
            self._flow.cancel()
        authorization = await self._huudis.start_device_authorization()
        self._flow = DeviceFlow(authorization, self._huudis, self._clock, self._complete_sign_in)
        return self._flow

    async def sign_out(self) -> None:
        """Revoke the refresh token, then forget the sign-in whatever the revocation said."""
        if self._flow is not None:
            self._flow.cancel()
        await self._settle_refresh()
        async with self._lock.hold():
            refresh_token = await self._current_refresh_token()
            self._tokens = None
            self._unsaved = False
            try:
                if refresh_token:
                    await self._revoke(refresh_token)
            finally:
                try:
                    await self._store.clear()
                    await self._note(LedgerEntry("ok", None))
                finally:
                    self._emit(AuthEvent("signed_out"))

    # -- internals --------------------------------------------------------------

    def _require(self) -> TokenSet:
        if self._tokens is None:
            raise NotSignedIn()
        return self._tokens

    async def _refreshed(self, stale: TokenSet) -> TokenSet:
        """The token set that replaces `stale`, refreshing once for everybody."""
        current = self._require()
        if current is not stale and not current.needs_refresh(self._clock.now()):
            return current
        if self._refresh_task is None:
            task = asyncio.ensure_future(self._refresh_and_store(current))
            self._refresh_task = task
            task.add_done_callback(self._refresh_finished)
        # Shielded: a caller that gives up must not cut the redeem-and-store short.
        return await asyncio.shield(self._refresh_task)

    def _refresh_finished(self, task: asyncio.Task[TokenSet]) -> None:
        if self._refresh_task is task:
            self._refresh_task = None
        if not task.cancelled():
            task.exception()  # retrieved here too, in case every waiter gave up

    async def _settle_refresh(self) -> None:
        task = self._refresh_task
        if task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(task)

    async def _refresh_and_store(self, stale: TokenSet) -> TokenSet:
        async with self._lock.hold():
            note = await self._ledger.read() if self._store.persistent else None
            current, owner = await self._current_under_lock(note)
            now = self._clock.now()
            if current != stale and not current.needs_refresh(now):
                log.debug("adopted tokens refreshed by another process")
                return current
            if current.refresh_token is None:
                raise await self._end_sign_in()
            # What the store holds while we redeem: unchanged if it is already used up.
            stored = note.stored if owner and note is not None else generation(current)
            if not owner:
                await self._note(LedgerEntry("rotating", stored))
            try:
                # Under a deadline shorter than the others' wait for the lock: a slow
                # Huudis makes this holder give up, never the processes queued behind it.
                async with asyncio.timeout(self._lock.hold_deadline_s):
                    body = await self._redeem(current.refresh_token)
            except TimeoutError:
                if not owner:  # not redeemed, or the answer lost: as it was
                    await self._note(note or LedgerEntry("ok", stored))
                raise AuthServiceUnavailable(
                    "Huudis sign-in did not renew your sign-in in time. Check your internet "
                    "connection and try again."
                ) from None
            except NotSignedIn:
                raise
            except BaseException:
                if not owner:  # not redeemed, or the answer lost: as it was
                    await self._note(note or LedgerEntry("ok", stored))
                raise
            try:
                fresh = TokenSet.from_response(body, self._clock.now(), current.refresh_token)
            except TokenResponseError as exc:
                # Rotation may have consumed the old token; nothing better to do than say so.
                raise AuthServiceError(
                    "Huudis sign-in sent a refresh answer without a usable {field} field. "
                    "If requests keep failing, sign in again.",
                    field=str(exc),
                ) from None
            self._tokens = fresh
            self._blocked_until = None
            await self._store_rotated(fresh, stored)
            log.info("access token refreshed")
            return fresh

    async def _current_under_lock(self, note: LedgerEntry | None) -> tuple[TokenSet, bool]:
        """The tokens to use or renew, and whether we are the only holder of them.

        Raises RefreshBlocked when renewing could replay a used refresh token, and
        SignInEnded when the stored sign-in is gone for good.
        """
        mine = self._require()
        if not self._store.persistent:
            return mine, True
        ours = generation(mine)
        live_here = note is not None and note.held_live_by(ours)
        try:
            stored = await self._store.load()
        except CredentialStoreError as exc:
            log.info("could not read the stored sign-in inside the lock: %s", exc.title)
            if live_here:
                return mine, True  # ours is the live set; nobody else has it
            if note is not None and note.state == "ok" and note.stored == ours:
                return mine, False  # the note says the store holds exactly ours
            raise RefreshBlocked.unreadable(self._store.description) from None
        if live_here:
            return mine, True  # the store's copy is used up (or an older one of ours)
        if stored is None:
            raise await self._end_sign_in(
                SignInEnded("You signed out in another Pawpado window. Sign in again to continue.")
            )
        if note is not None and note.state == "stale":
            owner = note.owner
            if owner is not None and owner.is_alive():
                # That window holds the only live tokens and keeps trying to save them.
                raise RefreshBlocked.saved_elsewhere_pending(self._store.description)
            if note.marks_dead(generation(stored)):
                raise await self._end_sign_in(
                    SignInEnded(
                        "Your sign-in was renewed by a Pawpado window that closed before it "
                        "could save it to {where}, so it cannot be renewed again. Nothing was "
                        "revoked. Run `pawpado-desktop login` (or choose Sign in from the "
                        "tray) to sign in again.",
                        where=self._store.description,
                    )
                )
        if stored != mine:
            self._tokens = stored  # another process refreshed (or signed in again)
        return stored, False

    async def _store_rotated(self, fresh: TokenSet, stored: str | None) -> None:
        """Save a rotated set; if the store refuses, keep it here and mark the stored copy."""
        try:
            await self._store.save(fresh)
        except CredentialStoreError as exc:
            note = LedgerEntry("stale", stored, generation(fresh), self._me)
            if not await self._note(note):
                # An outdated note must not vouch for the used-up copy: remove it, and
                # drop the copy too if the store still lets us (a sign-out elsewhere is
                # better than a revoked family).
                await self._ledger.forget()
                with contextlib.suppress(CredentialStoreError):
                    await self._store.clear()
            if not self._unsaved:
                self._warn(
                    Phrase(
                        "{problem} You stay signed in until the app quits; Pawpado keeps "
                        "trying to save your renewed sign-in.",
                        problem=exc.phrase,
                    )
                )
            self._unsaved = True
            self._schedule_save_retry()
            return
        await self._note(LedgerEntry("ok", generation(fresh)))
        if self._unsaved:
            self._unsaved = False
            log.info("the renewed sign-in is saved")

    def _schedule_save_retry(self) -> None:
        if self._save_retry is None or self._save_retry.done():
            self._save_retry = asyncio.ensure_future(self._retry_saves())

    async def _retry_saves(self) -> None:
        delay = SAVE_RETRY_DELAY
        while self._unsaved:
            await self._clock.sleep(delay)
            delay = min(delay * 2, SAVE_RETRY_MAX)
            try:
                async with self._lock.hold():
                    await self._retry_save_locked()
            except (CredentialStoreError, SignInBusy):
                log.debug("the renewed sign-in could not be saved yet")
            except Exception:  # a background task: keep retrying, never die silently
                log.exception("retrying the save of the renewed sign-in failed")

    async def _retry_save_locked(self) -> None:
        """Save tokens rotation left unsaved, unless another process has taken over since."""
        tokens = self._tokens
        note = await self._ledger.read()
        if tokens is None or (note is not None and not note.held_live_by(generation(tokens))):
            self._unsaved = False  # signed out, or signed in anew, elsewhere
            return
        await self._store.save(tokens)
        await self._note(LedgerEntry("ok", generation(tokens)))
        self._unsaved = False
        log.info("the renewed sign-in is saved")

    async def _note(self, entry: LedgerEntry) -> bool:
        if not self._store.persistent:
            return True
        return await self._ledger.write(entry)

    async def _redeem(self, refresh_token: str) -> Mapping[str, Any]:
        delay = REFRESH_RETRY_DELAY
        for attempt in range(1, REFRESH_ATTEMPTS + 1):
            try:
                return await self._huudis.refresh(refresh_token)
            except AuthServiceUnavailable:
                if attempt == REFRESH_ATTEMPTS:
                    raise
                log.info("refresh attempt %d failed; retrying with the same token", attempt)
                await self._clock.sleep(delay)
                delay *= 2
            except OAuthError as exc:
                if exc.error == "invalid_grant":
                    raise await self._end_sign_in() from None
                raise AuthServiceError(
                    "Huudis sign-in refused to renew your sign-in ({said}). "
                    "Try again later; if it keeps happening, sign out and sign in again.",
                    said=exc.error[:64],
                ) from None
        raise AssertionError("unreachable")

    async def _end_sign_in(self, error: SignInEnded | None = None) -> SignInEnded:
        """Forget a sign-in that cannot be used again; the error for the caller to raise.

        Nothing is revoked here: the server already refused it, or its live
        successor was lost with the process that held it.
        """
        error = error or SignInEnded()
        ended = self._tokens
        self._tokens = None
        self._unsaved = False
        try:
            await self._store.clear()
        except CredentialStoreError as exc:
            log.warning("could not delete the ended sign-in: %s", exc.message)
            # Whoever reads the copy left behind must not redeem it either.
            await self._note(LedgerEntry("stale", generation(ended)))
        else:
            await self._note(LedgerEntry("ok", None))
        log.info("signed out: the sign-in can no longer be used")
        self._emit(AuthEvent("signed_out", error.message, error=error))
        return error

    async def _complete_sign_in(self, tokens: TokenSet) -> None:
        async with self._lock.hold():
            note = await self._ledger.read() if self._store.persistent else None
            self._tokens = tokens
            self._blocked_until = None
            # Like a rotation: if the save fails, the stored copy is not to be renewed.
            await self._store_rotated(tokens, note.stored if note is not None else None)
        log.info("signed in")
        self._emit(AuthEvent("signed_in"))

    async def _current_refresh_token(self) -> str | None:
        if self._unsaved and self._tokens is not None:
            return self._tokens.refresh_token  # the live one; the stored copy is used up
        stored: TokenSet | None = None
        try:
            stored = await self._store.load()
        except CredentialStoreError as exc:
            log.warning("could not read the stored sign-in before signing out: %s", exc.message)
        tokens = stored or self._tokens
        return tokens.refresh_token if tokens else None

    async def _revoke(self, refresh_token: str) -> None:
        try:
            await self._huudis.revoke(refresh_token)
        except (AuthServiceError, OAuthError) as exc:
            log.warning("could not revoke the sign-in at Huudis (%s); forgetting it anyway", exc)

    def _warn(self, warning: Phrase) -> None:
        self.store_warning = warning
        log.warning("%s", warning)
        self._emit(AuthEvent("warning", str(warning), warning=warning))

    def _emit(self, event: AuthEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a sign-in listener failed")
