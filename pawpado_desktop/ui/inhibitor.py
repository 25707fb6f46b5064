"""A logind delay inhibitor, held while a Play of ours runs (Linux).

While it is held, logind announces a shutdown or a sleep (PrepareForShutdown,
PrepareForSleep) and then waits, up to its InhibitDelayMaxSec, until the
inhibitor is released: time to send the stop and give the user's Tailscale
profile back before the machine goes away. logind hands out a file descriptor;
the inhibitor holds for as long as it is open.

jeepney's asyncio connection cannot receive file descriptors, so Inhibit is
called on a short-lived blocking connection on a worker thread (once per Play).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from pawpado_desktop.ui.dbus import CALL_TIMEOUT_S, BusUnavailable

log = logging.getLogger(__name__)

LOGIND = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_MANAGER = "org.freedesktop.login1.Manager"
WHAT = "shutdown:sleep"
WHO = "Pawpado"
DEFAULT_DELAY_S = 5.0  # logind's own default for InhibitDelayMaxSec


class DelayInhibitor:
    """Take with `want(True)`, release with `want(False)`; calls are serialised."""

    def __init__(self, why: str, *, bus: str = "SYSTEM") -> None:
        self._why = why
        self._bus = bus
        self._fd: int | None = None
        self._lock = asyncio.Lock()
        self._closed = False
        self.wanted = False
        self.delay_s = DEFAULT_DELAY_S  # how long logind waits for us, read when taken

    @property
    def held(self) -> bool:
        return self._fd is not None

    async def want(self, wanted: bool) -> None:
        self.wanted = wanted
        async with self._lock:
            if self.wanted and self._fd is None and not self._closed:
                await self._take()
            elif not self.wanted:
                self.release()

    async def _take(self) -> None:
        try:
            fd, delay = await asyncio.to_thread(_inhibit, self._bus, self._why)
        except BusUnavailable as exc:
            log.info("no logind inhibitor (%s); shutdown and sleep will not wait", exc)
            return
        if not self.wanted or self._closed:  # the Play ended meanwhile
            os.close(fd)
            return
        self._fd, self.delay_s = fd, delay
        log.info("holding a logind delay inhibitor (logind waits up to %.1f s)", delay)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
            log.info("released the logind inhibitor")

    async def aclose(self) -> None:
        self._closed = True
        self.wanted = False
        async with self._lock:
            self.release()


def _inhibit(bus: str, why: str) -> tuple[int, float]:
    """Blocking: ask logind for a delay inhibitor; (its fd, logind's delay in seconds)."""
    try:
        from jeepney import (  # type: ignore[import-untyped]
            DBusAddress,
            MessageType,
            Properties,
            new_method_call,
        )
        from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]
    except ImportError as exc:
        raise BusUnavailable("jeepney is not installed") from exc
    manager = DBusAddress(LOGIND_PATH, bus_name=LOGIND, interface=LOGIND_MANAGER)
    try:
        connection: Any = open_dbus_connection(bus, enable_fds=True, auth_timeout=CALL_TIMEOUT_S)
    except Exception as exc:  # no bus, refused, an authentication failure, no fd passing
        raise BusUnavailable(f"no D-Bus {bus.lower()} bus: {exc}") from exc
    with connection:
        try:
            reply = connection.send_and_get_reply(
                new_method_call(manager, "Inhibit", "ssss", (WHAT, WHO, why, "delay")),
                timeout=CALL_TIMEOUT_S,
            )
        except Exception as exc:  # a dropped bus, a timeout
            raise BusUnavailable(f"Inhibit got no answer: {exc}") from exc
        if reply.header.message_type == MessageType.error:
            raise BusUnavailable(f"Inhibit failed: {reply.body}")
        fd = int(reply.body[0].to_raw_fd())
        delay = DEFAULT_DELAY_S
        try:
            answer = connection.send_and_get_reply(
                Properties(manager).get("InhibitDelayMaxUSec"), timeout=CALL_TIMEOUT_S
            )
            if answer.header.message_type != MessageType.error:
                delay = int(answer.body[0][1]) / 1_000_000
        except Exception as exc:  # an old logind, a dropped bus: the default holds
            log.debug("InhibitDelayMaxUSec unread (%s); assuming %.0f s", exc, delay)
    return fd, delay
