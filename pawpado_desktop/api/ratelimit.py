"""Client-side rate limiting, so a correct app never provokes a 429.

One bucket per contract class (reads 60/min, writes 20/min, poll 30/min). Each
keeps a sliding log of its own sends: at most `limit` in any window of
`window + margin` seconds, which keeps every fixed server window under the limit
even when requests arrive a little later than they were sent. The server's
X-RateLimit headers tighten the bucket further (a lower limit, or nothing left
until the reset), and a 429's Retry-After blocks the bucket until it has passed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from enum import StrEnum

from pawpado_desktop.clock import Clock

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
# Arrival jitter and the server's whole-second Reset: stay this far inside its window.
MARGIN_SECONDS = 1.0


class RateClass(StrEnum):
    READ = "read"
    WRITE = "write"
    POLL = "poll"


CONTRACT_LIMITS: dict[RateClass, int] = {
    RateClass.READ: 60,
    RateClass.WRITE: 20,
    RateClass.POLL: 30,
}


def rate_class(method: str, path: str) -> RateClass:
    if path.rstrip("/").endswith("/sessions/poll"):
        return RateClass.POLL
    return RateClass.READ if method.upper() in ("GET", "HEAD") else RateClass.WRITE


class Bucket:
    def __init__(self, limit: int, clock: Clock) -> None:
        self.limit = limit
        self._clock = clock
        self._sent: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = asyncio.Lock()

    def _delay(self, now: float) -> float:
        horizon = WINDOW_SECONDS + MARGIN_SECONDS
        while self._sent and now - self._sent[0] >= horizon:
            self._sent.popleft()
        delay = self._blocked_until - now
        if len(self._sent) >= self.limit:
            delay = max(delay, self._sent[len(self._sent) - self.limit] + horizon - now)
        return max(0.0, delay)

    def delay(self) -> float:
        """How long a request would wait now (0 when it could go at once)."""
        return self._delay(self._clock.monotonic())

    async def acquire(self) -> float:
        """Wait for a slot and take it; returns the seconds waited."""
        waited = 0.0
        async with self._lock:  # FIFO: callers get slots in the order they asked
            while (delay := self._delay(self._clock.monotonic())) > 0:
                waited += delay
                await self._clock.sleep(delay)
            self._sent.append(self._clock.monotonic())
        return waited

    def block_for(self, seconds: float) -> None:
        self._blocked_until = max(self._blocked_until, self._clock.monotonic() + seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Follow the server: a lower limit, or nothing left until its reset."""
        limit = _int_header(headers, "x-ratelimit-limit")
        remaining = _int_header(headers, "x-ratelimit-remaining")
        reset = _int_header(headers, "x-ratelimit-reset")
        if limit is not None and 0 < limit < self.limit:
            self.limit = limit
        if remaining == 0 and reset is not None:
            seconds = reset - self._clock.now().timestamp() + MARGIN_SECONDS
            if 0 < seconds <= WINDOW_SECONDS + MARGIN_SECONDS:
                log.debug("rate bucket exhausted; holding for %.1f s", seconds)
                self.block_for(seconds)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


class RateLimiter:
    def __init__(self, clock: Clock, limits: Mapping[RateClass, int] = CONTRACT_LIMITS) -> None:
        self.buckets = {cls: Bucket(limit, clock) for cls, limit in limits.items()}

    def bucket(self, method: str, path: str) -> Bucket:
        return self.buckets[rate_class(method, path)]
