"""Top up a custom amount: what it buys is shown as you type."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QVBoxLayout

from pawpado_desktop.core.budget import MAXIMUM_TOPUP, MINIMUM_TOPUP, parse_amount
from pawpado_desktop.core.types import Credits
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.ui.windows.common import button, demo_banner, label, prepare


class TopupDialog(QDialog):
    def __init__(self, *, demo: bool, credits: Credits | None) -> None:
        super().__init__()
        prepare(self, tr("Top up"), demo=demo)
        self.setMinimumWidth(400)
        self.credits = credits
        currency = credits.currency if credits else "IDR"
        self.currency = currency
        self.amount_edit = QLineEdit()
        self.amount_edit.setObjectName("amount")
        self.amount_edit.setPlaceholderText(tr("Amount in {currency}", currency=currency))
        self.preview = label("", "muted")
        self.pay = button(tr("&Continue to payment"), "primary")
        self.pay.setDefault(True)
        cancel = button(tr("Cancel"))
        cancel.clicked.connect(self.reject)
        self.pay.clicked.connect(self.accept)
        self.amount_edit.textChanged.connect(self._update)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.pay)
        layout = QVBoxLayout(self)
        if demo:
            layout.addWidget(demo_banner())
        layout.addWidget(label(tr("How much would you like to add?"), "heading"))
        if credits is not None:
            balance = fmt.money(credits.balance, credits.currency)
            layout.addWidget(label(tr("Your balance is {amount}.", amount=balance), "muted"))
        layout.addWidget(self.amount_edit)
        layout.addWidget(self.preview)
        layout.addLayout(buttons)
        self._update()

    def amount(self) -> Decimal | None:
        return parse_amount(self.amount_edit.text())  # "50.000", "50,000", "50000.00"

    def _update(self) -> None:
        amount = self.amount()
        minimum = fmt.money(MINIMUM_TOPUP, self.currency)
        if amount is None or amount < MINIMUM_TOPUP:
            self.preview.setText(tr("The smallest top-up is {amount}.", amount=minimum))
            self.pay.setEnabled(False)
            return
        if amount > MAXIMUM_TOPUP:  # an extra zero must not reach a checkout (as in the CLI)
            largest = fmt.money(MAXIMUM_TOPUP, self.currency)
            self.preview.setText(tr("The largest top-up is {amount}.", amount=largest))
            self.pay.setEnabled(False)
            return
        self.pay.setEnabled(True)
        rate = self.credits.rate_per_minute if self.credits else Decimal(0)
        if rate > 0:
            minutes = int(amount // rate)
            self.preview.setText(
                tr(
                    "{amount} buys about {time} of play.",
                    amount=fmt.money(amount, self.currency),
                    time=fmt.minutes(minutes),
                )
            )
        else:
            self.preview.setText(fmt.money(amount, self.currency))
