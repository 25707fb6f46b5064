"""Typed models of the API's JSON, tolerant of what a newer server may add.

Unknown fields are ignored, unknown enum values are kept (as `SessionState.UNKNOWN`
plus the raw string, or as plain strings), money is `Decimal` and times are
timezone-aware. A missing or mistyped required field raises `ProtocolError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypedDict

from pawpado_desktop.api.errors import ProtocolError
from pawpado_desktop.safe_url import checkout_url

JsonObject = dict[str, Any]


def _get(raw: JsonObject, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = raw.get(key)
    # bool is an int in Python; never accept it where a number is promised.
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        raise ProtocolError(
            "Pawpado's {what} answer has no valid `{key}`. Check for an app update.",
            what=what,
            key=key,
        )
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _opt(raw: JsonObject, key: str, kind: type, what: str) -> Any:
    if raw.get(key) is None:
        return None
    return _get(raw, key, kind, what)


# Amounts the app computes with: far beyond any wallet or price, yet small enough
# that balance / rate keeps to Decimal's 28 digits (exponents of the leading digit).
_AMOUNT_EXPONENTS = range(-6, 15)


def parse_decimal(value: str, what: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ProtocolError(
            "Pawpado sent an amount that is not a number in its {what} answer.", what=what
        ) from None
    if not amount.is_finite():
        raise ProtocolError(
            "Pawpado sent an amount that is not a number in its {what} answer.", what=what
        )
    if amount and amount.adjusted() not in _AMOUNT_EXPONENTS:
        raise ProtocolError(
            "Pawpado sent an amount out of any real range in its {what} answer. "
            "Check for an app update.",
            what=what,
        )
    return amount


def parse_time(value: str, what: str) -> datetime:
    """An aware UTC datetime (so that any two can be subtracted)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # not a date, or out of range once made UTC
        raise ProtocolError(
            "Pawpado sent a time that is not a date in its {what} answer.", what=what
        ) from None


def _money(raw: JsonObject, key: str, what: str) -> Decimal:
    return parse_decimal(_get(raw, key, str, what), what)


def _time(raw: JsonObject, key: str, what: str) -> datetime:
    return parse_time(_get(raw, key, str, what), what)


def _opt_time(raw: JsonObject, key: str, what: str) -> datetime | None:
    value = _opt(raw, key, str, what)
    return None if value is None else parse_time(value, what)


def _number(raw: JsonObject, key: str, what: str) -> float:
    try:
        number = float(_get(raw, key, (int, float), what))
    except OverflowError:  # an integer beyond any float
        number = math.inf
    if not math.isfinite(number):
        raise ProtocolError(
            "Pawpado's {what} answer has no valid `{key}`. Check for an app update.",
            what=what,
            key=key,
        )
    return number


class SessionState(StrEnum):
    STOPPED = "stopped"
    PROVISIONING = "provisioning"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    ERROR = "error"
    UNKNOWN = "unknown"  # a state this version does not know: busy, nothing to act on

    @classmethod
    def parse(cls, value: str) -> SessionState:
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_active(self) -> bool:
        """An instance exists and bills (or is about to)."""
        return self in (SessionState.PROVISIONING, SessionState.STARTING, SessionState.RUNNING)

    @property
    def is_booting(self) -> bool:
        return self in (SessionState.PROVISIONING, SessionState.STARTING)

    @property
    def can_start(self) -> bool:
        return self in (SessionState.STOPPED, SessionState.ERROR)


@dataclass(frozen=True)
class Health:
    status: str
    version: str | None = None

    @classmethod
    def from_json(cls, raw: JsonObject) -> Health:
        what = "health"
        return cls(status=_get(raw, "status", str, what), version=_opt(raw, "version", str, what))


@dataclass(frozen=True)
class SessionStatus:
    state: SessionState
    ready: bool
    raw_state: str = ""
    instance_id: str | None = None
    public_ip: str | None = None
    tailnet_ip: str | None = None
    started_at: datetime | None = None
    message: str | None = None

    @classmethod
    def from_json(cls, raw: JsonObject) -> SessionStatus:
        what = "session"
        state = _get(raw, "state", str, what)
        return cls(
            state=SessionState.parse(state),
            raw_state=state,
            ready=_get(raw, "ready", bool, what),
            instance_id=_opt(raw, "instanceId", str, what),
            public_ip=_opt(raw, "publicIp", str, what),
            tailnet_ip=_opt(raw, "tailnetIp", str, what),
            started_at=_opt_time(raw, "startedAt", what),
            message=_opt(raw, "message", str, what),
        )

    @property
    def is_playable(self) -> bool:
        return self.state is SessionState.RUNNING and self.ready


@dataclass(frozen=True)
class PairPin:
    pin: str = field(repr=False)  # lives 120 s; still kept out of logs
    expires_at: datetime

    @classmethod
    def from_json(cls, raw: JsonObject) -> PairPin:
        pin = _get(raw, "pin", str, "pairing PIN")
        if len(pin) != 4 or not pin.isdigit():
            raise ProtocolError("Pawpado sent a pairing PIN that is not four digits.")
        return cls(pin=pin, expires_at=_time(raw, "expiresAt", "pairing PIN"))


