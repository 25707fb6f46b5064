"""The status window: the tray menu as a window.

It opens from a click on the tray icon, when a second launch asks the running
app to come forward, and instead of the tray where the desktop has none.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.menu import Act, Entry, Kind
from pawpado_desktop.ui.icons import app_icon
from pawpado_desktop.ui.menu import fill
from pawpado_desktop.ui.windows.common import button, demo_banner, label, prepare


class StatusWindow(QWidget):
    chosen = Signal(object)  # an Entry
    close_requested = Signal()  # closing means quitting when there is no tray

    def __init__(self, *, demo: bool) -> None:
        super().__init__()
        prepare(self, tr("Status"), demo=demo)
        self.setMinimumWidth(420)
        self.quit_on_close = False
        self._signature: tuple[object, ...] = ()
        self.info: dict[str, QLabel] = {}
        self.buttons: dict[str, QPushButton] = {}
        header = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(44, 44))
        header.addWidget(logo)
        header.addWidget(label("Pawpado", "heading"), 1)
        self.body = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(header)
        if demo:
            layout.addWidget(demo_banner())
        layout.addLayout(self.body)

    def show_entries(self, entries: list[Entry]) -> None:
        entries = _for_window(entries)
        signature = tuple(
            (e.kind, e.name, e.act, e.enabled, e.text if e.kind is not Kind.INFO else "")
            for e in entries
        )
        if signature != self._signature:
            self._signature = signature
            self._rebuild(entries)
            return
        for entry in entries:
            if entry.kind is Kind.INFO and entry.name in self.info:
                self.info[entry.name].setText(entry.text)

    def _rebuild(self, entries: list[Entry]) -> None:
        _clear(self.body)
        self.info.clear()
        self.buttons.clear()
        row = QHBoxLayout()
        first_action = True
        for entry in entries:
            if entry.kind is Kind.INFO:
                line = label(entry.text, "" if entry.name == "balance" else "muted")
                if entry.name == "balance":
                    line.setStyleSheet("font-size: 15px; font-weight: 600;")
                line.setObjectName(f"info:{entry.name}")
                self.info[entry.name] = line
                self.body.addWidget(line)
            elif entry.kind is Kind.SEPARATOR:
                if row.count():
                    row.addStretch(1)
                    self.body.addLayout(row)
                    row = QHBoxLayout()
            elif entry.kind is Kind.SUBMENU:
                opener = button(entry.text)
                menu = QMenu(opener)
                fill(menu, entry.children, self.chosen.emit)
                opener.setMenu(menu)
                row.addWidget(opener)
            else:
                push = button(entry.text, "primary" if first_action else "")
                first_action = False
                push.setEnabled(entry.enabled)
                push.setObjectName(f"act:{entry.act}")
                push.clicked.connect(lambda _checked=False, e=entry: self.chosen.emit(e))
                self.buttons[str(entry.act)] = push
                row.addWidget(push)
        if row.count():
            row.addStretch(1)
            self.body.addLayout(row)
        self.adjustSize()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.quit_on_close:
            event.ignore()
            self.close_requested.emit()
            return
        super().closeEvent(event)


def _for_window(entries: list[Entry] | tuple[Entry, ...]) -> list[Entry]:
    """The menu's entries minus what the window shows by itself (its banner, itself)."""
    kept = []
    for entry in entries:
        if entry.name == "demo" or entry.act is Act.SHOW_WINDOW:
            continue
        if entry.kind is Kind.SUBMENU:
            kept.append(replace(entry, children=tuple(_for_window(entry.children))))
        else:
            kept.append(entry)
    return kept


def _clear(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            continue
        widget, inner = item.widget(), item.layout()
        if widget is not None:
            widget.deleteLater()
        elif inner is not None:
            _clear(inner)
            inner.deleteLater()
