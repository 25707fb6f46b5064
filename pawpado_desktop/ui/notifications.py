"""Desktop notifications through org.freedesktop.Notifications, with actions.

`show()` returns the daemon's id only once the daemon accepted it, so the caller
knows delivery worked and can fall back when it did not. Bodies are plain text:
a daemon that reads markup in them (the `body-markup` capability) gets them
escaped, so a server's `<a href=...>` or `<img src=...>` is shown, never followed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from pawpado_desktop.ui.dbus import Bus, BusUnavailable

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
URGENCY_NORMAL = 1
URGENCY_CRITICAL = 2

ActionHandler = Callable[[int, str], None]
ClosedHandler = Callable[[int], None]


class DesktopNotifications:
    def __init__(
        self,
        on_action: ActionHandler,
        on_closed: ClosedHandler,
        *,
        app_name: str = "Pawpado",
        icon: str = "",
        bus: str = "SESSION",
    ) -> None:
        self._on_action = on_action
        self._on_closed = on_closed
        self.app_name = app_name
        self.icon = icon
        self._bus = Bus(bus)
        self.server = ""
        self.capabilities: tuple[str, ...] = ()

    def _address(self) -> Any:
        from jeepney import DBusAddress  # type: ignore[import-untyped]

        return DBusAddress(PATH, bus_name=SERVICE, interface=SERVICE)

    async def open(self) -> None:
        """Connect and learn what the daemon supports; raises BusUnavailable."""
        if self._bus.is_open:
            return
        await self._bus.open()
        try:
            (caps,) = await self._bus.call(self._address(), "GetCapabilities")
            info = await self._bus.call(self._address(), "GetServerInformation")
            await self._bus.watch(SERVICE, PATH, self._signal)
        except BusUnavailable:
            await self._bus.aclose()
            raise
        self.capabilities = tuple(caps)
        self.server = f"{info[0]} {info[2]}" if len(info) >= 3 else str(info)
        log.info("notifications through %s", self.server)

    @property
    def reads_markup(self) -> bool:
        return "body-markup" in self.capabilities

    async def show(
        self,
        title: str,
        body: str,
        actions: Sequence[tuple[str, str]] = (),
        *,
        critical: bool = False,
        sticky: bool = False,
        replaces: int = 0,
    ) -> int:
        await self.open()
        flat: list[str] = []
        for key, label in actions:
            flat += [key, label]
        if self.reads_markup:
            body = escape_markup(body)
        hints = {
            "urgency": ("y", URGENCY_CRITICAL if critical else URGENCY_NORMAL),
            "desktop-entry": ("s", "pawpado-desktop"),
        }
        (nid,) = await self._bus.call(
            self._address(),
            "Notify",
            "susssasa{sv}i",
            (self.app_name, replaces, self.icon, title, body, flat, hints, 0 if sticky else -1),
        )
        return int(nid)

    async def close(self, nid: int) -> None:
        try:
            await self._bus.call(self._address(), "CloseNotification", "u", (nid,))
        except BusUnavailable as exc:
            log.debug("closing notification %d failed: %s", nid, exc)

    def _signal(self, member: str, body: tuple[Any, ...]) -> None:
        if member == "ActionInvoked" and len(body) == 2:
            self._on_action(int(body[0]), str(body[1]))
        elif member == "NotificationClosed" and body:
            self._on_closed(int(body[0]))

    async def aclose(self) -> None:
        await self._bus.aclose()


def escape_markup(text: str) -> str:
    """`text` for a body the daemon reads as markup (the spec's subset of XML)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
