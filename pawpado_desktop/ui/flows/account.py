"""Sign in (the device flow in a dialog), sign out, delete the account."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from pawpado_desktop.core.notices import NoticeKind
from pawpado_desktop.errors import CancelledByUser, PawpadoError
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.errors import error_text
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.status import session_active
from pawpado_desktop.safe_url import browser_url
from pawpado_desktop.ui.flows import reporting
from pawpado_desktop.ui.window_manager import bring_back
from pawpado_desktop.ui.windows.common import finished

if TYPE_CHECKING:
    from pawpado_desktop.ui.shell import TrayApp


async def sign_in(app: TrayApp) -> None:
    if bring_back(app.windows.sign_in):
        return
    core = app.require_core()
    dialog = app.windows.new_sign_in(core.clock.now)
    result = asyncio.ensure_future(finished(dialog))
    try:
        flow = await core.start_sign_in()
    except PawpadoError as error:
        dialog.fail(error_text(error))
        await result
        return
    page = browser_url(flow.browser_uri, what="sign-in page")  # on the issuer's site
    dialog.show_code(flow.user_code, page.url, page.host, flow.expires_at)
    dialog.open_browser.connect(
        lambda: app.tasks.spawn(reporting(app, core.open_in_browser(page.url)))
    )
    dialog.rejected.connect(core.cancel_sign_in)
    try:
        identity = await core.complete_sign_in(flow)
    except CancelledByUser:
        return
    except PawpadoError as error:
        dialog.fail(error_text(error))
        return
    dialog.succeed(identity.name or identity.email if identity else tr("you"))


async def sign_out(app: TrayApp) -> None:
    core = app.require_core()
    if session_active(core.store.state) and not await app.confirm(
        tr("Your gaming PC is still running and billing. Stop it before signing out?")
    ):
        return
    await core.sign_out(stop=True)  # stops it first; keeps the sign-in if it cannot


async def delete_account(app: TrayApp) -> None:
    core = app.require_core()
    identity = core.store.state.identity
    if identity is None:
        return
    dialog = app.windows.delete_account(identity.email)
    if await finished(dialog) != QDialog.DialogCode.Accepted:
        return
    deletion = await core.delete_account()  # signed out afterwards, a running PC stopped
    when = fmt.date(deletion.delete_at)
    app.say(
        tr("Account deletion scheduled"),
        tr("Your account will be deleted on {date}. You have been signed out.", date=when),
        NoticeKind.ERROR,  # important: shown even at the "important only" level
    )
