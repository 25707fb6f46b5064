"""The wire side of Huudis: discovery, device authorization, token and revocation posts.

No state beyond the cached discovery document; the sign-in manager decides what
the answers mean. Endpoint paths always come from
`{issuer}/.well-known/openid-configuration`. Secrets travel only in form bodies,
never in a URL, a log line or an exception message. Every exchange has an
overall deadline and its answer is capped (`bounded_http`), so a slow or
hostile server can neither hang a sign-in nor fill the memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from pawpado_desktop.auth.errors import AuthServiceError, AuthServiceUnavailable
from pawpado_desktop.auth.tokens import parse_seconds
from pawpado_desktop.bounded_http import (
    Answer,
    BodyTooLarge,
    DeadlineExceeded,
    ExchangeError,
    exchange,
)
from pawpado_desktop.config import CLIENT_ID, SCOPE, checked_url
from pawpado_desktop.errors import ConfigError, Phrase
from pawpado_desktop.safe_url import sign_in_url

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Connect to last byte, per request. Three refresh attempts fit in the time the
# refresh may hold the cross-process lock (`CrossProcessLock.hold_deadline_s`).
REQUEST_DEADLINE_S = 15.0
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_POLL_INTERVAL = 5.0  # RFC 8628 §3.2
DEFAULT_DEVICE_CODE_LIFETIME = 600.0
REQUIRED_METADATA = (
    "issuer",
    "device_authorization_endpoint",
    "token_endpoint",
    "revocation_endpoint",
)


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    device_authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str


@dataclass(frozen=True, repr=False)
class DeviceAuthorization:
    device_code: str  # a credential: never shown, never logged
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: float
    interval: float

    def __repr__(self) -> str:
        return f"DeviceAuthorization(user_code={self.user_code!r}, expires_in={self.expires_in})"


class OAuthError(Exception):
    """An RFC 6749 §5.2 error answer (`{"error": code}`); the caller decides what it means."""

    def __init__(self, status: int, error: str, description: str | None, body: Mapping[str, Any]):
        super().__init__(f"{error} (HTTP {status})")
        self.status = status
        self.error = error
        self.description = description
        self.body = body


class HuudisClient:
    def __init__(
        self,
        issuer_url: str,
        http: httpx.AsyncClient,
        *,
        client_id: str = CLIENT_ID,
        scope: str = SCOPE,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        deadline_s: float = REQUEST_DEADLINE_S,
    ) -> None:
        self.issuer_url = checked_url(
            issuer_url, what="Huudis sign-in", env_name="PAWPADO_AUTH_URL"
        )
        self.client_id = client_id
        self.scope = scope
        self._http = http
        self._timeout = timeout
        self._deadline_s = deadline_s
        self._metadata: ProviderMetadata | None = None
        self._metadata_lock = asyncio.Lock()

    async def metadata(self) -> ProviderMetadata:
        async with self._metadata_lock:
            if self._metadata is None:
                self._metadata = await self._discover()
            return self._metadata

    async def start_device_authorization(self) -> DeviceAuthorization:
        meta = await self.metadata()
        body = await self._post(
            meta.device_authorization_endpoint, {"client_id": self.client_id, "scope": self.scope}
        )
        fields = {}
        for name in ("device_code", "user_code", "verification_uri"):
            value = body.get(name)
            if not isinstance(value, str) or not value:
                raise self._incomplete(Phrase("sign-in code"), name)
            fields[name] = value
        complete = body.get("verification_uri_complete")
        complete = complete if isinstance(complete, str) and complete else None
        # Both are opened in a browser: refuse the whole answer if either is not ours.
        for link in (fields["verification_uri"], complete):
            if link is not None:
                sign_in_url(link, self.issuer_url)
        return DeviceAuthorization(
            device_code=fields["device_code"],
            user_code=fields["user_code"],
            verification_uri=fields["verification_uri"],
            verification_uri_complete=complete,
            expires_in=parse_seconds(body.get("expires_in"), DEFAULT_DEVICE_CODE_LIFETIME),
            interval=parse_seconds(body.get("interval"), DEFAULT_POLL_INTERVAL),
        )

    async def poll_device_token(self, device_code: str) -> Mapping[str, Any]:
        meta = await self.metadata()
        return await self._post(
            meta.token_endpoint,
            {
                "grant_type": DEVICE_CODE_GRANT,
                "device_code": device_code,
                "client_id": self.client_id,
            },
        )

    async def refresh(self, refresh_token: str) -> Mapping[str, Any]:
        meta = await self.metadata()
        return await self._post(
            meta.token_endpoint,
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
            },
        )

    async def revoke(self, refresh_token: str) -> None:
        """RFC 7009: 200 even for unknown tokens; anything else raises."""
        meta = await self.metadata()
        await self._post(
            meta.revocation_endpoint,
            {
                "token": refresh_token,
                "token_type_hint": "refresh_token",
                "client_id": self.client_id,
            },
            expect_json=False,
        )

    async def reachable(self) -> bool:
        """Whether Huudis answers at all (any HTTP status): with Pawpado silent, this
        tells "Pawpado is unreachable or down" from "this computer is offline"."""
        url = f"{self.issuer_url}/.well-known/openid-configuration"
        try:
            await self._exchange(self._http.build_request("GET", url, timeout=self._timeout))
        except AuthServiceUnavailable:
            return False
        except AuthServiceError:
            return True  # an answer this app cannot read is still an answer
        return True

    # -- plumbing ---------------------------------------------------------------

    async def _discover(self) -> ProviderMetadata:
        url = f"{self.issuer_url}/.well-known/openid-configuration"
        response = await self._exchange(self._http.build_request("GET", url, timeout=self._timeout))
        if response.status_code >= 500 or response.status_code == 429:
            raise self._server_trouble(response.status_code)
        body = _json_object(response) if response.status_code == 200 else None
        if body is None:
            raise AuthServiceError(
                "Huudis sign-in at {issuer} did not send its configuration "
                "(HTTP {status}). Check PAWPADO_AUTH_URL, or try again later.",
                issuer=self.issuer_url,
                status=response.status_code,
            )
        values: dict[str, str] = {}
        for name in REQUIRED_METADATA:
            value = body.get(name)
            if not isinstance(value, str) or not value:
                raise self._incomplete(Phrase("configuration"), name)
            values[name] = value
        if values["issuer"].rstrip("/") != self.issuer_url:
            raise AuthServiceError(
                "Huudis sign-in at {issuer} describes itself as a different issuer. "
                "Check PAWPADO_AUTH_URL; if it is right, try again later.",
                issuer=self.issuer_url,
            )
        for name in REQUIRED_METADATA[1:]:
            try:
                values[name] = checked_url(values[name], what=name, env_name="PAWPADO_AUTH_URL")
            except ConfigError:
                raise AuthServiceError(
                    "Huudis sign-in's configuration points {name} at an address that is not "
                    "secure (https). Nothing was sent. Try again later or contact support.",
                    name=name,
                ) from None
        return ProviderMetadata(**values)

    async def _post(
        self, url: str, form: Mapping[str, str], *, expect_json: bool = True
    ) -> Mapping[str, Any]:
        request = self._http.build_request(
            "POST",
            url,
            data=dict(form),
            headers={"Accept": "application/json"},
            timeout=self._timeout,
        )
        response = await self._exchange(request)
        log.debug("POST %s -> %s", url, response.status_code)
        body = _json_object(response)
        if 200 <= response.status_code < 300:
            if body is None and expect_json:
                raise AuthServiceError(
                    "Huudis sign-in sent an answer this app cannot read. Try again; if it "
                    "persists, check for an app update."
                )
            return body or {}
        if response.status_code >= 500 or response.status_code == 429:
            raise self._server_trouble(response.status_code)
        error = body.get("error") if body else None
        if isinstance(error, str) and error:
            description = body.get("error_description") if body else None
            raise OAuthError(
                response.status_code,
                error,
                description if isinstance(description, str) else None,
                body or {},
            )
        raise AuthServiceError(
            "Huudis sign-in refused the request (HTTP {status}) without saying "
            "why. Try again; if it persists, check for an app update.",
            status=response.status_code,
        )

    async def _exchange(self, request: httpx.Request) -> Answer:
        try:
            return await exchange(self._http, request, deadline_s=self._deadline_s)
        except (httpx.TransportError, DeadlineExceeded) as exc:
            raise self._unreachable(exc) from None
        except BodyTooLarge:
            raise AuthServiceError(
                "Huudis sign-in ({issuer}) sent an answer far larger than any real "
                "one. Nothing was stored. Try again later; if it persists, check "
                "PAWPADO_AUTH_URL.",
                issuer=self.issuer_url,
            ) from None
        except (ExchangeError, httpx.HTTPError) as exc:  # a wrong Content-Encoding, redirects
            why = str(exc) if isinstance(exc, ExchangeError) else type(exc).__name__
            raise AuthServiceError(
                "Huudis sign-in ({issuer}) sent an answer this app cannot read "
                "({why}). Nothing was stored. Try again; if it persists, a proxy may be "
                "altering the connection.",
                issuer=self.issuer_url,
                why=why,
            ) from None

    def _unreachable(self, exc: httpx.TransportError | DeadlineExceeded) -> AuthServiceUnavailable:
        if isinstance(exc, httpx.TimeoutException | DeadlineExceeded):
            return AuthServiceUnavailable(
                "Huudis sign-in ({issuer}) did not answer in time. Check your internet "
                "connection and try again.",
                issuer=self.issuer_url,
            )
        return AuthServiceUnavailable(
            "Huudis sign-in ({issuer}) could not be reached. Check your internet connection "
            "and try again.",
            issuer=self.issuer_url,
        )

    def _server_trouble(self, status: int) -> AuthServiceUnavailable:
        return AuthServiceUnavailable(
            "Huudis sign-in is having trouble (HTTP {status}). Nothing was changed; "
            "try again in a few minutes.",
            status=status,
        )

    def _incomplete(self, what: Phrase, field: str) -> AuthServiceError:
        return AuthServiceError(
            "Huudis sign-in sent an incomplete {what} (no {field!r}). Nothing was stored. "
            "Try again later; if it persists, check PAWPADO_AUTH_URL or contact support.",
            what=what,
            field=field,
        )


def _json_object(response: Answer) -> dict[str, Any] | None:
    try:
        value = response.json()
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        return None
    return value if isinstance(value, dict) else None
