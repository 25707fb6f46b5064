"""One run of the RFC 8628 device flow: show the code, poll politely, hand over tokens.

Polling sleeps the current interval before every request, grows it by 5 s for
good on each `slow_down`, backs off exponentially on connection trouble, stops
on any error it does not know, and keeps its own deadline from `expires_in`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from pawpado_desktop.auth.errors import (
    AuthServiceError,
    AuthServiceUnavailable,
    SignInDenied,
    SignInExpired,
    SignInRejected,
)
from pawpado_desktop.auth.huudis import DeviceAuthorization, HuudisClient, OAuthError
from pawpado_desktop.auth.tokens import TokenResponseError, TokenSet, parse_seconds
from pawpado_desktop.clock import Clock
from pawpado_desktop.errors import CancelledByUser

log = logging.getLogger(__name__)

SLOW_DOWN_STEP = 5.0  # RFC 8628 §3.5
MAX_BACKOFF = 60.0
MAX_CONSECUTIVE_FAILURES = 5  # then report the outage instead of waiting out the code
# Wait a little longer than asked: a poll the server sees as early (network
# jitter) is punished with a permanent +5 s.
POLL_SLACK = 0.05

TokensReceived = Callable[[TokenSet], Awaitable[None]]


class DeviceFlow:
    """Created by `AuthManager.start_sign_in()`; show the code, then `await wait()`."""

    def __init__(
        self,
        authorization: DeviceAuthorization,
        huudis: HuudisClient,
        clock: Clock,
        on_tokens: TokensReceived,
    ) -> None:
        self._auth = authorization
        self._huudis = huudis
        self._clock = clock
        self._on_tokens = on_tokens
        self.user_code = authorization.user_code
        self.verification_uri = authorization.verification_uri
        self.verification_uri_complete = authorization.verification_uri_complete
        self.expires_at: datetime = clock.now() + timedelta(seconds=authorization.expires_in)
        self._deadline = clock.monotonic() + authorization.expires_in
        self._interval = authorization.interval
        self._task: asyncio.Task[None] | None = None
        self._cancel_requested = False
        self._completing = False

    def __repr__(self) -> str:
        return f"DeviceFlow(user_code={self.user_code!r}, expires_at={self.expires_at.isoformat()})"

    @property
    def browser_uri(self) -> str:
        """What to open in the browser: the link with the code filled in, when there is one."""
        return self.verification_uri_complete or self.verification_uri

    @property
    def interval(self) -> float:
        """The current polling interval in seconds (grows with each `slow_down`)."""
        return self._interval

    async def wait(self) -> None:
        """Return once signed in.

        Raises SignInDenied, SignInExpired, CancelledByUser or an AuthServiceError.
        """
        if self._task is None:
            if self._cancel_requested:
                raise CancelledByUser("Sign-in cancelled.")
            self._task = asyncio.ensure_future(self._poll())
        try:
            await self._task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            waiter_cancelled = current is not None and current.cancelling() > 0
            if self._cancel_requested and not waiter_cancelled:
                raise CancelledByUser("Sign-in cancelled.") from None
            raise

    def cancel(self) -> None:
        """Stop polling now; `wait()` raises CancelledByUser. Too late once tokens arrived."""
        if self._completing:
            return
        self._cancel_requested = True
        if self._task is not None:
            self._task.cancel()

    async def _poll(self) -> None:
        failures = 0
        last_poll = self._clock.monotonic()  # the authorization answer starts the clock
        while True:
            delay = self._interval if failures == 0 else min(
                self._interval * 2**failures, MAX_BACKOFF
            )
            await self._sleep_until(last_poll + delay * (1 + POLL_SLACK))
            last_poll = self._clock.monotonic()
            try:
                body = await self._huudis.poll_device_token(self._auth.device_code)
            except AuthServiceUnavailable:
                failures += 1
                log.info("sign-in poll failed (%d in a row); backing off", failures)
                if failures >= MAX_CONSECUTIVE_FAILURES:
                    raise
                continue
            except OAuthError as exc:
                failures = 0
                if self._keep_polling(exc):
                    continue
                raise self._stop_error(exc) from None
            try:
                tokens = TokenSet.from_response(body, self._clock.now())
            except TokenResponseError as exc:
                raise AuthServiceError(
                    "Huudis sign-in approved the sign-in but sent no usable {field} field. "
                    "Nothing was stored. Try signing in again.",
                    field=str(exc),
                ) from None
            self._completing = True
            # The tokens are ours now: storing them must not be cut short.
            await asyncio.shield(self._on_tokens(tokens))
            return

    async def _sleep_until(self, moment: float) -> None:
        """Sleep on the clock until `moment`, never past the code's deadline.

        Loops because a timer may fire a hair early, and an early poll is
        answered with `slow_down`, which costs the user 5 s on every later poll.
        """
        while (now := self._clock.monotonic()) < moment:
            if now >= self._deadline:
                raise SignInExpired()
            await self._clock.sleep(min(moment, self._deadline) - now)
        if self._clock.monotonic() >= self._deadline:
            raise SignInExpired()

    def _keep_polling(self, exc: OAuthError) -> bool:
        if exc.error == "authorization_pending":
            return True
        if exc.error == "slow_down":
            asked = parse_seconds(exc.body.get("interval"), 0.0)
            self._interval = max(self._interval + SLOW_DOWN_STEP, asked)
            log.info("sign-in server asked to slow down; polling every %g s", self._interval)
            return True
        return False

    @staticmethod
    def _stop_error(exc: OAuthError) -> Exception:
        if exc.error == "access_denied":
            return SignInDenied()
        if exc.error == "expired_token":
            return SignInExpired()
        return SignInRejected(
            "Huudis sign-in stopped the sign-in ({said}). Start the sign-in again; "
            "if it keeps happening, check for an app update or contact support.",
            said=exc.error[:64],
        )
