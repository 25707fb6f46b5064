"""Tray icons from the SVGs in resources/icons, per state, badge and panel colour.

Each (status, badge, form) is rendered once into a multi-size QIcon and cached,
so switching states costs nothing and `setIcon` gets the same object back for
the same state. macOS gets template (mask) icons that the menu bar tints.
"""

from __future__ import annotations

import sys
from enum import StrEnum

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from pawpado_desktop.present.menu import Badge, TrayStatus
from pawpado_desktop.ui.resources import resource

SIZES = (16, 22, 24, 32, 48, 64, 128)


class IconForm(StrEnum):
    LIGHT = "light"  # a dark glyph, for light panels
    DARK = "dark"  # a light glyph, for dark panels
    TEMPLATE = "template"  # macOS: black shapes the system tints


def form_for(platform: str, scheme: Qt.ColorScheme) -> IconForm:
    if platform == "darwin":
        return IconForm.TEMPLATE
    if scheme == Qt.ColorScheme.Light:
        return IconForm.LIGHT
    # Dark, or unknown: most Linux panels (GNOME's top bar, default KDE) are dark.
    return IconForm.DARK


def current_form() -> IconForm:
    app = QGuiApplication.instance()
    scheme = app.styleHints().colorScheme() if isinstance(app, QGuiApplication) else None
    return form_for(sys.platform, scheme or Qt.ColorScheme.Unknown)


def _render(layers: list[str], size: int) -> QPixmap:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for layer in layers:
        QSvgRenderer(layer).render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QPixmap.fromImage(image)


class TrayIcons:
    def __init__(self, form: IconForm) -> None:
        self.form = form
        self._cache: dict[tuple[TrayStatus, Badge], QIcon] = {}

    def icon(self, status: TrayStatus, badge: Badge = Badge.NONE) -> QIcon:
        key = (status, badge)
        cached = self._cache.get(key)
        if cached is None:
            layers = [str(resource("icons", self.form.value, f"{status.value}.svg"))]
            if badge is not Badge.NONE:
                layers.append(str(resource("icons", self.form.value, f"badge-{badge.value}.svg")))
            cached = QIcon()
            for size in SIZES:
                cached.addPixmap(_render(layers, size))
            cached.setIsMask(self.form is IconForm.TEMPLATE)
            self._cache[key] = cached
        return cached


def app_icon() -> QIcon:
    return QIcon(str(resource("icons", "pawpado.svg")))
