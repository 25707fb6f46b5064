"""Time as the app and the simulator see it.

Everything that waits, expires or bills asks a `Clock`, so tests and the demo can
run the same code on compressed time: a `ScaledClock(60)` turns an hour into a
minute for both sides of a socket, and `advance()` models a sleep-and-wake jump.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (in this clock's time)."""
        ...

    def now(self) -> datetime:
        """The wall-clock time, timezone-aware UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        ...

    async def wait_for(self, event: asyncio.Event, seconds: float) -> bool:
        """Wait until `event` is set (True) or `seconds` of this clock's time pass (False)."""
        ...


async def _wait_event(event: asyncio.Event, real_seconds: float) -> bool:
    # Not asyncio.wait_for: on 3.11 it can swallow a cancellation that arrives as
    # the event is set, and a task that cannot be cancelled never shuts down.
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=max(0.0, real_seconds))
    finally:
        waiter.cancel()
    return event.is_set()


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def wait_for(self, event: asyncio.Event, seconds: float) -> bool:
        return await _wait_event(event, seconds)


class ScaledClock:
    """Real time multiplied by `speed`, plus jumps made with `advance()`. Thread-safe."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._lock = threading.Lock()
        self._offset = 0.0
        self._wall_offset = 0.0
        self._mono0 = time.monotonic()
        self._wall0 = datetime.now(UTC)

    def _elapsed(self) -> float:
        with self._lock:
            return (time.monotonic() - self._mono0) * self.speed + self._offset

    def set_speed(self, speed: float) -> None:
        """Run faster or slower from now on (sleeps already begun keep their pace)."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        with self._lock:
            real = time.monotonic()
            self._offset += (real - self._mono0) * self.speed
            self._mono0 = real
            self.speed = speed

    def monotonic(self) -> float:
        return self._mono0 + self._elapsed()

    def now(self) -> datetime:
        elapsed = self._elapsed()
        with self._lock:
            return self._wall0 + timedelta(seconds=elapsed + self._wall_offset)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)

    async def wait_for(self, event: asyncio.Event, seconds: float) -> bool:
        return await _wait_event(event, seconds / self.speed)

    def suspend(self, seconds: float) -> None:
        """A system sleep: wall time jumps, monotonic time does not (as on Linux)."""
        with self._lock:
            self._wall_offset += seconds

    def advance(self, seconds: float) -> None:
        """Jump both clocks forward: time passed that nobody slept through."""
        with self._lock:
            self._offset += seconds


SYSTEM_CLOCK = SystemClock()
