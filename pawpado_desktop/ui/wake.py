"""logind's announcements on the system bus: wake-ups, and a coming sleep or shutdown.

After a wake (PrepareForSleep false) the tray refreshes at once; the core's poller
would also notice the wall-clock jump on its own within half a minute. Before a
sleep or a shutdown (PrepareForSleep / PrepareForShutdown true) the tray ends a
Play of ours while its `DelayInhibitor` holds the machine back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pawpado_desktop.ui.dbus import Bus, BusUnavailable
from pawpado_desktop.ui.inhibitor import LOGIND_MANAGER, LOGIND_PATH

log = logging.getLogger(__name__)

__all__ = ["LOGIND_MANAGER", "LOGIND_PATH", "WakeWatcher"]


class WakeWatcher:
    def __init__(
        self,
        on_wake: Callable[[], None],
        *,
        bus: str = "SYSTEM",
        on_prepare: Callable[[str], None] | None = None,
    ) -> None:
        self._on_wake = on_wake
        self._on_prepare = on_prepare  # called with "sleep" or "shutdown"
        self._bus = Bus(bus)
        self.wakes = 0

    async def start(self) -> bool:
        try:
            await self._bus.open()
            await self._bus.watch(LOGIND_MANAGER, LOGIND_PATH, self._signal)
        except BusUnavailable as exc:
            log.info("no logind to watch for sleep and shutdown (%s)", exc)
            await self._bus.aclose()
            return False
        return True

    def _signal(self, member: str, body: tuple[Any, ...]) -> None:
        if member not in ("PrepareForSleep", "PrepareForShutdown") or not body:
            return
        if member == "PrepareForSleep" and not body[0]:  # False: just woke up
            self.wakes += 1
            log.info("woke from sleep; refreshing")
            self._on_wake()
            return
        if body[0] and self._on_prepare is not None:
            what = "sleep" if member == "PrepareForSleep" else "shutdown"
            log.info("logind: preparing for %s", what)
            self._on_prepare(what)

    async def aclose(self) -> None:
        await self._bus.aclose()
