"""A small asyncio D-Bus session for the tray: calls with a deadline, signal watches.

Uses jeepney (pure Python, already installed with keyring on Linux) rather than
QtDBus, whose Python binding cannot send the unsigned integers the
notification interface requires. Everything here is optional: without a bus
(Windows, macOS, a bare X session) `open()` raises `BusUnavailable` and the
caller falls back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 5.0


class BusUnavailable(Exception):
    """No D-Bus to talk to, or the service did not answer."""


SignalHandler = Callable[[str, tuple[Any, ...]], None]


class Bus:
    def __init__(self, bus: str = "SESSION") -> None:
        self._bus = bus
        self._router: Any = None
        self._watchers: list[asyncio.Task[None]] = []
        self._closed = False

    @property
    def is_open(self) -> bool:
        return self._router is not None

    async def open(self) -> None:
        if self._router is not None:
            return
        try:
            from jeepney.io.asyncio import (  # type: ignore[import-untyped]
                DBusRouter,
                open_dbus_connection,
            )
        except ImportError as exc:  # not on Linux
            raise BusUnavailable("jeepney is not installed") from exc
        if self._closed:
            raise BusUnavailable("the bus was closed")
        try:
            connection = await asyncio.wait_for(open_dbus_connection(self._bus), CALL_TIMEOUT_S)
        except (OSError, KeyError, ValueError, EOFError, TimeoutError) as exc:
            raise BusUnavailable(f"no D-Bus {self._bus.lower()} bus: {exc}") from exc
        if self._closed:  # closed while connecting (the app quit): leave nothing running
            await connection.close()
            raise BusUnavailable("the bus was closed")
        self._router = DBusRouter(connection)

    async def call(
        self, address: Any, method: str, signature: str = "", body: tuple[Any, ...] = ()
    ) -> tuple[Any, ...]:
        from jeepney import MessageType, new_method_call  # type: ignore[import-untyped]

        if self._router is None:
            raise BusUnavailable("the bus is not open")
        message = new_method_call(address, method, signature, body)
        try:
            reply = await asyncio.wait_for(self._router.send_and_get_reply(message), CALL_TIMEOUT_S)
        except Exception as exc:  # a dropped bus, a timeout, a closed router
            raise BusUnavailable(f"{method} got no answer: {exc}") from exc
        if reply.header.message_type == MessageType.error:
            raise BusUnavailable(f"{method} failed: {reply.body}")
        return tuple(reply.body)

    async def watch(self, interface: str, path: str, handler: SignalHandler) -> None:
        """Call `handler(member, body)` for each signal of `interface` at `path`."""
        from jeepney import (
            HeaderFields,
            MatchRule,
            message_bus,
        )

        rule = MatchRule(type="signal", interface=interface, path=path)
        await self.call(message_bus, "AddMatch", "s", (rule.serialise(),))
        if self._router is None:  # closed during the call
            raise BusUnavailable("the bus was closed")
        queue: asyncio.Queue[Any] = asyncio.Queue(64)
        handle = self._router.filter(rule, queue=queue)

        async def pump() -> None:
            with handle:
                while True:
                    message = await queue.get()
                    member = message.header.fields.get(HeaderFields.member, "")
                    try:
                        handler(member, tuple(message.body))
                    except Exception:
                        log.exception("D-Bus signal handler failed")

        self._watchers.append(asyncio.get_running_loop().create_task(pump()))

    async def aclose(self) -> None:
        """Close for good: a later or concurrent open() gives up."""
        self._closed = True
        for task in self._watchers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._watchers.clear()
        router, self._router = self._router, None
        if router is not None:
            with contextlib.suppress(Exception):
                await router.__aexit__(None, None, None)
            with contextlib.suppress(Exception):
                await router._conn.close()
