"""What the simulated world looks like before the first request.

Defaults are production-like (the contract's timings and prices); tests build a
fast variant by overriding fields. Every duration is in seconds of the
simulator's `Clock`, so a `ScaledClock` compresses all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

INSTANCE_TYPES = ("g4dn.xlarge", "g5.xlarge", "g5.2xlarge")
PAWPADO_CLIENT_ID = "pawpado-desktop"


def default_settings() -> dict[str, Any]:
    """The account's preferences before any PATCH (schema `Settings`)."""
    return {
        "instanceType": "g4dn.xlarge",
        "autoStopIdleMinutes": 15,
        "lowBalanceAlertMinutes": 30,
        "streamResolution": "1920x1080",
        "streamFps": 60,
        "bitrateKbps": 20000,
        "locale": "en",
    }


@dataclass
class SimConfig:
    # Identity of the one demo account.
    huudis_user_id: str = "hu_7f3c9a2e51d04b6e"
    email: str = "gamer@example.com"
    name: str | None = "Demo Gamer"

    # Wallet.
    currency: str = "IDR"
    balance: Decimal = Decimal("100000.00")
    rate_per_minute: Decimal = Decimal("500.00")
    minimum_start_minutes: int = 15
    minimum_topup: Decimal = Decimal("10000")
    topup_settle_seconds: float = 3.0  # from Pay on the checkout page to the balance rising
    topup_auto_settle_seconds: float | None = None  # settle without a click after N s
    checkout_lifetime: float = 1800.0
    storage_used_gb: float = 37.5
    storage_quota_gb: float = 100.0
    storage_tier: str = "standard-100"
    storage_price_per_month: Decimal = Decimal("75000.00")

    # Session phases (production: 20-90, 30-120, 5-30, 20-60 seconds).
    provisioning_seconds: float = 40.0
    starting_seconds: float = 60.0
    ready_delay_seconds: float = 15.0
    stopping_seconds: float = 30.0
    instance_types: tuple[str, ...] = INSTANCE_TYPES
    settings: dict[str, Any] = field(default_factory=default_settings)

    # Huudis.
    client_ids: tuple[str, ...] = (PAWPADO_CLIENT_ID,)
    access_token_lifetime: float = 3600.0
    device_code_lifetime: float = 600.0
    device_poll_interval: int = 5
    auto_approve: bool = False
    # Vendor-style overlap window: a refresh token replayed this soon after its
    # rotation gets the same successor back instead of revoking the family.
    refresh_grace_seconds: float = 0.0

    # Streaming and tailnet.
    connect_port: int = 47989
    relay_path: bool = False  # True: the instance peer is reached through DERP only
    tailscale_control_url: str | None = None
    tailscale_key_lifetime: float = 600.0
    tailscale_tags: tuple[str, ...] = ("tag:pawpado-client",)
    tailnet_name: str = "pawpado-demo.ts.net"
    pin_lifetime: float = 120.0
    moonlight_apps: tuple[str, ...] = ("Desktop", "Steam Big Picture")

    # Rate limits per class (requests per 60-second window).
    read_limit: int = 60
    write_limit: int = 20
    poll_limit: int = 30

    @property
    def minimum_start_balance(self) -> Decimal:
        return self.rate_per_minute * self.minimum_start_minutes

    @classmethod
    def fast(cls, **overrides: Any) -> SimConfig:
        """Sub-second phases and polling: what tests and quick demos want."""
        values: dict[str, Any] = {
            "provisioning_seconds": 0.3,
            "starting_seconds": 0.3,
            "ready_delay_seconds": 0.2,
            "stopping_seconds": 0.3,
            "device_poll_interval": 1,
            "topup_settle_seconds": 0.2,
        }
        values.update(overrides)
        return cls(**values)
