"""Per-account rate limits in fixed 60-second windows of simulator time."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pawpado_desktop.sim.requestlog import RateClass

WINDOW = 60.0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the window ends
    retry_after: int  # whole seconds until then (only meaningful when refused)

    def headers(self) -> dict[str, str]:
        values = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }
        if not self.allowed:
            values["Retry-After"] = str(self.retry_after)
        return values


class RateLimiter:
    def __init__(self, limits: dict[RateClass, int]) -> None:
        self.limits = dict(limits)
        self._windows: dict[RateClass, tuple[float, int]] = {}  # class -> (start, used)

    def check(self, rate_class: RateClass, now: float) -> Verdict:
        """Count one request of `rate_class` at `now` and say whether it may pass."""
        limit = self.limits[rate_class]
        start = math.floor(now / WINDOW) * WINDOW
        window_start, used = self._windows.get(rate_class, (start, 0))
        if window_start != start:
            used = 0
        allowed = used < limit
        if allowed:
            used += 1
        self._windows[rate_class] = (start, used)
        reset_at = start + WINDOW
        return Verdict(
            allowed=allowed,
            limit=limit,
            remaining=max(0, limit - used),
            reset_at=reset_at,
            retry_after=max(1, math.ceil(reset_at - now)),
        )

    def reset(self) -> None:
        self._windows.clear()
