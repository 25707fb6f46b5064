"""The sign-in dialog: the code to confirm, the page to open, a QR code for a phone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.ui.windows.common import button, demo_banner, label, plain_label, prepare
from pawpado_desktop.ui.windows.qr import qr_pixmap


class SignInDialog(QDialog):
    open_browser = Signal()

    def __init__(
        self, *, demo: bool, now: Callable[[], datetime], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        prepare(self, tr("Sign in"), demo=demo)
        self._now = now
        self._expires_at: datetime | None = None
        self._link = ""
        self.setMinimumWidth(460)

        self.heading = label(tr("Sign in to Pawpado"), "heading")
        self.explain = label(
            tr("Open the sign-in page, check that it shows this code, and press Approve.")
        )
        self.code = plain_label("…")
        self.code.setObjectName("userCode")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(28)
        font.setBold(True)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 4)
        self.code.setFont(font)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_hint = label(tr("Or scan this with your phone."), "muted")
        self.qr_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.host = label("", "muted")  # where Open browser goes, before it goes there
        self.host.setObjectName("host")
        self.host.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = label(tr("Asking Huudis for a sign-in code…"), "muted")
        self.open_button = button(tr("&Open browser"), "primary")
        self.open_button.setDefault(True)
        self.open_button.setEnabled(False)
        self.copy_code = button(tr("Copy &code"))
        self.copy_link = button(tr("Copy &link"))
        self.cancel_button = button(tr("Cancel"))
        for widget in (self.copy_code, self.copy_link):
            widget.setEnabled(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.copy_code)
        buttons.addWidget(self.copy_link)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        if demo:
            layout.addWidget(demo_banner())
        for line in (self.heading, self.explain, self.code, self.host, self.qr, self.qr_hint):
            layout.addWidget(line)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self.open_button.clicked.connect(self.open_browser)
        self.copy_code.clicked.connect(lambda: self._copy(self.code.text(), tr("Code copied.")))
        self.copy_link.clicked.connect(lambda: self._copy(self._link, tr("Link copied.")))
        self.cancel_button.clicked.connect(self.reject)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)

    def show_code(self, user_code: str, link: str, host: str, expires_at: datetime) -> None:
        """`link` was checked by safe_url; `host` is shown so the user knows where it goes."""
        self.code.setText(user_code)
        self.host.setText(tr("The sign-in page is on {host}", host=host))
        self._link = link
        self._expires_at = expires_at
        self.qr.setPixmap(qr_pixmap(link))
        for widget in (self.open_button, self.copy_code, self.copy_link):
            widget.setEnabled(True)
        self.open_button.setFocus()
        self._timer.start()
        self._tick()

    def _tick(self) -> None:
        if self._expires_at is None:
            return
        left = (self._expires_at - self._now()).total_seconds()
        self.status.setText(
            tr(
                "Waiting for you to approve in the browser · code expires in {time}",
                time=fmt.clock(left),
            )
        )

    def _copy(self, text: str, done: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.status.setText(done)

    def fail(self, message: str) -> None:
        self._timer.stop()
        self.status.setProperty("role", "error")
        self.status.setText(message)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.open_button.setEnabled(False)
        self.cancel_button.setText(tr("Close"))

    def succeed(self, who: str) -> None:
        self._timer.stop()
        self.status.setText(tr("Signed in as {who}.", who=who))
        for widget in (self.open_button, self.copy_code, self.copy_link):
            widget.setEnabled(False)
        self.cancel_button.setText(tr("Close"))
        QTimer.singleShot(1500, self.accept)

    def done(self, result: int) -> None:
        self._timer.stop()
        super().done(result)
