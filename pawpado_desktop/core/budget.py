"""Money rules: low-balance alerts, the run-out countdown and top-up amounts.

Pure functions and one small stateful guard, so they are tested without a clock
or a server. Amounts are Decimal throughout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from pawpado_desktop.api.models import Credits
from pawpado_desktop.core.notices import Topic
from pawpado_desktop.core.state import Attention

EXTRA_ALERT_MINUTES = (10, 5)  # always warn again at these, whatever the account says
MINIMUM_TOPUP = Decimal(10000)  # the contract's minimum, in IDR
MAXIMUM_TOPUP = Decimal(10_000_000)  # ours: a typo (an extra zero) must not reach a checkout
TOPUP_HOURS = (1, 3, 10)
NEVER_MINUTES = Decimal(100 * 365 * 24 * 60)  # a balance that lasts a century


@dataclass(frozen=True)
class BalanceAlert:
    minutes_left: int
    threshold: int
    during_session: bool

    @property
    def topic(self) -> Topic:
        """Which notice tells it (its parameter: `minutes_left`)."""
        if self.minutes_left <= 0:
            return Topic.BALANCE_EMPTY
        return Topic.BALANCE_LOW_PLAYING if self.during_session else Topic.BALANCE_LOW


# An amount as people type it: digits grouped by "." or "," in threes, then at
# most two decimals after the other mark ("50.000", "50,000", "1.234.567,50",
# "50000.00"). Anything else is refused rather than guessed.
_TYPED_AMOUNT = re.compile(r"(\d{1,3}(?:([.,])\d{3})?(?:\2\d{3})*|\d+)(?:([.,])(\d{1,2}))?")


def parse_amount(text: str) -> Decimal | None:
    """A typed amount, or None. A mark followed by three digits groups thousands,
    one followed by one or two digits at the end is the decimal point, so "50.000"
    is fifty thousand in every language and "50000.00" never becomes five million."""
    typed = "".join(text.split())
    match = _TYPED_AMOUNT.fullmatch(typed)
    if match is None or (match.group(3) and match.group(3) == match.group(2)):
        return None
    whole = match.group(1).replace(".", "").replace(",", "")
    try:
        value = Decimal(f"{whole}.{match.group(4)}" if match.group(4) else whole)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def alert_thresholds(account_minutes: int) -> list[int]:
    """The account's threshold plus the fixed ones, most generous first."""
    return sorted({m for m in (account_minutes, *EXTRA_ALERT_MINUTES) if m > 0}, reverse=True)


class BudgetGuard:
    """Fires each threshold once as the balance falls; re-arms it when a top-up lifts it."""

    def __init__(self) -> None:
        self._fired: set[int] = set()

    def observe(
        self, credits: Credits, account_minutes: int, *, during_session: bool
    ) -> BalanceAlert | None:
        minutes = credits.minutes_left
        if minutes is None:
            return None
        thresholds = alert_thresholds(account_minutes)
        self._fired = {t for t in self._fired if minutes <= t}  # re-arm after a top-up
        crossed = [t for t in thresholds if minutes <= t]
        fresh = [t for t in crossed if t not in self._fired]
        self._fired.update(crossed)
        if not fresh:
            return None
        # Several at once (a long sleep, a first look): one alert, the most urgent.
        return BalanceAlert(minutes, min(fresh), during_session)


def attention(credits: Credits | None, account_minutes: int) -> Attention:
    if credits is None or credits.minutes_left is None:
        return Attention.OK
    if credits.minutes_left <= 0:
        return Attention.EMPTY
    if credits.minutes_left <= EXTRA_ALERT_MINUTES[0]:
        return Attention.CRITICAL
    if credits.minutes_left <= account_minutes or credits.shortfall_to_start > 0:
        return Attention.LOW
    return Attention.OK


def runs_out_at(credits: Credits, now: datetime) -> datetime | None:
    """When a running session exhausts the balance (the server then stops it)."""
    if credits.rate_per_minute <= 0:
        return None
    minutes = max(Decimal(0), credits.balance / credits.rate_per_minute)
    if minutes > NEVER_MINUTES:
        return None  # no countdown to show (and no datetime that far away)
    return now + timedelta(seconds=float(minutes * 60))


def topup_suggestions(rate_per_minute: Decimal) -> list[tuple[int, Decimal]]:
    """(hours, amount) for 1, 3 and 10 hours of play, rounded up to a round sum."""
    suggestions: list[tuple[int, Decimal]] = []
    for hours in TOPUP_HOURS:
        raw = rate_per_minute * 60 * hours
        step = Decimal(1000) if raw >= 1000 else Decimal(1)
        amount = (raw / step).to_integral_value(rounding=ROUND_CEILING) * step
        suggestions.append((hours, max(amount, MINIMUM_TOPUP)))
    return suggestions
