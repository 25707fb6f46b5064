"""The account's wallet and its Plugipay checkouts (simulated).

A checkout moves open -> paid (Pay clicked; settles after a delay) -> settled,
or open -> cancelled / expired. Only settling raises the balance, the way the
real balance rises only when Plugipay's webhook reaches Pawpado.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

CheckoutStatus = Literal["open", "paid", "settled", "cancelled", "expired"]
CENT = Decimal("0.01")


@dataclass
class Checkout:
    id: str
    amount: Decimal
    return_url: str | None
    created_at: float
    expires_at: float
    status: CheckoutStatus = "open"
    settle_at: float | None = None  # when a paid (or auto-settling) checkout settles


class Wallet:
    def __init__(self, balance: Decimal) -> None:
        self.balance = balance.quantize(CENT)
        self.checkouts: dict[str, Checkout] = {}

    def charge(self, amount: Decimal) -> Decimal:
        """Take up to `amount`; the balance never goes below zero. Returns what was taken."""
        taken = min(amount, max(self.balance, Decimal(0)))
        self.balance = (self.balance - taken).quantize(CENT)
        return taken

    def set_balance(self, amount: Decimal) -> None:
        self.balance = amount.quantize(CENT)

    def open_checkout(
        self,
        amount: Decimal,
        return_url: str | None,
        now: float,
        lifetime: float,
        auto_settle_after: float | None,
    ) -> Checkout:
        checkout = Checkout(
            id="cs_" + secrets.token_hex(12),
            amount=amount.quantize(CENT),
            return_url=return_url,
            created_at=now,
            expires_at=now + lifetime,
            settle_at=None if auto_settle_after is None else now + auto_settle_after,
        )
        self.checkouts[checkout.id] = checkout
        return checkout

    def pay(self, checkout_id: str, now: float, settle_after: float) -> Checkout | None:
        checkout = self.checkouts.get(checkout_id)
        if checkout is None:
            return None
        if checkout.status == "open":
            checkout.status = "paid"
            checkout.settle_at = now + settle_after
        return checkout

    def cancel(self, checkout_id: str) -> Checkout | None:
        checkout = self.checkouts.get(checkout_id)
        if checkout is None:
            return None
        if checkout.status == "open":
            checkout.status = "cancelled"
            checkout.settle_at = None
        return checkout

    def next_event(self) -> tuple[float, Checkout] | None:
        """The earliest pending settlement or expiry."""
        best: tuple[float, Checkout] | None = None
        for checkout in self.checkouts.values():
            when: float | None = None
            if checkout.status in ("open", "paid") and checkout.settle_at is not None:
                when = checkout.settle_at
            if checkout.status == "open" and (when is None or checkout.expires_at < when):
                when = checkout.expires_at
            if when is not None and (best is None or when < best[0]):
                best = (when, checkout)
        return best

    def fire(self, checkout: Checkout, at: float) -> None:
        """Apply the event `next_event` returned for `checkout`."""
        if checkout.settle_at is not None and checkout.settle_at <= at:
            checkout.status = "settled"
            checkout.settle_at = None
            self.balance = (self.balance + checkout.amount).quantize(CENT)
        elif checkout.status == "open" and checkout.expires_at <= at:
            checkout.status = "expired"
