"""The sign-in manager: one per process, the API client's `TokenProvider`.

Refresh tokens rotate and a replayed one signs the user out everywhere, so:
- exactly one refresh is in flight per process (a shared task; waiters look
  again at which token is current before asking for another);
- across processes a file lock orders refreshes, and the stored tokens are
  re-read inside it (another process may have rotated them already);
- "redeem, then store" runs as one task callers cannot cancel, and the new
  refresh token is stored before the new access token is handed out;
- `invalid_grant` is final: the sign-in is cleared and listeners hear of it;
  network trouble and 5xx are retried a few times with the same refresh token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from pawpado_desktop.auth.crosslock import CrossProcessLock
from pawpado_desktop.auth.device_flow import DeviceFlow
from pawpado_desktop.auth.errors import (
    AuthServiceError,
    AuthServiceUnavailable,
    CredentialStoreError,
    SignInEnded,
)
from pawpado_desktop.auth.huudis import HuudisClient, OAuthError
from pawpado_desktop.auth.store import CredentialStore, open_default_store
from pawpado_desktop.auth.tokens import TokenResponseError, TokenSet
from pawpado_desktop.clock import SYSTEM_CLOCK, Clock
from pawpado_desktop.config import CLIENT_ID, SCOPE, config_dir
from pawpado_desktop.errors import NotSignedIn

log = logging.getLogger(__name__)

LOCK_FILE = "auth.lock"
REFRESH_ATTEMPTS = 3
REFRESH_RETRY_DELAY = 0.5  # seconds, doubled per attempt: the IdP's grace window is short

EventKind = Literal["signed_in", "signed_out", "warning"]


@dataclass(frozen=True)
class AuthEvent:
    kind: EventKind
    message: str | None = None  # user-facing: why we were signed out, or the warning


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
        self._lock = CrossProcessLock(lock_path or config_dir() / LOCK_FILE, timeout=lock_timeout)
        self._tokens: TokenSet | None = None
        self._refresh_task: asyncio.Task[TokenSet] | None = None
        self._flow: DeviceFlow | None = None
        self._listeners: list[Listener] = []
        self.store_warning: str | None = None

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
    ) -> AuthManager:
        """A manager on the default store (see `open_default_store`), already loaded."""
        opened = await open_default_store(env)
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
        self._tokens = await self._store.load()
        return self._tokens is not None

    async def aclose(self) -> None:
        """Stop any sign-in, let an in-flight refresh finish storing, release the store."""
        if self._flow is not None:
            self._flow.cancel()
        await self._settle_refresh()
        self._store.close()

    # -- TokenProvider ----------------------------------------------------------

    async def access_token(self) -> str:
        tokens = self._require()
        now = self._clock.now()
        if not tokens.needs_refresh(now):
            return tokens.access_token
        if tokens.refresh_token is None and not tokens.is_expired(now):
            return tokens.access_token  # nothing to refresh with: use it while it lasts
        try:
            return (await self._refreshed(tokens)).access_token
        except AuthServiceUnavailable:
            if tokens is self._tokens and not tokens.is_expired(self._clock.now()):
                log.info("refresh failed for now; the current token is still valid")
                return tokens.access_token
            raise

    async def refreshed_after_rejection(self, rejected: str) -> str:
        tokens = self._require()
        if tokens.access_token != rejected:
            return await self.access_token()  # someone already replaced it
        return (await self._refreshed(tokens)).access_token

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
            try:
                if refresh_token:
                    await self._revoke(refresh_token)
            finally:
                try:
                    await self._store.clear()
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
            stored = await self._reread()
            if stored is not None and stored != stale:
                # Another process refreshed (or signed in again) while we waited.
                self._tokens = stored
                if not stored.needs_refresh(self._clock.now()):
                    log.debug("adopted tokens refreshed by another process")
                    return stored
                stale = stored
            if stale.refresh_token is None:
                raise await self._end_sign_in()
            try:
                async with asyncio.timeout(self._lock.hold_deadline_s):
                    body = await self._redeem(stale.refresh_token)
            except TimeoutError:
                raise AuthServiceUnavailable(
                    "Huudis sign-in did not renew your sign-in in time. Check your internet "
                    "connection and try again."
                ) from None
            try:
                fresh = TokenSet.from_response(body, self._clock.now(), stale.refresh_token)
            except TokenResponseError as exc:
                # Rotation may have consumed the old token; nothing better to do than say so.
                raise AuthServiceError(
                    f"Huudis sign-in sent a refresh answer without a usable {exc} field. "
                    "If requests keep failing, sign in again."
                ) from None
            await self._save(fresh)
            self._tokens = fresh
            log.info("access token refreshed")
            return fresh

    async def _reread(self) -> TokenSet | None:
        """What the store holds now; a signed-out store means another process signed out."""
        if not self._store.persistent:
            return self._tokens
        try:
            stored = await self._store.load()
        except CredentialStoreError as exc:
            self._warn(exc.message)
            return self._tokens
        if stored is None:
            raise await self._end_sign_in(
                "You signed out in another Pawpado window. Sign in again to continue."
            )
        return stored

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
                    f"Huudis sign-in refused to renew your sign-in ({exc.error[:64]}). "
                    "Try again later; if it keeps happening, sign out and sign in again."
                ) from None
        raise AssertionError("unreachable")

    async def _end_sign_in(self, message: str | None = None) -> SignInEnded:
        """Forget a sign-in the server no longer accepts; the error for the caller to raise."""
        error = SignInEnded(message)
        self._tokens = None
        try:
            await self._store.clear()
        except CredentialStoreError as exc:
            log.warning("could not delete the ended sign-in: %s", exc.message)
        log.info("signed out: the sign-in is no longer valid")
        self._emit(AuthEvent("signed_out", error.message))
        return error

    async def _complete_sign_in(self, tokens: TokenSet) -> None:
        async with self._lock.hold():
            await self._save(tokens)
            self._tokens = tokens
        log.info("signed in")
        self._emit(AuthEvent("signed_in"))

    async def _save(self, tokens: TokenSet) -> None:
        try:
            await self._store.save(tokens)
        except CredentialStoreError as exc:
            # The new tokens are the only valid ones now: keep them for this run,
            # and try to drop the stored set, whose refresh token rotation just
            # killed: another process presenting it would revoke the whole sign-in.
            with contextlib.suppress(CredentialStoreError):
                await self._store.clear()
            self._warn(f"{exc.message} You stay signed in until the app quits.")

    async def _current_refresh_token(self) -> str | None:
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

    def _warn(self, message: str) -> None:
        self.store_warning = message
        log.warning("%s", message)
        self._emit(AuthEvent("warning", message))

    def _emit(self, event: AuthEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a sign-in listener failed")
