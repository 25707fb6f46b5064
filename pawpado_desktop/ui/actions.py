"""What a menu entry, a window button or a notification action does: the core's
own controls of a running Play at once, everything else as a flow in the background."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from pawpado_desktop.config import log_dir
from pawpado_desktop.present.menu import Act
from pawpado_desktop.ui.flows import (
    account,
    history,
    play,
    quitting,
    reporting,
    settings,
    support,
)

if TYPE_CHECKING:
    from pawpado_desktop.ui.shell import TrayApp

log = logging.getLogger(__name__)


def perform(app: TrayApp, act: Act, amount: Decimal | None = None) -> None:
    log.info("action: %s", act.value)
    core = app.core
    simple: dict[Act, Callable[[], object]] = {
        Act.PROGRESS: lambda: play.show_progress(app),
        Act.SHOW_WINDOW: app.presenter.show_status_window,
        Act.OPEN_LOGS: lambda: app.options.open_path(log_dir()),
        Act.COPY_DEBUG: lambda: support.copy_debug_info(app),
        Act.DEBUG_BUNDLE: lambda: app.tasks.spawn(reporting(app, support.save_debug_bundle(app))),
    }
    if act in simple:
        simple[act]()
        return
    if act is Act.QUIT:
        app.tasks.spawn(quitting.quit_app(app))
        return
    if core is None:
        return
    controls: dict[Act, Callable[[], object]] = {
        Act.CANCEL: core.cancel_play,
        Act.KEEP: core.keep_running,
        Act.STOP_NOW: core.stop_now,
        Act.RECONNECT: core.reconnect,
    }
    if act in controls:
        controls[act]()
        app.presenter.render_soon()
        return
    work: dict[Act, Callable[[], Awaitable[object]]] = {
        Act.SIGN_IN: lambda: account.sign_in(app),
        Act.PLAY: lambda: play.play(app),
        Act.ATTACH: lambda: play.play(app),
        Act.STOP_SESSION: lambda: play.stop_session(app),
        Act.TOPUP: lambda: play.topup(app, amount),
        Act.TOPUP_CUSTOM: lambda: play.topup_custom(app),
        Act.TOPUP_PLAY: lambda: play.topup_and_play(app),
        Act.SETTINGS: lambda: settings.open_settings(app),
        Act.SIGN_OUT: lambda: account.sign_out(app),
        Act.HISTORY: lambda: history.show_history(app),
        Act.DELETE_ACCOUNT: lambda: account.delete_account(app),
    }
    app.tasks.spawn(reporting(app, work[act]()))
