"""Turn view-model entries into a QMenu; rebuilt each time it opens.

While the menu is open its information lines are refreshed in place: at once on
every state change (the shell calls `refresh`), and once a second for the lines
that follow the clock (elapsed time, cost, countdown); when it is closed nothing
runs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from pawpado_desktop.present.menu import Entry, Kind

EntrySource = Callable[[], list[Entry]]
EntryHandler = Callable[[Entry], None]


def escape(text: str) -> str:
    """Information text is shown as written: '&' is not a mnemonic there."""
    return text.replace("&", "&&")


def fill(menu: QMenu, entries: list[Entry] | tuple[Entry, ...], on_entry: EntryHandler) -> None:
    for entry in entries:
        if entry.kind is Kind.SEPARATOR:
            menu.addSeparator()
        elif entry.kind is Kind.INFO:
            info = menu.addAction(escape(entry.text))
            info.setEnabled(False)
            info.setObjectName(f"info:{entry.name}")
        elif entry.kind is Kind.SUBMENU:
            sub = menu.addMenu(entry.text)
            fill(sub, entry.children, on_entry)
        else:
            item = menu.addAction(entry.text)
            item.setEnabled(entry.enabled)
            item.setObjectName(f"act:{entry.act}")
            item.triggered.connect(lambda _checked=False, e=entry: on_entry(e))


def clear(menu: QMenu) -> None:
    for item in menu.actions():
        sub = item.menu()
        if isinstance(sub, QMenu):
            clear(sub)
            sub.deleteLater()
    menu.clear()


class MenuRenderer(QObject):
    def __init__(
        self, menu: QMenu, source: EntrySource, on_entry: EntryHandler, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.menu = menu
        self.source = source
        self.on_entry = on_entry
        self.rebuilds = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        menu.aboutToShow.connect(self.rebuild)
        menu.aboutToHide.connect(self._timer.stop)

    def rebuild(self) -> None:
        clear(self.menu)
        fill(self.menu, self.source(), self.on_entry)
        self.rebuilds += 1
        self._timer.start()

    def refresh(self) -> None:
        """Update the information lines in place (the actions stay where the mouse is)."""
        current: dict[str, QAction] = {
            a.objectName(): a for a in self.menu.actions() if a.objectName().startswith("info:")
        }
        for entry in self.source():
            if entry.kind is Kind.INFO and (item := current.get(f"info:{entry.name}")):
                item.setText(escape(entry.text))
