"""Refresh at once after the computer wakes from sleep.

logind announces sleep and wake on the system bus (PrepareForSleep). The core's
poller also notices a wall-clock jump on its own within half a minute; this
makes it immediate where logind is there to ask.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pawpado_desktop.ui.dbus import Bus, BusUnavailable

log = logging.getLogger(__name__)

LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_MANAGER = "org.freedesktop.login1.Manager"


class WakeWatcher:
    def __init__(self, on_wake: Callable[[], None], *, bus: str = "SYSTEM") -> None:
        self._on_wake = on_wake
        self._bus = Bus(bus)
        self.wakes = 0

    async def start(self) -> bool:
        try:
            await self._bus.open()
            await self._bus.watch(LOGIND_MANAGER, LOGIND_PATH, self._signal)
        except BusUnavailable as exc:
            log.info("no logind to watch for wake-ups (%s)", exc)
            await self._bus.aclose()
            return False
        return True

    def _signal(self, member: str, body: tuple[Any, ...]) -> None:
        if member == "PrepareForSleep" and body and not body[0]:  # False: just woke up
            self.wakes += 1
            log.info("woke from sleep; refreshing")
            self._on_wake()

    async def aclose(self) -> None:
        await self._bus.aclose()
