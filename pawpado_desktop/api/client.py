"""The Pawpado REST client: one httpx.AsyncClient, a method per operation.

Every call has a per-read timeout and an overall deadline, its answer is capped
at 1 MiB (decoded), it waits for its rate bucket, carries the bearer token
from the pluggable provider (refreshing once on a 401, then retrying once), and
turns every answer into a typed model or a typed error. GETs retry connection
errors and 5xx with jittered, bounded backoff; POST, PATCH and DELETE are retried
only when the request provably never left (the connection could not be made).
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from pawpado_desktop import __version__
from pawpado_desktop.api.errors import (
    NetworkError,
    ProtocolError,
    RateLimited,
    ServerError,
    Unauthenticated,
    api_error,
)
from pawpado_desktop.api.models import (
    AccountDeletion,
    ConnectInfo,
    Credits,
    Health,
    Identity,
    JsonObject,
    PairPin,
    SessionStatus,
    Settings,
    SettingsPatch,
    StorageBilling,
    TailscaleKey,
    TopupCheckout,
)
from pawpado_desktop.api.ratelimit import RateLimiter
from pawpado_desktop.api.tokens import TokenProvider
from pawpado_desktop.bounded_http import (
    BodyTooLarge,
    DeadlineExceeded,
    ExchangeError,
    exchange,
)
from pawpado_desktop.clock import SYSTEM_CLOCK, Clock
from pawpado_desktop.config import checked_url
from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.tls import tls_context

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# One attempt, connect to last byte; a GET retried after a broken connection gets
# a new one, but a server too slow for a whole deadline is not asked again.
REQUEST_DEADLINE_S = 15.0
MAX_RETRY_AFTER = 60.0  # never park a call longer than one rate window
GET_ATTEMPTS = 3
BACKOFF_BASE = 0.5
BACKOFF_CAP = 5.0

Model = TypeVar("Model")

_NO_BODY = object()  # the body was empty
_NOT_JSON = object()  # the body was not JSON


class PawpadoClient:
    def __init__(
        self,
        base_url: str,
        tokens: TokenProvider | None,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        limiter: RateLimiter | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        deadline_s: float = REQUEST_DEADLINE_S,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.base_url = checked_url(base_url, what="Pawpado API", env_name="PAWPADO_BASE_URL")
        self.tokens = tokens
        self.clock = clock or SYSTEM_CLOCK
        self.limiter = limiter or RateLimiter(self.clock)
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, verify=tls_context()
        )
        self._timeout = timeout
        self._deadline_s = deadline_s
        self._jitter = jitter

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> PawpadoClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- operations -------------------------------------------------------------

    async def health(self) -> Health:
        return Health.from_json(await self._call("GET", "/api/v1/health", auth=False))

    async def start_session(self, instance_type: str | None = None) -> SessionStatus:
        body = {"instanceType": instance_type} if instance_type else None
        return SessionStatus.from_json(await self._call("POST", "/api/v1/sessions/start", body))

    async def stop_session(self) -> SessionStatus:
        return SessionStatus.from_json(await self._call("POST", "/api/v1/sessions/stop"))

    async def poll_session(self) -> SessionStatus:
        return SessionStatus.from_json(await self._call("GET", "/api/v1/sessions/poll"))

    async def pair_pin(self) -> PairPin:
        return PairPin.from_json(await self._call("POST", "/api/v1/sessions/pair"))

    async def connect_info(self) -> ConnectInfo:
        return ConnectInfo.from_json(await self._call("GET", "/api/v1/sessions/connect"))

    async def tailscale_key(self) -> TailscaleKey:
        return TailscaleKey.from_json(await self._call("POST", "/api/v1/sessions/tailscale-key"))

    async def credits(self) -> Credits:
        return Credits.from_json(await self._call("GET", "/api/v1/credits/me"))

    async def topup(self, amount: Decimal, return_url: str | None = None) -> TopupCheckout:
        body: JsonObject = {"amount": format(amount, "f")}
        if return_url:
            body["returnUrl"] = return_url
        return TopupCheckout.from_json(await self._call("POST", "/api/v1/credits/topup", body))

    async def storage_billing(self) -> StorageBilling:
        return StorageBilling.from_json(await self._call("GET", "/api/v1/billing/storage"))

    async def settings(self) -> Settings:
        return Settings.from_json(await self._call("GET", "/api/v1/settings"))

    async def update_settings(self, changes: SettingsPatch) -> Settings:
        return Settings.from_json(await self._call("PATCH", "/api/v1/settings", dict(changes)))

    async def whoami(self) -> Identity:
        return Identity.from_json(await self._call("GET", "/api/v1/session"))

    async def delete_account(self) -> AccountDeletion:
        return AccountDeletion.from_json(await self._call("DELETE", "/api/v1/account/delete"))

    # -- transport --------------------------------------------------------------

    async def _call(
        self, method: str, path: str, body: JsonObject | None = None, *, auth: bool = True
    ) -> JsonObject:
        idempotent = method in ("GET", "HEAD")
        bucket = self.limiter.bucket(method, path)
        attempt = 0
        refreshed = False
        waited_out_429 = False
        fresh_token: str | None = None  # the token a 401 refresh handed us, for the retry
        while True:
            attempt += 1
            await bucket.acquire()
            token = (fresh_token or await self._token()) if auth else None
            try:
                status, headers, parsed = await self._send(method, path, body, token)
            except httpx.TransportError as exc:
                # A refused connection never reached the server, so any method may retry it.
                retryable = idempotent or isinstance(exc, httpx.ConnectError)
                if retryable and attempt < GET_ATTEMPTS:
                    await self._backoff(attempt)
                    continue
                raise _network_error(exc, self.base_url) from None
            except (ExchangeError, httpx.HTTPError) as exc:
                raise _exchange_error(exc) from None
            if auth:
                bucket.observe(headers)
            if 200 <= status < 300:
                if not isinstance(parsed, dict):
                    raise ProtocolError(
                        "Pawpado answered {method} {path} without the expected data "
                        "(HTTP {status}). Try again; if it persists, check for an app update.",
                        method=method,
                        path=path,
                        status=status,
                    )
                return parsed
            error = api_error(status, parsed if isinstance(parsed, dict) else None, headers)
            if isinstance(error, Unauthenticated) and token is not None and not refreshed:
                refreshed = True
                assert self.tokens is not None
                fresh_token = await self.tokens.refreshed_after_rejection(token)
                continue
            if isinstance(error, RateLimited):
                asked = error.retry_after if error.retry_after is not None else 1.0
                pause = min(asked, MAX_RETRY_AFTER)
                bucket.block_for(pause)
                log.warning("%s %s was rate limited; waiting %.1f s", method, path, pause)
                if idempotent and not waited_out_429:
                    waited_out_429 = True
                    continue
            elif (
                isinstance(error, ServerError | ProtocolError)
                and idempotent
                and status >= 500
                and attempt < GET_ATTEMPTS
            ):
                await self._backoff(attempt)
                continue
            raise error

    async def _token(self) -> str:
        if self.tokens is None:
            from pawpado_desktop.errors import NotSignedIn

            raise NotSignedIn()
        return await self.tokens.access_token()

    async def _send(
        self, method: str, path: str, body: JsonObject | None, token: str | None
    ) -> tuple[int, httpx.Headers, Any]:
        headers = {"Accept": "application/json", "User-Agent": f"pawpado-desktop/{__version__}"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        started = self.clock.monotonic()
        request = self._http.build_request(
            method, self.base_url + path, json=body, headers=headers, timeout=self._timeout
        )
        answer = await exchange(self._http, request, deadline_s=self._deadline_s)
        log.debug(
            "%s %s -> %s (%.0f ms)",
            method,
            path,
            answer.status_code,
            (self.clock.monotonic() - started) * 1000,
        )
        return answer.status_code, answer.headers, _parse_json(answer.body)

    async def _backoff(self, attempt: int) -> None:
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * (0.5 + self._jitter())
        await self.clock.sleep(delay)


def _parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return _NO_BODY
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
        return _NOT_JSON


def _exchange_error(exc: ExchangeError | httpx.HTTPError) -> PawpadoError:
    """An exchange that failed for a reason other than a broken connection."""
    if isinstance(exc, DeadlineExceeded):
        return NetworkError(
            "Pawpado did not answer in time (the answer came too slowly). Check your "
            "internet connection and try again."
        )
    if isinstance(exc, BodyTooLarge):
        return ProtocolError("Pawpado sent an answer far larger than expected. Try again later.")
    # Undecodable (a wrong Content-Encoding), too many redirects, a malformed answer.
    why = str(exc) if isinstance(exc, ExchangeError) else type(exc).__name__
    return ProtocolError(
        "Pawpado sent an answer this app cannot read ({why}). Try again; if it persists, "
        "a proxy may be altering the connection, or check for an app update.",
        why=why,
    )


def _network_error(exc: httpx.TransportError, base_url: str) -> PawpadoError:
    if isinstance(exc, httpx.TimeoutException):
        return NetworkError(
            "Pawpado did not answer in time. Check your internet connection and try again."
        )
    if isinstance(exc, httpx.ConnectError):
        return NetworkError(
            "Could not connect to Pawpado ({base_url}). Check your internet connection "
            "and try again.",
            base_url=base_url,
        )
    return NetworkError(
        "The connection to Pawpado broke off. Check your internet connection and try again."
    )
