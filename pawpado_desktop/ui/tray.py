"""The tray icon: redrawn only when its state changes, always with its context menu."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from pawpado_desktop.present.menu import Badge, TrayStatus
from pawpado_desktop.ui.icons import IconForm, TrayIcons


class TrayView:
    def __init__(self, icons: TrayIcons, menu: QMenu, parent: QObject) -> None:
        self.icons = icons
        self.icon = QSystemTrayIcon(parent)
        # Always a context menu: Wayland shells cannot pop one up on their own.
        self.icon.setContextMenu(menu)
        self.shown: tuple[TrayStatus, Badge] | None = None
        self.icon_changes = 0

    def render(self, status: TrayStatus, badge: Badge, tooltip: str) -> None:
        key = (status, badge)
        if key != self.shown:
            self.icon.setIcon(self.icons.icon(status, badge))
            self.shown = key
            self.icon_changes += 1
        if tooltip != self.icon.toolTip():
            self.icon.setToolTip(tooltip)

    def use_form(self, form: IconForm) -> None:
        """The panel's colours changed: draw the current state in the new form."""
        if form is self.icons.form:
            return
        self.icons = TrayIcons(form)
        if self.shown is not None:
            status, badge = self.shown
            self.shown = None
            self.render(status, badge, self.icon.toolTip())
