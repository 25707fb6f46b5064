"""Delete the account: explained, and confirmed by typing the account's email."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QVBoxLayout

from pawpado_desktop.present.i18n import tr
from pawpado_desktop.ui.windows.common import button, demo_banner, label, prepare


class DeleteAccountDialog(QDialog):
    def __init__(self, *, demo: bool, email: str) -> None:
        super().__init__()
        prepare(self, tr("Delete account"), demo=demo)
        self.setMinimumWidth(460)
        self.email = email
        self.typed = QLineEdit()
        self.typed.setObjectName("confirmation")
        self.typed.setPlaceholderText(email)
        self.delete_button = button(tr("&Delete my account"), "danger")
        self.delete_button.setEnabled(False)
        cancel = button(tr("Cancel"))
        cancel.setDefault(True)
        cancel.clicked.connect(self.reject)
        self.delete_button.clicked.connect(self.accept)
        self.typed.textChanged.connect(self._check)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        if demo:
            layout.addWidget(demo_banner())
        layout.addWidget(label(tr("Delete your Pawpado account?"), "heading"))
        layout.addWidget(
            label(
                tr(
                    "Your account, your balance and your gaming PC's disk (installed games and "
                    "saves) are deleted for good 30 days from now. Until then nothing is removed: "
                    "contact Pawpado support within the 30 days to keep your account. You will "
                    "be signed out on this computer now."
                )
            )
        )
        layout.addWidget(label(tr("Type {email} to confirm.", email=email), "muted"))
        layout.addWidget(self.typed)
        layout.addLayout(buttons)

    def _check(self) -> None:
        typed = self.typed.text().strip().casefold()
        self.delete_button.setEnabled(bool(typed) and typed == self.email.casefold())
