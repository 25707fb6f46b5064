"""Quitting while a gaming PC bills: stop it, keep it, or stay."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtWidgets import QDialog, QHBoxLayout, QVBoxLayout

from pawpado_desktop.present.i18n import tr
from pawpado_desktop.ui.windows.common import button, demo_banner, label, prepare


class QuitChoice(StrEnum):
    STOP = "stop"
    KEEP = "keep"
    CANCEL = "cancel"


class QuitGuardDialog(QDialog):
    def __init__(self, *, demo: bool, detail: str, can_keep: bool) -> None:
        super().__init__()
        prepare(self, tr("Quit"), demo=demo)
        self.setMinimumWidth(460)
        self.choice = QuitChoice.CANCEL
        self.stop_button = button(tr("&Stop and quit"), "primary")
        self.keep_button = button(tr("&Keep running and quit"))
        self.cancel_button = button(tr("Cancel"))
        self.cancel_button.setDefault(True)
        self.keep_button.setEnabled(can_keep)
        self.stop_button.clicked.connect(lambda: self._choose(QuitChoice.STOP))
        self.keep_button.clicked.connect(lambda: self._choose(QuitChoice.KEEP))
        self.cancel_button.clicked.connect(lambda: self._choose(QuitChoice.CANCEL))
        buttons = QHBoxLayout()
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.keep_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        if demo:
            layout.addWidget(demo_banner())
        layout.addWidget(label(tr("Your gaming PC is still running"), "heading"))
        layout.addWidget(label(detail))
        if not can_keep:
            layout.addWidget(
                label(
                    tr("While Pawpado is starting or streaming, quitting stops your gaming PC."),
                    "muted",
                )
            )
        layout.addLayout(buttons)

    def _choose(self, choice: QuitChoice) -> None:
        self.choice = choice
        if choice is QuitChoice.CANCEL:
            self.reject()
        else:
            self.accept()
