"""The simulated Huudis identity provider: device flow, rotating refresh tokens, revocation.

Pure state with no locking and no I/O: the `World` owns the lock and passes the
current simulator time (`now`, epoch seconds) into every call.
"""

from __future__ import annotations

import math
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from pawpado_desktop.sim import jwt
from pawpado_desktop.sim.config import SimConfig

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no digits
USER_CODE_LENGTH = 8
KNOWN_SCOPES = frozenset({"openid", "email", "profile", "offline_access", "pawpado"})
ACCESS_AUDIENCE = "pawpado"
SLOW_DOWN_STEP = 5
# A poll this much earlier than the interval still counts as on time, so a
# client that sleeps exactly `interval` is never punished for timer jitter.
POLL_TOLERANCE = 0.02

DeviceStatus = Literal["pending", "approved", "denied", "consumed"]


class OAuthError(Exception):
    """An RFC 6749 §5.2 error answer."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class TokenPair:
    """What the token endpoint hands out. Its repr never shows the secrets."""

    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str
    id_token: str | None = None
    token_type: str = "Bearer"  # noqa: S105 (a scheme name)

    def __repr__(self) -> str:
        return f"TokenPair(<redacted>, expires_in={self.expires_in}, scope={self.scope!r})"

    def as_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        if self.id_token is not None:
            body["id_token"] = self.id_token
        return body


@dataclass
class DeviceGrant:
    device_code: str = field(repr=False)
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    interval: int
    status: DeviceStatus = "pending"
    last_poll_at: float | None = None
    polls: int = 0


@dataclass
class _Family:
    """Every token of one sign-in; reuse detection revokes them together."""

    id: str
    client_id: str
    scope: str
    revoked: bool = False
    access_jtis: set[str] = field(default_factory=set)


@dataclass
class _RefreshRecord:
    family: _Family
    used_at: float | None = None
    successor: TokenPair | None = None


@dataclass
class _AccessRecord:
    family: _Family
    expires_at: float
    revoked: bool = False


@dataclass(frozen=True)
class HuudisStats:
    token_requests: dict[str, int]  # per grant_type as sent
    device_authorizations: int
    refreshes: int  # successful refresh-token redemptions
    reuse_detections: int
    revoked_families: int
    revocation_requests: int


@dataclass(frozen=True)
class AccessClaims:
    subject: str
    expires_at: float
    jti: str


def normalize_user_code(text: str) -> str | None:
    """RFC 8628 §6.1: case-insensitive, punctuation ignored. None if not a valid code."""
    letters = [c for c in text.upper() if c.isalnum()]
    if len(letters) != USER_CODE_LENGTH or any(c not in USER_CODE_ALPHABET for c in letters):
        return None
    return "".join(letters[:4]) + "-" + "".join(letters[4:])


class Huudis:
    def __init__(self, config: SimConfig, issuer: str) -> None:
        self.config = config
        self.issuer = issuer
        self.access_token_lifetime = config.access_token_lifetime
        self.auto_approve = config.auto_approve
        self._secret = secrets.token_bytes(32)
        self._devices: dict[str, DeviceGrant] = {}  # by device_code
        self._refresh: dict[str, _RefreshRecord] = {}
        self._access: dict[str, _AccessRecord] = {}  # by jti
        self._families: list[_Family] = []
        self._token_requests: Counter[str] = Counter()
        self._device_authorizations = 0
        self._refreshes = 0
        self._reuse_detections = 0
        self._revocations = 0

    # -- client checks -----------------------------------------------------------

    def check_client(self, client_id: str | None) -> str:
        if not client_id or client_id not in self.config.client_ids:
            raise OAuthError("invalid_client", "Unknown client.", status=401)
        return client_id

    def _check_scope(self, scope: str | None) -> str:
        requested = (scope or "").split()
        unknown = [s for s in requested if s not in KNOWN_SCOPES]
        if unknown:
            raise OAuthError("invalid_scope", f"Unknown scope: {' '.join(unknown)}.")
        return " ".join(dict.fromkeys(requested))

    # -- device flow (RFC 8628) --------------------------------------------------

    def authorize_device(self, client_id: str | None, scope: str | None, now: float) -> DeviceGrant:
        client = self.check_client(client_id)
        grant = DeviceGrant(
            device_code=secrets.token_urlsafe(32),
            user_code=self._new_user_code(),
            client_id=client,
            scope=self._check_scope(scope),
            expires_at=now + self.config.device_code_lifetime,
            interval=self.config.device_poll_interval,
        )
        self._devices[grant.device_code] = grant
        self._device_authorizations += 1
        return grant

    def _new_user_code(self) -> str:
        taken = {g.user_code for g in self._devices.values()}
        while True:
            raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
            code = f"{raw[:4]}-{raw[4:]}"
            if code not in taken:
                return code

    def find_device(self, user_code: str, now: float) -> DeviceGrant | None:
        """The live (unexpired, unfinished) grant for a code the user typed."""
        code = normalize_user_code(user_code)
        for grant in self._devices.values():
            if grant.user_code == code and grant.status == "pending" and now < grant.expires_at:
                return grant
        return None

    def decide(self, user_code: str, approve: bool, now: float) -> bool:
        grant = self.find_device(user_code, now)
        if grant is None:
            return False
        grant.status = "approved" if approve else "denied"
        return True

    def device_grants(self) -> list[DeviceGrant]:
        return list(self._devices.values())

    def poll_device(self, device_code: str | None, client_id: str | None, now: float) -> TokenPair:
        client = self.check_client(client_id)
        grant = self._devices.get(device_code or "")
        if grant is None or grant.client_id != client or grant.status == "consumed":
            raise OAuthError("invalid_grant", "The device code is unknown or was already used.")
        too_fast = (
            grant.last_poll_at is not None
            and now - grant.last_poll_at < grant.interval * (1 - POLL_TOLERANCE)
        )
        grant.last_poll_at = now
        grant.polls += 1
        if now >= grant.expires_at:
            raise OAuthError("expired_token", "The device code has expired. Start over.")
        if too_fast:
            grant.interval += SLOW_DOWN_STEP  # for this and every later poll (§3.5)
            raise OAuthError(
                "slow_down", f"Polling too fast; wait at least {grant.interval} seconds."
            )
        if grant.status == "denied":
            raise OAuthError("access_denied", "The user denied the request.")
        if grant.status == "pending" and self.auto_approve:
            grant.status = "approved"
        if grant.status != "approved":
            raise OAuthError("authorization_pending", "The user has not approved yet.")
        grant.status = "consumed"
        return self._mint(self._new_family(client, grant.scope), now)

    # -- tokens --------------------------------------------------------------------

    def _new_family(self, client_id: str, scope: str) -> _Family:
        family = _Family(id=secrets.token_hex(8), client_id=client_id, scope=scope)
        self._families.append(family)
        return family

    def _mint(self, family: _Family, now: float) -> TokenPair:
        lifetime = self.access_token_lifetime
        expires_at = now + lifetime
        jti = secrets.token_hex(12)
        claims = {
            "iss": self.issuer,
            "sub": self.config.huudis_user_id,
            "aud": ACCESS_AUDIENCE,
            "exp": math.floor(expires_at),
            "iat": math.floor(now),
            "jti": jti,
            "scope": family.scope,
            "client_id": family.client_id,
        }
        access = jwt.encode(claims, self._secret, typ="at+jwt")
        self._access[jti] = _AccessRecord(family=family, expires_at=expires_at)
        family.access_jtis.add(jti)
        scopes = family.scope.split()
        refresh: str | None = None
        if "offline_access" in scopes:
            refresh = "hrt_" + secrets.token_urlsafe(32)
            self._refresh[refresh] = _RefreshRecord(family=family)
        id_token: str | None = None
        if "openid" in scopes:
            id_claims: dict[str, Any] = {
                "iss": self.issuer,
                "sub": self.config.huudis_user_id,
                "aud": family.client_id,
                "exp": math.floor(expires_at),
                "iat": math.floor(now),
                "email": self.config.email,
                "name": self.config.name,
            }
            id_token = jwt.encode(id_claims, self._secret)
        return TokenPair(
            access_token=access,
            refresh_token=refresh,
            expires_in=max(0, math.floor(lifetime)),
            scope=family.scope,
            id_token=id_token,
        )

    def sign_in_directly(self, now: float, scope: str | None = None) -> TokenPair:
        """Tokens for the demo account without the device dance (tests, --demo)."""
        client = self.config.client_ids[0]
        chosen = self._check_scope(scope or "openid email offline_access pawpado")
        return self._mint(self._new_family(client, chosen), now)

    def refresh(self, refresh_token: str | None, client_id: str | None, now: float) -> TokenPair:
        client = self.check_client(client_id)
        record = self._refresh.get(refresh_token or "")
        if record is None or record.family.client_id != client:
            raise OAuthError("invalid_grant", "The refresh token is unknown.")
        family = record.family
        if family.revoked:
            raise OAuthError("invalid_grant", "The refresh token was revoked. Sign in again.")
        if record.used_at is not None:
            successor = record.successor
            in_grace = now - record.used_at <= self.config.refresh_grace_seconds
            if in_grace and successor is not None and self._unused(successor):
                return successor
            self._reuse_detections += 1
            self._revoke_family(family)
            raise OAuthError(
                "invalid_grant", "The refresh token was already used; every token of this "
                "sign-in is now revoked. Sign in again."
            )
        record.used_at = now
        record.successor = self._mint(family, now)
        self._refreshes += 1
        return record.successor

    def _unused(self, pair: TokenPair) -> bool:
        record = self._refresh.get(pair.refresh_token or "")
        return record is not None and record.used_at is None

    def _revoke_family(self, family: _Family) -> None:
        family.revoked = True

    def revoke(self, token: str | None, hint: str | None, client_id: str | None) -> None:
        """RFC 7009: unknown tokens are fine; a refresh token takes its family along."""
        self.check_client(client_id)
        self._revocations += 1
        if not token:
            raise OAuthError("invalid_request", "The token parameter is missing.")
        record = self._refresh.get(token)
        if record is not None:
            self._revoke_family(record.family)
            return
        claims = jwt.decode(token, self._secret)
        access = self._access.get(str(claims.get("jti"))) if claims else None
        if access is not None:
            access.revoked = True

    def revoke_all(self) -> int:
        """Every live sign-in ends, as after a password change. Returns how many."""
        live = [f for f in self._families if not f.revoked]
        for family in live:
            self._revoke_family(family)
        return len(live)

    def verify_access(self, token: str, now: float) -> AccessClaims | None:
        claims = jwt.decode(token, self._secret)
        if claims is None or claims.get("iss") != self.issuer:
            return None
        if claims.get("aud") != ACCESS_AUDIENCE:
            return None
        record = self._access.get(str(claims.get("jti")))
        if record is None or record.revoked or record.family.revoked:
            return None
        if now >= record.expires_at:
            return None
        return AccessClaims(
            subject=str(claims.get("sub")), expires_at=record.expires_at, jti=str(claims["jti"])
        )

    def count_token_request(self, grant_type: str) -> None:
        self._token_requests[grant_type] += 1

    def stats(self) -> HuudisStats:
        return HuudisStats(
            token_requests=dict(self._token_requests),
            device_authorizations=self._device_authorizations,
            refreshes=self._refreshes,
            reuse_detections=self._reuse_detections,
            revoked_families=sum(1 for f in self._families if f.revoked),
            revocation_requests=self._revocations,
        )
