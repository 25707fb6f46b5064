"""Which notices reach the desktop, with which actions, and through which channel.

Order of preference: the desktop's notification daemon over D-Bus (actions as
buttons), then the tray's own balloon (a click opens the relevant window), then
a small window of our own when there is neither. Each delivery is recorded in
`shown`, with the channel that took it, for the debug info and the tests.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon

from pawpado_desktop.core.notices import Notice, NoticeKind
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.menu import Act
from pawpado_desktop.present.notices import notice_text, notice_title
from pawpado_desktop.ui.dbus import BusUnavailable
from pawpado_desktop.ui.notifications import DesktopNotifications

log = logging.getLogger(__name__)

# Buttons on a notice, as (action, label); labels are translated when shown.
NOTICE_ACTIONS: dict[NoticeKind, tuple[tuple[Act, str], ...]] = {
    NoticeKind.STREAM_ENDED: ((Act.KEEP, "Keep running"), (Act.STOP_NOW, "Stop now")),
    NoticeKind.SESSION_FOUND: ((Act.ATTACH, "Reconnect"), (Act.STOP_SESSION, "Stop it")),
    NoticeKind.LOW_BALANCE: ((Act.TOPUP_CUSTOM, "Top up"),),
    NoticeKind.NEEDS_CREDIT: ((Act.TOPUP_PLAY, "Top up and play"),),
}
# What clicking the notice itself opens.
DEFAULT_ACT: dict[NoticeKind, Act] = {
    NoticeKind.STREAM_ENDED: Act.PROGRESS,
    NoticeKind.SESSION_READY: Act.PROGRESS,
    NoticeKind.LOW_BALANCE: Act.TOPUP_CUSTOM,
}
STICKY = frozenset({NoticeKind.STREAM_ENDED, NoticeKind.SESSION_FOUND})
CRITICAL = frozenset({NoticeKind.ERROR, NoticeKind.LOW_BALANCE, NoticeKind.NEEDS_CREDIT})


@dataclass(frozen=True)
class Shown:
    kind: NoticeKind
    title: str
    body: str
    actions: tuple[tuple[Act, str], ...]
    via: str  # "dbus", "tray" or "window"
    nid: int = 0


Spawn = Callable[[Awaitable[None]], object]
Perform = Callable[[Act], None]
ShowWindow = Callable[[Notice, tuple[tuple[Act, str], ...]], None]


class Notifier:
    def __init__(
        self,
        *,
        spawn: Spawn,
        perform: Perform,
        level: Callable[[], str],
        tray: QSystemTrayIcon | None,
        desktop: DesktopNotifications | None,
        show_window: ShowWindow,
        icon: QIcon,
    ) -> None:
        self._spawn = spawn
        self._perform = perform
        self._level = level
        self._tray = tray
        self._desktop = desktop
        self._show_window = show_window
        self._icon = icon
        self._ids: dict[int, NoticeKind] = {}
        self._last_balloon: NoticeKind | None = None
        self.shown: list[Shown] = []
        self.skipped: list[Notice] = []
        if tray is not None:
            tray.messageClicked.connect(self._balloon_clicked)

    @property
    def channel(self) -> str:
        if self._desktop is not None:
            return f"D-Bus ({self._desktop.server or 'not connected yet'})"
        return "tray balloon" if self._tray_usable() else "own window"

    def post(self, notice: Notice) -> None:
        if self._level() == "important" and not notice.important:
            self.skipped.append(notice)
            return
        self._spawn(self._deliver(notice))

    def withdraw(self, kind: NoticeKind) -> None:
        """Take back notices of `kind` whose buttons no longer apply."""
        for nid, shown_kind in list(self._ids.items()):
            if shown_kind is kind and self._desktop is not None:
                del self._ids[nid]
                self._spawn(self._desktop.close(nid))

    async def _deliver(self, notice: Notice) -> None:
        title, body = notice_title(notice), notice_text(notice)
        actions = tuple((act, tr(label)) for act, label in NOTICE_ACTIONS.get(notice.kind, ()))
        if self._desktop is not None:
            try:
                nid = await self._desktop.show(
                    title,
                    body,
                    [("default", tr("Open")), *((a.value, label) for a, label in actions)],
                    critical=notice.kind in CRITICAL,
                    sticky=notice.kind in STICKY,
                )
            except BusUnavailable as exc:
                log.warning("notification daemon unavailable (%s); falling back", exc)
                self._desktop = None
            else:
                self._ids[nid] = notice.kind
                del self.shown[:-50]
                self.shown.append(Shown(notice.kind, title, body, actions, "dbus", nid))
                return
        if self._tray_usable() and not actions:
            assert self._tray is not None
            self._last_balloon = notice.kind
            self._tray.showMessage(title, body, self._icon, 10_000)
            self.shown.append(Shown(notice.kind, title, body, actions, "tray"))
            return
        # Buttons matter (Keep running / Stop now) or there is no tray: our own window.
        self._show_window(notice, actions)
        self.shown.append(Shown(notice.kind, title, body, actions, "window"))

    def _tray_usable(self) -> bool:
        return (
            self._tray is not None and self._tray.isVisible() and QSystemTrayIcon.supportsMessages()
        )

    def action_invoked(self, nid: int, key: str) -> None:
        kind = self._ids.get(nid)
        if kind is None:
            return
        if key == "default":
            self._perform(DEFAULT_ACT.get(kind, Act.SHOW_WINDOW))
            return
        try:
            act = Act(key)
        except ValueError:
            log.warning("unknown notification action %r", key)
            return
        self._perform(act)

    def closed(self, nid: int) -> None:
        self._ids.pop(nid, None)

    def _balloon_clicked(self) -> None:
        kind = self._last_balloon
        self._perform(DEFAULT_ACT.get(kind, Act.SHOW_WINDOW) if kind else Act.SHOW_WINDOW)
