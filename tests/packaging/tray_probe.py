"""The desktop panel, for a tray started from an installed wheel on the offscreen platform.

The wheel test copies this module into its throwaway venv with a `.pth` file that
imports it, so it runs inside the installed `pawpado-desktop` without touching
the app. With PAWPADO_TRAY_PROBE set (a file name; it is taken out of the
environment, so the app's own children never see it) it does what a panel does
and nothing else:

- it says that a system tray exists (the offscreen platform has none);
- once the app shows its tray icon, every half second it draws the icon at a
  panel's size and opens the icon's context menu, and writes what it saw to that
  file as JSON: whether the icon drew, how many of its pixels are visible, the
  tooltip, the menu's entries, and the file the running app was loaded from. The menu is opened by the signals Qt sends
  when it pops one up (aboutToShow, then aboutToHide): the app fills it then.

Only Qt's public API is used, never the app's modules, so the test sees the
icon and the menu exactly as a panel would.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

PANEL_ICON_PX = 22
REPORT_EVERY_MS = 500


def _entries(menu: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for action in menu.actions():
        if action.isSeparator():
            continue
        entry: dict[str, Any] = {"text": action.text(), "enabled": action.isEnabled()}
        sub = action.menu()
        if sub is not None:
            entry["children"] = _entries(sub)
        found.append(entry)
    return found


def _report(icon: Any, out: Path) -> None:
    image = icon.icon().pixmap(PANEL_ICON_PX, PANEL_ICON_PX).toImage()
    visible = sum(
        1
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() > 0
    )
    menu = icon.contextMenu()
    if menu is not None:
        menu.aboutToShow.emit()
        entries = _entries(menu)
        menu.aboutToHide.emit()
    else:
        entries = []
    report = {
        "icon_null": image.isNull(),
        "icon_visible_pixels": visible,
        "tooltip": icon.toolTip(),
        "menu": entries,
        "app_file": getattr(sys.modules.get("pawpado_desktop"), "__file__", None),
    }
    partial = out.with_name(out.name + ".partial")
    partial.write_text(json.dumps(report), encoding="utf-8")
    os.replace(partial, out)


def install(out: Path) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QSystemTrayIcon

    QSystemTrayIcon.isSystemTrayAvailable = staticmethod(lambda: True)  # type: ignore[method-assign]
    show = QSystemTrayIcon.show
    timers: list[QTimer] = []

    def show_and_watch(self: QSystemTrayIcon) -> None:
        show(self)
        if not timers:
            timer = QTimer(self)
            timer.setInterval(REPORT_EVERY_MS)
            timer.timeout.connect(lambda: _report(self, out))
            timer.start()
            timers.append(timer)

    QSystemTrayIcon.show = show_and_watch  # type: ignore[method-assign]


_out = os.environ.pop("PAWPADO_TRAY_PROBE", None)
if _out:
    install(Path(_out))
