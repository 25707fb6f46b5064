"""Every tray icon reads on a light panel and on a dark one, in both colour forms.

A panel's colour scheme is often unknown (trayer, XFCE, LXQt, MATE), so the form
the app picks may be the "wrong" one for the panel; the glyph's outline must carry
it. Each icon is drawn at a panel's size on a light and a dark background, and the
share of its pixels that stand out from the background (WCAG's 3:1 for graphics)
is measured.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from pawpado_desktop.present.menu import Badge, TrayStatus
from pawpado_desktop.ui.icons import IconForm, TrayIcons

PANELS = {"light": QColor("#eeeeec"), "dark": QColor("#2e3436")}
SIZE = 22  # a typical panel icon
# At least this share of the icon's square must contrast with the panel: an idle paw
# with a visible outline covers ~20 %; a white paw with a hairline rim on a light panel
# stays under 5 %.
MIN_LEGIBLE_SHARE = 0.10


def luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def legible_share(form: IconForm, status: TrayStatus, badge: Badge, panel: QColor) -> float:
    pixmap = TrayIcons(form).icon(status, badge).pixmap(SIZE, SIZE)
    image = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32)
    image.fill(panel)
    painter = QPainter(image)
    painter.drawPixmap(QPoint(0, 0), pixmap)
    painter.end()
    stand_out = sum(
        1
        for x in range(SIZE)
        for y in range(SIZE)
        if contrast(image.pixelColor(x, y), panel) >= 3.0
    )
    return stand_out / (SIZE * SIZE)


@pytest.mark.parametrize("panel", PANELS, ids=str)
@pytest.mark.parametrize("form", [IconForm.LIGHT, IconForm.DARK], ids=str)
@pytest.mark.parametrize("status", list(TrayStatus), ids=str)
def test_each_tray_icon_reads_on_light_and_dark_panels(
    qt_app: QApplication, status: TrayStatus, form: IconForm, panel: str
) -> None:
    share = legible_share(form, status, Badge.NONE, PANELS[panel])
    assert share >= MIN_LEGIBLE_SHARE, (
        f"the {status} icon ({form} form) is hard to see on a {panel} panel: "
        f"{share:.0%} of it stands out"
    )


@pytest.mark.parametrize("panel", PANELS, ids=str)
@pytest.mark.parametrize("badge", [Badge.LOW, Badge.CRITICAL], ids=str)
def test_badges_keep_the_icon_legible(qt_app: QApplication, badge: Badge, panel: str) -> None:
    for form in (IconForm.LIGHT, IconForm.DARK):
        plain = legible_share(form, TrayStatus.IDLE, Badge.NONE, PANELS[panel])
        badged = legible_share(form, TrayStatus.IDLE, badge, PANELS[panel])
        assert badged >= plain * 0.9, f"the {badge} badge hides the {form} icon"


def test_the_contrast_measure_tells_a_hairline_from_an_outline(qt_app: QApplication) -> None:
    """The measure itself: white on the light panel is invisible, black is not."""
    white, black = QColor(Qt.GlobalColor.white), QColor(Qt.GlobalColor.black)
    assert contrast(white, PANELS["light"]) < 1.2
    assert contrast(black, PANELS["light"]) > 15
