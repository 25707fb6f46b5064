"""Play, stop, and top up (by itself, a custom amount, or to play)."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from pawpado_desktop.core.checkout import TopupNotCompleted, amount_to_play
from pawpado_desktop.core.types import TopupCheckout
from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.safe_url import browser_url
from pawpado_desktop.ui.windows.common import finished

if TYPE_CHECKING:
    from pawpado_desktop.ui.shell import TrayApp
    from pawpado_desktop.ui.windows.progress import ProgressWindow

log = logging.getLogger(__name__)


def show_progress(app: TrayApp) -> ProgressWindow:
    window = app.windows.show_progress()
    app.presenter.render()
    return window


async def play(app: TrayApp) -> None:
    core = app.require_core()
    if core.playing:
        show_progress(app)
        return
    show_progress(app)
    from pawpado_desktop.core.play import PlayOptions  # off the path to the icon

    task = asyncio.ensure_future(core.play(PlayOptions()))
    app.play_task = task
    app.presenter.render_soon()
    try:
        await task
    except (PawpadoError, asyncio.CancelledError):
        pass  # the core already posted what went wrong; the window shows it
    finally:
        app.presenter.render_soon()


async def stop_session(app: TrayApp) -> None:
    await app.require_core().stop_session()


async def topup(app: TrayApp, amount: Decimal | None) -> None:
    if amount is None:
        return
    core = app.require_core()
    checkout = await core.topup(amount, open_browser=False)
    await show_checkout(app, checkout, amount)


async def show_checkout(app: TrayApp, checkout: TopupCheckout, amount: Decimal) -> None:
    core = app.require_core()
    page = browser_url(checkout.checkout_url, what="checkout page")  # the host to show
    credits = core.store.state.credits
    money = fmt.money(amount, credits.currency if credits else "IDR")
    app.say(
        tr("Finish the top-up in your browser"),
        tr(
            "Opening the checkout page on {host}. Pay {amount} there; your balance "
            "updates here once it is credited.",
            host=page.host,
            amount=money,
        ),
    )
    await core.open_in_browser(page.url)
    log.info("checkout %s opened", checkout.checkout_id)


async def topup_and_play(app: TrayApp) -> None:
    """Top up the offered amount; the Play starts by itself once it is credited."""
    core = app.require_core()
    credits = app.state.credits
    amount = app.state.topup_offer or (amount_to_play(credits) if credits else None)
    if amount is None or core.playing:
        return

    async def show(checkout: TopupCheckout) -> None:
        await show_checkout(app, checkout, amount)

    from pawpado_desktop.core.play import PlayOptions  # off the path to the icon

    try:
        await core.topup_and_play(amount, PlayOptions(), show=show)
    except TopupNotCompleted:
        pass  # the core's notice said how the checkout ended
    except PawpadoError as error:
        if error is not core.store.state.last_error:
            raise  # the top-up itself failed: flows.reporting says it
        # else the Play's failure, which the core already posted
    finally:
        app.presenter.render_soon()


async def topup_custom(app: TrayApp) -> None:
    dialog = app.windows.topup(app.state.credits)
    if await finished(dialog) == QDialog.DialogCode.Accepted:
        await topup(app, dialog.amount())
