"""Quit from the menu: the quit guard asks while a gaming PC bills (stop everything,
including a session this app did not start; keep it running; or stay)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.core.stop_policy import QUIT_STOP_DEADLINE_S
from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.status import session_active
from pawpado_desktop.ui.windows.common import finished

if TYPE_CHECKING:
    from pawpado_desktop.core.service import Core
    from pawpado_desktop.ui.shell import TrayApp



async def quit_app(app: TrayApp) -> None:
    if app.quitting:
        return
    core = app.core
    if core is None or not (core.playing or session_active(core.store.state)):
        app.request_quit()
        return
    from pawpado_desktop.ui.windows.quit_guard import QuitChoice

    phase = core.store.state.play.phase
    can_keep = not core.playing or phase is PlayPhase.GRACE
    credits = core.store.state.credits
    rate = fmt.money(credits.rate_per_minute, credits.currency) if credits else ""
    detail = (
        tr("It bills {rate} a minute until it is stopped.", rate=rate)
        if rate
        else tr("It bills until it is stopped.")
    )
    dialog = app.windows.quit_guard(detail, can_keep=can_keep)
    await finished(dialog)
    if dialog.choice is QuitChoice.CANCEL:
        return
    app.quitting = True
    try:
        if dialog.choice is QuitChoice.STOP:
            await stop_everything(app, core)
        else:
            app.kept_by_choice = True
            if core.playing:
                core.keep_running()
                if app.play_task is not None:
                    with contextlib.suppress(BaseException):
                        await app.play_task
    finally:
        app.quitting = False
    app.request_quit()


async def stop_everything(app: TrayApp, core: Core) -> None:
    app.auto_confirm = True  # an attached session is stopped too: the user said so
    await app.end_play(core, QUIT_STOP_DEADLINE_S, stop_attached=True)
    if session_active(core.store.state):
        await core.stop_session()
    with contextlib.suppress(PawpadoError):
        await core.wait_session(lambda s: s.state.can_start, QUIT_STOP_DEADLINE_S)
