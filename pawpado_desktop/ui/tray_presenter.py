"""The tray icon and its menu: what they show, and when they are redrawn.

The icon, its tooltip and its badge follow the core's state (at once on a change,
every 15 s while a session bills, once a second while a live window shows); an
open menu is refreshed in place (`MenuRenderer`). At login the panel may come up
after us: the presenter keeps looking for it, and where there is none the status
window stands in for the icon (closing it quits).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from pawpado_desktop.core.state import AppState
from pawpado_desktop.core.types import SessionState
from pawpado_desktop.present.errors import error_text, error_title
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.menu import (
    SEPARATOR,
    Act,
    Entry,
    TrayStatus,
    action,
    badge,
    info,
    menu_entries,
    tooltip,
    tray_status,
)
from pawpado_desktop.present.status import session_active
from pawpado_desktop.ui.icons import TrayIcons, current_form
from pawpado_desktop.ui.menu import MenuRenderer
from pawpado_desktop.ui.tray import TrayView

if TYPE_CHECKING:
    from pawpado_desktop.ui.shell import TrayApp
    from pawpado_desktop.ui.windows.status import StatusWindow

log = logging.getLogger(__name__)

TOOLTIP_REFRESH_MS = 15_000


class TrayPresenter(QObject):
    def __init__(self, app: TrayApp) -> None:
        super().__init__(app)
        self.app = app
        self.error_seen = False  # the user has seen the error: the icon shows it no more
        self.no_tray = False
        self.month_spent: str | None = None  # this month's known spending, for the menu
        self._render_pending = False
        self._menu_showed_error = False
        self.menu = QMenu()
        self.tray = TrayView(TrayIcons(current_form()), self.menu, self)
        self.menu_renderer = MenuRenderer(self.menu, self.entries, app.on_entry, self)
        self.menu.aboutToShow.connect(self._menu_opened)
        self.menu.aboutToHide.connect(self._menu_closed)
        self.tray.icon.activated.connect(self._activated)
        self._live = QTimer(self)  # once a second while a window shows live figures
        self._live.setInterval(1000)
        self._live.timeout.connect(self.render)
        self._slow = QTimer(self)  # the tooltip's cost and countdown while a session bills
        self._slow.setInterval(TOOLTIP_REFRESH_MS)
        self._slow.timeout.connect(self.render)
        self._tray_timer = QTimer(self)
        self._tray_timer.setInterval(app.options.tray_check_ms)
        self._tray_timer.timeout.connect(self.check_tray)
        self._tray_waited_ms = 0
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(lambda _scheme: self.tray.use_form(current_form()))

    def status(self) -> TrayStatus:
        app = self.app
        if app.loading or app.startup_error is not None:
            return TrayStatus.ERROR if app.startup_error else TrayStatus.SIGNED_OUT
        return tray_status(app.state, error_seen=self.error_seen)

    def entries(self) -> list[Entry]:
        app = self.app
        now, mono = app.now()
        if app.startup_error is not None:
            return [
                info(
                    "problem",
                    f"{error_title(app.startup_error)}: {error_text(app.startup_error)}",
                ),
                SEPARATOR,
                action(Act.OPEN_LOGS, tr("Open &log folder")),
                action(Act.QUIT, tr("&Quit")),
            ]
        return menu_entries(
            app.state,
            now,
            mono,
            playing=app.playing,
            error_seen=self.error_seen,
            loading=app.loading,
            month_spent=self.month_spent,
        )

    def tooltip_text(self) -> str:
        app = self.app
        now, mono = app.now()
        text = tooltip(app.state, now, mono, error_seen=self.error_seen, loading=app.loading)
        if app.startup_error is not None:
            text += "\n" + error_title(app.startup_error)
        return text

    def render_soon(self) -> None:
        if not self._render_pending:
            self._render_pending = True
            QTimer.singleShot(0, self.render)

    def render(self) -> None:
        self._render_pending = False
        app = self.app
        state = app.state
        self.tray.render(self.status(), badge(state), self.tooltip_text())
        if self.menu.isVisible():  # an open menu shows a new balance or state at once
            self.menu_renderer.refresh()
        now, mono = app.now()
        windows = app.windows.refresh(state, now, mono, playing=app.playing)
        live = session_active(state) or state.play.phase.is_running
        _run_while(self._live, live and windows)
        _run_while(self._slow, live)

    def state_changed(self, old: AppState, new: AppState) -> None:
        """A new error (or a session in error) shows on the icon until it is seen."""
        if new.last_error is not None and new.last_error is not old.last_error:
            self.error_seen = False
        if new.session_state is SessionState.ERROR and old.session_state is not SessionState.ERROR:
            self.error_seen = False

    def stop(self) -> None:
        self._live.stop()
        self._slow.stop()
        self._tray_timer.stop()

    def show_status_window(self) -> StatusWindow:
        window = self.app.windows.show_status()
        if self.status() is TrayStatus.ERROR:
            self.error_seen = True
        self.render()
        return window

    def check_tray(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray_timer.stop()
            self.tray.icon.show()
            status_window = self.app.windows.status
            if self.no_tray and status_window is not None:
                status_window.quit_on_close = False
            self.no_tray = False
            return
        if not self._tray_timer.isActive():
            self._tray_timer.start()
        self._tray_waited_ms += self._tray_timer.interval()
        wait_s = self.app.options.tray_wait_s
        if not self.no_tray and self._tray_waited_ms >= wait_s * 1000:
            log.warning("no system tray after %.0f s; showing a window", wait_s)
            self.no_tray = True
            self._tray_timer.setInterval(10_000)  # keep looking, rarely
            window = self.show_status_window()
            window.quit_on_close = True

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_status_window()

    def _menu_opened(self) -> None:
        self._menu_showed_error = self.status() is TrayStatus.ERROR

    def _menu_closed(self) -> None:
        if self._menu_showed_error:  # the user has read it: back to the normal icon
            self.error_seen = True
            self._menu_showed_error = False
            self.render_soon()


def _run_while(timer: QTimer, wanted: bool) -> None:
    if wanted and not timer.isActive():
        timer.start()
    elif not wanted and timer.isActive():
        timer.stop()
