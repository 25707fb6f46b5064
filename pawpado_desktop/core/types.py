"""The value types the tray and the CLI render, as the core hands them out.

They are defined with the API models (`AppState` holds them as the server sent
them); the tray and the CLI import them from here, never from `api` directly.
"""

from __future__ import annotations

from pawpado_desktop.api.models import (
    AccountDeletion,
    Credits,
    Identity,
    SessionState,
    SessionStatus,
    Settings,
    TopupCheckout,
)
from pawpado_desktop.tailscale.models import ConnectionPath, PathKind
from pawpado_desktop.tailscale.path import describe, region_name

__all__ = [
    "AccountDeletion",
    "ConnectionPath",
    "Credits",
    "Identity",
    "PathKind",
    "SessionState",
    "SessionStatus",
    "Settings",
    "TopupCheckout",
    "describe",
    "region_name",
]
