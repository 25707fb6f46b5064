"""The token set the client keeps, and how it is read from a token response.

The access token is opaque to us (RFC 9068 §6): its lifetime comes from
`expires_in`, turned into a wall-clock deadline when the answer arrives, so a
laptop that slept past the deadline still sees it as expired.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# Used when a token response leaves out `expires_in` (it is only RECOMMENDED):
# short, so we refresh early rather than present a dead token.
DEFAULT_LIFETIME = 300.0
# Refresh this far ahead of expiry: 5 minutes, or a fifth of short lifetimes so
# a token of a few seconds (tests, the demo) is not stale the moment it arrives.
MAX_REFRESH_MARGIN = 300.0
MARGIN_FRACTION = 0.2
STORED_FORMAT = 1
# Longer than any token or device-code lifetime; beyond it a value is nonsense
# (and too far away for a datetime).
MAX_SECONDS = 365 * 24 * 3600.0


class TokenResponseError(ValueError):
    """A token response is missing something we need (message names the field only)."""


def parse_seconds(value: Any, default: float) -> float:
    """A positive number of seconds (up to a year) from a JSON int, float or numeric string."""
    if isinstance(value, bool):
        return default
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return default
    if isinstance(value, int | float) and 0 < value <= MAX_SECONDS:
        return float(value)
    return default


@dataclass(frozen=True, repr=False)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime  # aware UTC, when the access token stops working
    refresh_at: datetime  # aware UTC, when we start replacing it

    def __repr__(self) -> str:
        has_rt = "yes" if self.refresh_token else "no"
        return f"TokenSet(expires_at={self.expires_at.isoformat()}, refresh_token={has_rt})"

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def needs_refresh(self, now: datetime) -> bool:
        return now >= self.refresh_at

    @classmethod
    def from_response(
        cls, body: Mapping[str, Any], now: datetime, previous_refresh_token: str | None = None
    ) -> TokenSet:
        """Read an RFC 6749 §5.1 answer; a missing `refresh_token` keeps the previous one."""
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise TokenResponseError("access_token")
        token_type = body.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise TokenResponseError("token_type")
        refresh = body.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            refresh = previous_refresh_token
        lifetime = parse_seconds(body.get("expires_in"), DEFAULT_LIFETIME)
        margin = min(MAX_REFRESH_MARGIN, lifetime * MARGIN_FRACTION)
        return cls(
            access_token=access,
            refresh_token=refresh,
            expires_at=now + timedelta(seconds=lifetime),
            refresh_at=now + timedelta(seconds=lifetime - margin),
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": STORED_FORMAT,
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at.isoformat(),
                "refresh_at": self.refresh_at.isoformat(),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> TokenSet | None:
        """The stored set, or None if it is not one we wrote (never raises)."""
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict) or raw.get("v") != STORED_FORMAT:
                return None
            access, refresh = raw["access_token"], raw["refresh_token"]
            expires_at = datetime.fromisoformat(raw["expires_at"])
            refresh_at = datetime.fromisoformat(raw["refresh_at"])
        except (ValueError, KeyError, TypeError, RecursionError):
            return None
        if not isinstance(access, str) or not (refresh is None or isinstance(refresh, str)):
            return None
        if expires_at.tzinfo is None or refresh_at.tzinfo is None:
            return None
        return cls(access, refresh, expires_at, refresh_at)
