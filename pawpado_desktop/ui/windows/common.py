"""What every window shares: the look, the title, the demo banner, async waiting."""

from __future__ import annotations

import asyncio
import contextlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QPushButton, QWidget

from pawpado_desktop.present.i18n import tr
from pawpado_desktop.ui.icons import app_icon

ACCENT = "#7c3aed"
STYLE = f"""
#pawpado {{ background: #15171e; }}
#pawpado QLabel {{ color: #e6e8ef; }}
#pawpado QLabel[role="muted"] {{ color: #9aa1b2; }}
#pawpado QLabel[role="heading"] {{ font-size: 17px; font-weight: 600; }}
#pawpado QLabel[role="error"] {{ color: #f87171; }}
#pawpado QLabel[role="demo"] {{
    background: #3b2f0b; color: #fcd34d; border-radius: 6px; padding: 6px 10px; }}
#pawpado QPushButton {{
    background: #262a36; color: #e6e8ef; border: 1px solid #343a4a; border-radius: 8px;
    padding: 7px 16px; }}
#pawpado QPushButton:hover {{ background: #2f3443; }}
#pawpado QPushButton:disabled {{ color: #6b7280; }}
#pawpado QPushButton[role="primary"] {{
    background: {ACCENT}; border-color: {ACCENT}; color: white; font-weight: 600; }}
#pawpado QPushButton[role="primary"]:hover {{ background: #8b5cf6; }}
#pawpado QPushButton[role="danger"] {{ background: #7f1d1d; border-color: #991b1b; color: white; }}
#pawpado QPushButton[role="primary"]:disabled, #pawpado QPushButton[role="danger"]:disabled {{
    background: #262a36; border-color: #343a4a; color: #6b7280; font-weight: normal; }}
#pawpado QLineEdit, #pawpado QSpinBox, #pawpado QComboBox {{
    background: #0f1117; color: #e6e8ef; border: 1px solid #343a4a; border-radius: 6px;
    padding: 4px 6px; }}
#pawpado QCheckBox, #pawpado QRadioButton {{ color: #e6e8ef; }}
#pawpado QTabWidget::pane {{ border: 1px solid #2b303d; border-radius: 6px; }}
#pawpado QTabBar::tab {{ background: #1c1f28; color: #9aa1b2; padding: 6px 14px; }}
#pawpado QTabBar::tab:selected {{ background: #262a36; color: #e6e8ef; }}
#pawpado QTableWidget {{
    background: #0f1117; color: #e6e8ef; gridline-color: #2b303d; border: 1px solid #2b303d;
    selection-background-color: #2f3443; }}
#pawpado QHeaderView::section {{
    background: #1c1f28; color: #9aa1b2; border: none; padding: 4px 6px; }}
"""


def window_title(text: str, demo: bool) -> str:
    return f"{text} · {tr('Pawpado (demo)')}" if demo else f"{text} · Pawpado"


def prepare(window: QWidget, title: str, *, demo: bool) -> None:
    window.setObjectName("pawpado")
    window.setWindowTitle(window_title(title, demo))
    window.setWindowIcon(app_icon())
    window.setStyleSheet(STYLE)


def plain_label(text: str = "") -> QLabel:
    """A label that shows its text as written: a server's `<a href>` is not a link."""
    widget = QLabel()
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setOpenExternalLinks(False)
    widget.setText(text)
    return widget


def plain_text(box: QMessageBox) -> None:
    """Every text of `box` shown as written, with no links (call after setting the texts:
    Qt creates the informative label lazily)."""
    box.setTextFormat(Qt.TextFormat.PlainText)
    for inner in box.findChildren(QLabel):
        inner.setTextFormat(Qt.TextFormat.PlainText)
        inner.setOpenExternalLinks(False)
        inner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)


def label(text: str = "", role: str = "", *, wrap: bool = True) -> QLabel:
    widget = plain_label(text)
    widget.setWordWrap(wrap)
    if role:
        widget.setProperty("role", role)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return widget


def demo_banner() -> QLabel:
    return label(
        tr("Demo mode: a simulated Pawpado on this computer. Nothing is real or billed."),
        "demo",
    )


def button(text: str, role: str = "") -> QPushButton:
    widget = QPushButton(text)
    if role:
        widget.setProperty("role", role)
    return widget


async def finished(dialog: QDialog) -> int:
    """Show `dialog` without blocking the event loop; return its result code."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def done(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(done)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    try:
        return await future
    finally:
        with contextlib.suppress(RuntimeError):  # the dialog may be gone already
            dialog.finished.disconnect(done)