@dataclass(frozen=True)
class ConnectInfo:
    tailnet_ip: str
    port: int
    hostname: str | None = None

    @classmethod
    def from_json(cls, raw: JsonObject) -> ConnectInfo:
        what = "connect"
        port = _get(raw, "port", int, what)
        if not 0 < port < 65536:
            raise ProtocolError("Pawpado sent a streaming port outside 1-65535.")
        return cls(
            tailnet_ip=_get(raw, "tailnetIp", str, what),
            port=port,
            hostname=_opt(raw, "hostname", str, what),
        )

    @property
    def address(self) -> str:
        """`host:port` as Moonlight takes it (IPv6 in brackets)."""
        host = f"[{self.tailnet_ip}]" if ":" in self.tailnet_ip else self.tailnet_ip
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class TailscaleKey:
    auth_key: str = field(repr=False)  # secret: never logged, never on a command line
    expires_at: datetime
    ephemeral: bool
    control_url: str | None = None
    tags: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, raw: JsonObject) -> TailscaleKey:
        what = "Tailscale key"
        tags = raw.get("tags")
        return cls(
            auth_key=_get(raw, "authKey", str, what),
            expires_at=_time(raw, "expiresAt", what),
            ephemeral=_get(raw, "ephemeral", bool, what),
            control_url=_opt(raw, "controlUrl", str, what),
            tags=tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else (),
        )


@dataclass(frozen=True)
class Credits:
    balance: Decimal
    currency: str
    rate_per_minute: Decimal
    minimum_start_balance: Decimal
    storage_used_gb: float
    storage_quota_gb: float

    @classmethod
    def from_json(cls, raw: JsonObject) -> Credits:
        what = "balance"
        storage = _get(raw, "storage", dict, what)
        return cls(
            balance=_money(raw, "balance", what),
            currency=_get(raw, "currency", str, what),
            rate_per_minute=_money(raw, "ratePerMinute", what),
            minimum_start_balance=_money(raw, "minimumStartBalance", what),
            storage_used_gb=_number(storage, "usedGb", what),
            storage_quota_gb=_number(storage, "quotaGb", what),
        )

    @property
    def minutes_left(self) -> int | None:
        """Whole minutes of play the balance buys; None when the rate is zero."""
        if self.rate_per_minute <= 0:
            return None
        return max(0, int(self.balance // self.rate_per_minute))

    @property
    def shortfall_to_start(self) -> Decimal:
        """How much is missing before a start is allowed (zero when enough)."""
        return max(Decimal(0), self.minimum_start_balance - self.balance)


@dataclass(frozen=True)
class TopupCheckout:
    checkout_id: str
    checkout_url: str
    expires_at: datetime

    @classmethod
    def from_json(cls, raw: JsonObject) -> TopupCheckout:
        what = "top-up"
        url = checkout_url(_get(raw, "checkoutUrl", str, what)).url  # raises UnsafeUrl
        return cls(
            checkout_id=_get(raw, "checkoutId", str, what),
            checkout_url=url,
            expires_at=_time(raw, "expiresAt", what),
        )


@dataclass(frozen=True)
class StorageBilling:
    tier: str
    size_gb: float
    used_gb: float
    price_per_month: Decimal
    currency: str
    period_start: datetime
    period_end: datetime

    @classmethod
    def from_json(cls, raw: JsonObject) -> StorageBilling:
        what = "storage billing"
        return cls(
            tier=_get(raw, "tier", str, what),
            size_gb=_number(raw, "sizeGb", what),
            used_gb=_number(raw, "usedGb", what),
            price_per_month=_money(raw, "pricePerMonth", what),
            currency=_get(raw, "currency", str, what),
            period_start=_time(raw, "periodStart", what),
            period_end=_time(raw, "periodEnd", what),
        )


class SettingsPatch(TypedDict, total=False):
    """The wire names of the server preferences a PATCH may change."""

    instanceType: str
    autoStopIdleMinutes: int
    lowBalanceAlertMinutes: int
    streamResolution: str
    streamFps: int
    bitrateKbps: int
    locale: str


@dataclass(frozen=True)
class Settings:
    """Server-side preferences. Enum-like fields stay strings: a newer server may add values."""

    instance_type: str
    auto_stop_idle_minutes: int
    low_balance_alert_minutes: int
    stream_resolution: str
    stream_fps: int
    bitrate_kbps: int
    locale: str

    @classmethod
    def from_json(cls, raw: JsonObject) -> Settings:
        what = "settings"
        return cls(
            instance_type=_get(raw, "instanceType", str, what),
            auto_stop_idle_minutes=_get(raw, "autoStopIdleMinutes", int, what),
            low_balance_alert_minutes=_get(raw, "lowBalanceAlertMinutes", int, what),
            stream_resolution=_get(raw, "streamResolution", str, what),
            stream_fps=_get(raw, "streamFps", int, what),
            bitrate_kbps=_get(raw, "bitrateKbps", int, what),
            locale=_get(raw, "locale", str, what),
        )

    @property
    def resolution(self) -> tuple[int, int] | None:
        width, sep, height = self.stream_resolution.partition("x")
        if sep and width.isdigit() and height.isdigit():
            return int(width), int(height)
        return None


@dataclass(frozen=True)
class Identity:
    huudis_user_id: str
    email: str
    expires_at: datetime
    name: str | None = None

    @classmethod
    def from_json(cls, raw: JsonObject) -> Identity:
        what = "identity"
        return cls(
            huudis_user_id=_get(raw, "huudisUserId", str, what),
            email=_get(raw, "email", str, what),
            expires_at=_time(raw, "expiresAt", what),
            name=_opt(raw, "name", str, what),
        )

    @property
    def display_name(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True)
class AccountDeletion:
    status: str
    delete_at: datetime

    @classmethod
    def from_json(cls, raw: JsonObject) -> AccountDeletion:
        what = "account deletion"
        return cls(status=_get(raw, "status", str, what), delete_at=_time(raw, "deleteAt", what))
