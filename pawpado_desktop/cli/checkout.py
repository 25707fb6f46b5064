"""The CLI's side of a top-up: show the checkout, then say how it ended."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from pawpado_desktop.cli.terminal import plain
from pawpado_desktop.core.checkout import TopupOutcome, TopupResult
from pawpado_desktop.core.service import Core
from pawpado_desktop.core.types import TopupCheckout
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.notices import topup_ending
from pawpado_desktop.safe_url import checkout_url


def presenter(core: Core, *, browser: bool) -> Callable[[TopupCheckout], Awaitable[None]]:
    """Print the checkout link (and its expiry), and open it unless told not to."""

    async def show(checkout: TopupCheckout) -> None:
        page = checkout_url(checkout.checkout_url)  # the host to show
        print(tr("Pay here: {url}", url=plain(page.url)))
        if browser:
            opening = tr("Opening the checkout page on {host} in your browser...", host=page.host)
            print(opening, flush=True)
            if not await core.open_in_browser(page.url):
                print(tr("Could not open a browser; open the address above yourself."), flush=True)
        until = fmt.time_of_day(checkout.expires_at)
        print(
            tr(
                "Waiting for the payment to be credited (the checkout expires at {time}; "
                "Ctrl-C stops waiting)...",
                time=until,
            ),
            flush=True,
        )

    return show


def report(result: TopupResult) -> int:
    """Print how the top-up ended; the exit code for `topup`."""
    credits = result.credits
    if result.outcome is TopupOutcome.CREDITED and credits is not None:
        balance = fmt.money(credits.balance, credits.currency)
        print(tr("Credited. Your balance is {amount}.", amount=balance))
        return int(ExitCode.OK)
    print(topup_ending(result.outcome))
    return int(ExitCode.ERROR)


def topup_and_play_hint(amount: Decimal | None) -> str | None:
    if amount is None:
        return None
    return tr("Top up and play: {command}", command=f"pawpado-desktop play --topup {amount:f}")
