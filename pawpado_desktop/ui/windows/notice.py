"""A notice in a small window of our own, for when the desktop cannot show it with buttons."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from pawpado_desktop.present.menu import Act
from pawpado_desktop.ui.windows.common import button, demo_banner, label, prepare


class NoticeWindow(QWidget):
    act = Signal(object)  # the Act chosen

    def __init__(
        self, *, demo: bool, title: str, body: str, actions: tuple[tuple[Act, str], ...]
    ) -> None:
        super().__init__()
        prepare(self, title, demo=demo)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        if demo:
            layout.addWidget(demo_banner())
        layout.addWidget(label(title, "heading"))
        layout.addWidget(label(body))
        row = QHBoxLayout()
        row.addStretch(1)
        for index, (act, text) in enumerate(actions):
            widget = button(text, "primary" if index == 0 else "")
            widget.setObjectName(f"act:{act}")
            widget.clicked.connect(lambda _checked=False, a=act: self._choose(a))
            row.addWidget(widget)
        close = button("OK" if not actions else "×")
        close.clicked.connect(self.close)
        row.addWidget(close)
        layout.addLayout(row)

    def _choose(self, act: Act) -> None:
        self.act.emit(act)
        self.close()
