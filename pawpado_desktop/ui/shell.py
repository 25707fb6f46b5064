"""The tray app: composes the rooms and runs their life from the icon to the exit.

`TrayApp` shows the icon at once, builds the core behind it, and ends every exit
path in `Core.shutdown`. The rooms do the rest: `tray_presenter` (the icon and its
menu), `window_manager` (the windows, the error box), `actions` and `flows/` (what
each click does, as calls into the core), `power` (logind's shutdown and sleep).
None of them decides anything about sessions or money.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.config import LocalSettings
from pawpado_desktop.core.facts import Question
from pawpado_desktop.core.notices import Notice, NoticeKind, Topic
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.core.stop_policy import EXIT_DEADLINE_S, QUIT_STOP_DEADLINE_S
from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.present import i18n
from pawpado_desktop.present.errors import error_text, error_title
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.menu import Act, Entry
from pawpado_desktop.present.status import session_active
from pawpado_desktop.ui import actions
from pawpado_desktop.ui.excepthook import install as install_excepthook
from pawpado_desktop.ui.exits import QtExits
from pawpado_desktop.ui.flows import history, play
from pawpado_desktop.ui.icons import app_icon
from pawpado_desktop.ui.notifications import DesktopNotifications
from pawpado_desktop.ui.notifier import Notifier
from pawpado_desktop.ui.power import PowerWatch
from pawpado_desktop.ui.resources import resource
from pawpado_desktop.ui.tasks import Tasks
from pawpado_desktop.ui.tray_presenter import TrayPresenter
from pawpado_desktop.ui.window_manager import WindowManager

if TYPE_CHECKING:
    from pawpado_desktop.core.play import Confirm
    from pawpado_desktop.core.service import Core

log = logging.getLogger(__name__)

CoreFactory = Callable[["Confirm"], Awaitable["Core"]]
# SIGTERM, Qt's quit, the end of the desktop session: systemd kills 90 s after SIGTERM.
NOTICE_FLUSH_S = 3.0  # a notice posted on the way out still reaches the desktop


@dataclass
class ShellOptions:
    demo: bool = False
    tray_wait_s: float = 30.0  # at login the panel may come up after us
    tray_check_ms: int = 1000
    notifications_bus: str | None = "SESSION"  # None: no D-Bus notifications
    system_bus: str | None = "SYSTEM"  # logind, for wake-ups
    open_path: Callable[[Path], object] = lambda path: QDesktopServices.openUrl(
        QUrl.fromLocalFile(str(path))
    )


class TrayApp(QObject):
    def __init__(self, app: QApplication, factory: CoreFactory, options: ShellOptions) -> None:
        super().__init__()
        self.app = app
        self.factory = factory
        self.options = options
        self.demo = options.demo
        self.tasks = Tasks()
        self.core: Core | None = None
        self.loading = True
        self.startup_error: PawpadoError | None = None
        self.auto_confirm = False
        self.exit_code = 0
        self.quitting = False  # the quit guard is stopping or keeping the session
        self.closing = False
        self.kept_by_choice = False  # the quit guard's "Keep running": no notice on the way out
        self.play_task: asyncio.Task[Any] | None = None
        self._quit = asyncio.Event()  # set by request_quit, even before run() awaits it
        self._exit_deadline_s = QUIT_STOP_DEADLINE_S
        self._deliveries: set[asyncio.Task[Any]] = set()
        self.unsubscribe: list[Callable[[], None]] = []

        self.set_language(LocalSettings.load().language)
        self.presenter = TrayPresenter(self)
        self.tray, self.menu = self.presenter.tray, self.presenter.menu  # the icon, its menu
        self.windows = WindowManager(
            demo=self.demo,
            entries=self.presenter.entries,
            on_entry=self.on_entry,
            perform=self.perform,
        )
        self.desktop = (
            DesktopNotifications(
                # Late-bound: the notifier, made below, is handed these notifications.
                lambda nid, key: self.notifier.action_invoked(nid, key),  # noqa: PLW0108
                lambda nid: self.notifier.closed(nid),  # noqa: PLW0108
                app_name=tr("Pawpado (demo)") if self.demo else "Pawpado",
                icon=str(resource("icons", "pawpado.svg")),
                bus=options.notifications_bus,
            )
            if options.notifications_bus
            else None
        )
        self.notifier = Notifier(
            spawn=self._deliver,
            perform=self.perform,
            level=self._notification_level,
            tray=self.tray.icon,
            desktop=self.desktop,
            show_window=self.windows.show_notice,
            icon=app_icon(),
        )
        self.power = PowerWatch(self, options.system_bus) if options.system_bus else None
        self.exits = QtExits(self)
        install_excepthook(self.windows.show_error)
        self.presenter.render()
        self.presenter.check_tray()

    # -- what the rooms share -----------------------------------------------------

    @property
    def state(self) -> AppState:
        return self.core.store.state if self.core is not None else AppState(demo=self.demo)

    @property
    def playing(self) -> bool:
        return self.core is not None and self.core.playing

    def now(self) -> tuple[datetime, float]:
        clock = self.core.clock if self.core is not None else SYSTEM_CLOCK
        return clock.now(), clock.monotonic()

    def set_language(self, setting: str) -> None:
        i18n.set_language(i18n.language_for(setting, platform=QLocale.system().name()))

    def require_core(self) -> Core:
        if self.core is None:
            raise PawpadoError("Pawpado is still starting. Try again in a moment.")
        return self.core

    def say(self, title: str, message: str, kind: NoticeKind = NoticeKind.WARNING) -> None:
        """A notice of the tray's own (not the core's), through the same channels."""
        self.notifier.post(Notice(kind, Topic.WORDED, title=title, text=message))

    async def confirm(self, question: str | Question) -> bool:
        if self.auto_confirm:
            return True
        return await self.windows.ask_stop(question)

    def on_entry(self, entry: Entry) -> None:
        if entry.act is not None:
            self.perform(entry.act, entry.amount)

    def perform(self, act: Act, amount: Decimal | None = None) -> None:
        """Carry out a menu entry, a window button or a notification action."""
        actions.perform(self, act, amount)

    def bring_forward(self, message: str = "show") -> None:
        """A later launch spoke on the single-instance channel: `show`, or a CLI `play` /
        `stop` handed to us because this tray owns the Play."""
        log.info("another launch asked us to %s", message)
        if message == "play":
            self.perform(Act.PLAY)  # shows the progress of the Play under way
        elif message == "stop" and self.core is not None:
            self.perform(Act.STOP_SESSION)  # the Play notices the stop and leaves the tailnet
        else:
            self.presenter.show_status_window()

    def _on_state(self, old: AppState, new: AppState) -> None:
        self.presenter.state_changed(old, new)
        if old.play.phase is PlayPhase.GRACE and new.play.phase is not PlayPhase.GRACE:
            self.notifier.withdraw(NoticeKind.STREAM_ENDED)
        if new.play.phase is PlayPhase.GRACE and old.play.phase is not PlayPhase.GRACE:
            play.show_progress(self)
        if new.credits is not old.credits and new.credits is not None:
            self.tasks.spawn(history.load_history(self))  # a session's cost or a top-up landed
        if new.play.phase.is_running != old.play.phase.is_running and self.power is not None:
            self.power.hold(new.play.phase.is_running)
        self.presenter.render_soon()

    def _notification_level(self) -> str:
        return self.core.local_settings.notification_level if self.core else "all"

    def _deliver(self, work: Awaitable[None]) -> object:
        task = self.tasks.spawn(work)
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)
        return task

    # -- start and stop -------------------------------------------------------

    async def run(self) -> int:
        """Start the core, run until Quit, then close everything."""
        self.tasks.spawn(self._start_core())
        await self._quit.wait()
        await self._close()
        return self.exit_code

    async def _start_core(self) -> None:
        try:
            core = await self.factory(self.confirm)
        except PawpadoError as error:
            self.startup_error = error
            self.loading = False
            self.presenter.render()
            self.windows.show_error(error_title(error), error_text(error))
            return
        self.core = core
        self.set_language(core.local_settings.language)
        self.unsubscribe = [
            core.store.subscribe(self._on_state),
            core.notices.subscribe(self.notifier.post),
        ]
        try:
            await core.start()
        except PawpadoError as error:
            self.windows.show_error(error_title(error), error_text(error))
        finally:
            self.loading = False
            self.presenter.render_soon()
        log.info("ready (%s)", "signed in" if core.store.state.signed_in else "signed out")
        if self.power is not None:
            self.tasks.spawn(self.power.wake.start())

    def request_quit(self, code: int = 0) -> None:
        self.exit_code = code
        self._quit.set()

    async def _close(self) -> None:
        """The one way out: end the Play, release logind, close every service."""
        self.closing = True
        self.presenter.stop()
        self.windows.hide_all()
        if self.core is not None:
            await self.end_play(self.core, self._exit_deadline_s, stop_attached=self.auto_confirm)
        if self.power is not None:
            await self.power.inhibitor.aclose()  # only now: the stop and the restore are done
        self.tray.icon.hide()
        for unsubscribe in self.unsubscribe:
            unsubscribe()
        if self.core is not None:
            await self.core.aclose()
        if self._deliveries:  # what the clean-up said must reach the user before the bus closes
            await asyncio.wait(set(self._deliveries), timeout=NOTICE_FLUSH_S)
        for closer in (self.desktop, self.power.wake if self.power else None):
            if closer is not None:
                await closer.aclose()
        await self.tasks.cancel_all()

    async def end_play(self, core: Core, deadline_s: float, *, stop_attached: bool) -> None:
        """Core.shutdown: a Play's clean-up stops what it started and restores Tailscale.

        A session this app did not start (or that the user chose to keep) keeps
        running unless `stop_attached`; the user is told it still bills.
        """
        in_play = core.playing
        await core.shutdown(deadline_s=deadline_s, stop_attached=stop_attached)
        if core.playing:
            log.warning("the Play's clean-up did not finish within %.0f s", deadline_s)
        kept = session_active(core.store.state) and not stop_attached
        if kept and not in_play and not self.kept_by_choice:
            # Not a Play of ours (a Play's clean-up says this itself): it runs on.
            self.say(
                tr("Your gaming PC is still running"),
                tr(
                    "Pawpado has closed, but your gaming PC keeps running and billing. "
                    "Stop it with `pawpado-desktop stop`, or open Pawpado and choose Stop session."
                ),
            )
            log.warning("quitting with a session still running (not started by this app)")

    def shutdown_now(self, why: str = "SIGTERM", deadline_s: float = EXIT_DEADLINE_S) -> None:
        """SIGTERM, Ctrl-C, Qt's quit, the end of the session: no questions.

        A Play we started is stopped and Tailscale restored on the way; a session
        we did not start keeps running and the user is told so.
        """
        if self.closing:
            log.info("%s while already closing", why)
            return
        log.info("%s: quitting without questions (within %.0f s)", why, deadline_s)
        self._exit_deadline_s = deadline_s
        self.request_quit()
