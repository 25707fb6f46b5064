"""Simulator time (epoch seconds) as the contract's date-time strings."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(epoch: float) -> str:
    """RFC 3339 UTC with whole seconds, rounded down ("2026-05-12T10:42:00Z").

    Rounding down keeps an announced expiry never later than the real one.
    """
    moment = datetime.fromtimestamp(int(epoch // 1), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
