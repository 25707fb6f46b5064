"""The tray app's controller: renders the core's state and turns clicks into core calls.

It owns the tray icon, the menu, the windows and the notifier. It never decides
anything about sessions or money; every action is one call on the core.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QEventLoop, QLocale, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QSessionManager
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QMessageBox, QSystemTrayIcon, QWidget

from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.config import LocalSettings, config_dir, log_dir
from pawpado_desktop.core.checkout import TopupNotCompleted, amount_to_play
from pawpado_desktop.core.notices import Notice, NoticeKind
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.core.types import SessionState, TopupCheckout
from pawpado_desktop.errors import CancelledByUser, PawpadoError, SaveFailed
from pawpado_desktop.present import i18n
from pawpado_desktop.present.errors import error_text, error_title, text_of
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.safe_url import browser_url
from pawpado_desktop.ui.excepthook import install as install_excepthook
from pawpado_desktop.ui.icons import TrayIcons, app_icon, current_form
from pawpado_desktop.ui.inhibitor import DelayInhibitor
from pawpado_desktop.ui.menu import MenuRenderer
from pawpado_desktop.ui.money import MoneyFormat, locale_for
from pawpado_desktop.ui.notifications import DesktopNotifications
from pawpado_desktop.ui.notifier import Notifier
from pawpado_desktop.ui.resources import resource
from pawpado_desktop.ui.tasks import Tasks
from pawpado_desktop.ui.tray import TrayView
from pawpado_desktop.ui.view_model import (
    SEPARATOR,
    Act,
    Entry,
    TrayStatus,
    action,
    badge,
    info,
    menu_entries,
    session_active,
    tooltip,
    tray_status,
)
from pawpado_desktop.ui.wake import WakeWatcher
from pawpado_desktop.ui.windows.common import finished, plain_text, window_title

if TYPE_CHECKING:
    from pawpado_desktop.core.history import History
    from pawpado_desktop.core.play import Confirm
    from pawpado_desktop.core.service import Core
    from pawpado_desktop.ui.windows.history import HistoryWindow
    from pawpado_desktop.ui.windows.progress import ProgressWindow
    from pawpado_desktop.ui.windows.settings import SettingsDialog
    from pawpado_desktop.ui.windows.sign_in import SignInDialog
    from pawpado_desktop.ui.windows.status import StatusWindow

log = logging.getLogger(__name__)

CoreFactory = Callable[["Confirm"], Awaitable["Core"]]
QUIT_STOP_DEADLINE_S = 5 * 60.0
# SIGTERM, Qt's quit, the end of the desktop session: systemd kills 90 s after SIGTERM.
EXIT_DEADLINE_S = 60.0
SHUTDOWN_MARGIN_S = 1.0  # released this long before logind stops waiting for us
NOTICE_FLUSH_S = 3.0  # a notice posted on the way out still reaches the desktop
SESSION_END_HOLD_S = 20.0  # how long the end of the desktop session waits for the clean-up
TOOLTIP_REFRESH_MS = 15_000
HISTORY_DAYS = 30  # the History window's chart


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
        self.error_seen = False
        self.no_tray = False
        self.auto_confirm = False
        self.exit_code = 0
        self._quit = asyncio.Event()  # set by request_quit, even before run() awaits it
        self._quitting = False
        self._closing = False
        self._kept_by_choice = False  # the quit guard's "Keep running": no notice on the way out
        self._exit_deadline_s = QUIT_STOP_DEADLINE_S
        self._deliveries: set[asyncio.Task[Any]] = set()
        self._play_task: asyncio.Task[Any] | None = None
        self._render_pending = False
        self._menu_showed_error = False
        self._error_box: QMessageBox | None = None
        self.status_window: StatusWindow | None = None
        self.progress_window: ProgressWindow | None = None
        self.history_window: HistoryWindow | None = None
        self.month_spent: str | None = None  # this month's known spending, for the menu
        self.settings_dialog: SettingsDialog | None = None
        self.sign_in_dialog: SignInDialog | None = None
        self.notice_windows: list[QWidget] = []
        self.unsubscribe: list[Callable[[], None]] = []

        self.set_language(LocalSettings.load().language)
        self.menu = QMenu()
        self.tray = TrayView(TrayIcons(current_form()), self.menu, self)
        self.menu_renderer = MenuRenderer(self.menu, self.entries, self.on_entry, self)
        self.menu.aboutToShow.connect(self._menu_opened)
        self.menu.aboutToHide.connect(self._menu_closed)
        self.tray.icon.activated.connect(self._tray_activated)
        self.desktop = (
            DesktopNotifications(
                self._notification_action,
                self._notification_closed,
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
            show_window=self._show_notice_window,
            icon=app_icon(),
        )
        self.wake = (
            WakeWatcher(self._woke, bus=options.system_bus, on_prepare=self._preparing)
            if options.system_bus
            else None
        )
        self.inhibitor = (
            DelayInhibitor(
                "Stops the gaming PC Pawpado started and restores your Tailscale login",
                bus=options.system_bus,
            )
            if options.system_bus
            else None
        )
        app.installEventFilter(self)  # Qt's quit (macOS Quit, the end of the session)
        app.aboutToQuit.connect(self._qt_quitting)
        app.commitDataRequest.connect(self._session_ending)
        self._live = QTimer(self)  # once a second while a window shows live figures
        self._live.setInterval(1000)
        self._live.timeout.connect(self.render)
        self._slow = QTimer(self)  # the tooltip's cost and countdown while a session bills
        self._slow.setInterval(TOOLTIP_REFRESH_MS)
        self._slow.timeout.connect(self.render)
        self._tray_timer = QTimer(self)
        self._tray_timer.setInterval(options.tray_check_ms)
        self._tray_timer.timeout.connect(self._check_tray)
        self._tray_waited_ms = 0
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(lambda _scheme: self.tray.use_form(current_form()))
        install_excepthook(self.show_error)
        self.render()
        self._check_tray()

    # -- state ----------------------------------------------------------------

    @property
    def state(self) -> AppState:
        return self.core.store.state if self.core is not None else AppState(demo=self.demo)

    @property
    def playing(self) -> bool:
        return self.core is not None and self.core.playing

    def _now(self) -> tuple[datetime, float]:
        clock = self.core.clock if self.core is not None else SYSTEM_CLOCK
        return clock.now(), clock.monotonic()

    def set_language(self, setting: str) -> None:
        i18n.set_language(i18n.choose_language(setting, QLocale.system().name()))
        self.fmt = MoneyFormat(locale_for(i18n.language()))

    def status(self) -> TrayStatus:
        if self.loading or self.startup_error is not None:
            return TrayStatus.ERROR if self.startup_error else TrayStatus.SIGNED_OUT
        return tray_status(self.state, error_seen=self.error_seen)

    def entries(self) -> list[Entry]:
        now, mono = self._now()
        if self.startup_error is not None:
            return [
                info(
                    "problem",
                    f"{error_title(self.startup_error)}: {error_text(self.startup_error)}",
                ),
                SEPARATOR,
                action(Act.OPEN_LOGS, tr("Open &log folder")),
                action(Act.QUIT, tr("&Quit")),
            ]
        return menu_entries(
            self.state,
            now,
            mono,
            self.fmt,
            playing=self.playing,
            error_seen=self.error_seen,
            loading=self.loading,
            month_spent=self.month_spent,
        )

    def tooltip_text(self) -> str:
        now, mono = self._now()
        text = tooltip(
            self.state, now, mono, self.fmt, error_seen=self.error_seen, loading=self.loading
        )
        if self.startup_error is not None:
            text += "\n" + error_title(self.startup_error)
        return text

    def _render_soon(self) -> None:
        if not self._render_pending:
            self._render_pending = True
            QTimer.singleShot(0, self.render)

    def render(self) -> None:
        self._render_pending = False
        state = self.state
        self.tray.render(self.status(), badge(state), self.tooltip_text())
        if self.menu.isVisible():  # an open menu shows a new balance or state at once
            self.menu_renderer.refresh()
        now, mono = self._now()
        if self.status_window is not None and self.status_window.isVisible():
            self.status_window.show_entries(self.entries())
        if self.progress_window is not None and self.progress_window.isVisible():
            self.progress_window.show_state(state, now, mono, self.fmt, playing=self.playing)
        live = session_active(state) or state.play.phase.is_running
        windows = any(
            w is not None and w.isVisible() for w in (self.status_window, self.progress_window)
        )
        _run_while(self._live, live and windows)
        _run_while(self._slow, live)

    def _on_state(self, old: AppState, new: AppState) -> None:
        if new.last_error is not None and new.last_error is not old.last_error:
            self.error_seen = False
        if new.session_state is SessionState.ERROR and old.session_state is not SessionState.ERROR:
            self.error_seen = False
        if old.play.phase is PlayPhase.GRACE and new.play.phase is not PlayPhase.GRACE:
            self.notifier.withdraw(NoticeKind.STREAM_ENDED)
        if new.play.phase is PlayPhase.GRACE and old.play.phase is not PlayPhase.GRACE:
            self.show_progress()
        if new.credits is not old.credits and new.credits is not None:
            self.tasks.spawn(self._load_history())  # a session's cost or a top-up landed
        if new.play.phase.is_running != old.play.phase.is_running:
            self._hold_shutdown(new.play.phase.is_running)
        self._render_soon()

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
            self.render()
            self.show_error(error_title(error), error_text(error))
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
            self.show_error(error_title(error), error_text(error))
        finally:
            self.loading = False
            self._render_soon()
        log.info("ready (%s)", "signed in" if core.store.state.signed_in else "signed out")
        if self.wake is not None:
            self.tasks.spawn(self.wake.start())

    def request_quit(self, code: int = 0) -> None:
        self.exit_code = code
        self._quit.set()

    async def _close(self) -> None:
        """The one way out: end the Play, release logind, close every service."""
        self._closing = True
        self._live.stop()
        self._slow.stop()
        self._tray_timer.stop()
        for window in (
            self.status_window,
            self.progress_window,
            self.history_window,
            self.settings_dialog,
            self.sign_in_dialog,
            *self.notice_windows,
        ):
            if window is not None:
                window.hide()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()  # an open question is answered "no": nothing more is stopped
        if self.core is not None:
            await self._end_play(self.core, self._exit_deadline_s, stop_attached=self.auto_confirm)
        if self.inhibitor is not None:
            await self.inhibitor.aclose()  # only now: the stop and the restore are done
        self.tray.icon.hide()
        for unsubscribe in self.unsubscribe:
            unsubscribe()
        if self.core is not None:
            await self.core.aclose()
        if self._deliveries:  # what the clean-up said must reach the user before the bus closes
            await asyncio.wait(set(self._deliveries), timeout=NOTICE_FLUSH_S)
        for closer in (self.desktop, self.wake):
            if closer is not None:
                await closer.aclose()
        await self.tasks.cancel_all()

    async def _end_play(self, core: Core, deadline_s: float, *, stop_attached: bool) -> None:
        """Core.shutdown: a Play's clean-up stops what it started and restores Tailscale.

        A session this app did not start (or that the user chose to keep) keeps
        running unless `stop_attached`; the user is told it still bills.
        """
        in_play = core.playing
        await core.shutdown(deadline_s=deadline_s, stop_attached=stop_attached)
        if core.playing:
            log.warning("the Play's clean-up did not finish within %.0f s", deadline_s)
        kept = session_active(core.store.state) and not stop_attached
        if kept and not in_play and not self._kept_by_choice:
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
        if self._closing:
            log.info("%s while already closing", why)
            return
        log.info("%s: quitting without questions (within %.0f s)", why, deadline_s)
        self._exit_deadline_s = deadline_s
        self.request_quit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Quit and watched is self.app:
            # Qt would end the loop at once; run() ends it once the clean-up is done.
            self.shutdown_now("Qt asked to quit")
            return True
        return False

    def _qt_quitting(self) -> None:
        """Qt's loop ended under us (QApplication.exit()); app.run() runs it again."""
        self.shutdown_now("Qt's event loop ended")

    def _session_ending(self, manager: QSessionManager | None) -> None:
        """The desktop session ends: the same shutdown, before the display goes away.

        The session manager waits until this returns, so a Play's clean-up (the
        stop, the Tailscale restore) runs here in a nested loop, as Qt's own
        commit-data dialogs do, for at most SESSION_END_HOLD_S.
        """
        core = self.core
        self.shutdown_now("the desktop session ends")
        if core is None or not core.playing:
            return
        hold = QEventLoop()
        check = QTimer()
        check.setInterval(50)
        check.timeout.connect(lambda: None if core.playing else hold.quit())
        check.start()
        QTimer.singleShot(int(SESSION_END_HOLD_S * 1000), hold.quit)
        hold.exec()
        check.stop()

    def _hold_shutdown(self, wanted: bool) -> None:
        """Hold a logind delay inhibitor exactly while a Play of ours runs."""
        inhibitor = self.inhibitor
        if inhibitor is None or self._closing or inhibitor.wanted == wanted:
            return
        inhibitor.wanted = wanted  # at once: a change right after this one is not skipped
        self.tasks.spawn(inhibitor.want(wanted))

    def _preparing(self, what: str) -> None:
        """logind: the computer is about to shut down or sleep (we may be holding it)."""
        core = self.core
        if core is None or not core.playing:
            return
        delay = self.inhibitor.delay_s if self.inhibitor is not None else EXIT_DEADLINE_S
        deadline = max(delay - SHUTDOWN_MARGIN_S, 1.0)
        if what == "shutdown":
            self.shutdown_now("the computer shuts down", deadline)
            return
        # Sleep: the stream cannot survive it and nothing watches the bill while the
        # computer sleeps, so the Play ends as on quit; the tray stays.
        self.say(
            tr("Your computer is going to sleep"),
            tr(
                "Pawpado ended the Play so that your gaming PC does not bill while this "
                "computer sleeps."
            ),
        )
        self.tasks.spawn(self._sleep(core, deadline))

    async def _sleep(self, core: Core, deadline_s: float) -> None:
        await self._end_play(core, deadline_s, stop_attached=False)
        if self.inhibitor is not None:
            await self.inhibitor.want(False)  # let the computer sleep now

    def _deliver(self, work: Awaitable[None]) -> object:
        task = self.tasks.spawn(work)
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)
        return task

    # -- the tray -------------------------------------------------------------

    def _check_tray(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray_timer.stop()
            self.tray.icon.show()
            if self.no_tray and self.status_window is not None:
                self.status_window.quit_on_close = False
            self.no_tray = False
            return
        if not self._tray_timer.isActive():
            self._tray_timer.start()
        self._tray_waited_ms += self._tray_timer.interval()
        if not self.no_tray and self._tray_waited_ms >= self.options.tray_wait_s * 1000:
            log.warning("no system tray after %.0f s; showing a window", self.options.tray_wait_s)
            self.no_tray = True
            self._tray_timer.setInterval(10_000)  # keep looking, rarely
            window = self.show_status_window()
            window.quit_on_close = True

    def _tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_status_window()

    def _menu_opened(self) -> None:
        self._menu_showed_error = self.status() is TrayStatus.ERROR

    def _menu_closed(self) -> None:
        if self._menu_showed_error:  # the user has read it: back to the normal icon
            self.error_seen = True
            self._menu_showed_error = False
            self._render_soon()

    def bring_forward(self, message: str = "show") -> None:
        """A later launch spoke on the single-instance channel: `show`, or a CLI `play` /
        `stop` handed to us because this tray owns the Play."""
        log.info("another launch asked us to %s", message)
        if message == "play":
            self.perform(Act.PLAY)  # shows the progress of the Play under way
        elif message == "stop" and self.core is not None:
            self.perform(Act.STOP_SESSION)  # the Play notices the stop and leaves the tailnet
        else:
            self.show_status_window()

    # -- windows --------------------------------------------------------------

    def show_status_window(self) -> StatusWindow:
        if self.status_window is None:
            from pawpado_desktop.ui.windows.status import StatusWindow

            self.status_window = StatusWindow(demo=self.demo)
            self.status_window.chosen.connect(self.on_entry)
            self.status_window.close_requested.connect(lambda: self.perform(Act.QUIT))
        window = self.status_window
        window.show_entries(self.entries())
        _present(window)
        if self.status() is TrayStatus.ERROR:
            self.error_seen = True
        self.render()
        return window

    async def show_history(self) -> HistoryWindow:
        """The History window, filled from the local session history."""
        if self.history_window is None:
            from pawpado_desktop.ui.windows.history import HistoryWindow

            self.history_window = HistoryWindow(demo=self.demo)
        window = self.history_window
        history = await self._load_history()
        if history is not None:
            window.show_history(history, self.month_spent or "", self.fmt)
        _present(window)
        return window

    async def _load_history(self) -> History | None:
        """Read the history and update this month's total (in the menu)."""
        core = self.core
        if core is None:
            return None
        from pawpado_desktop.core.history import month_spent

        today = core.clock.now().astimezone().date()
        history = await core.history_report(max(HISTORY_DAYS, today.day))
        if history is None:
            return None
        currency = history.currency or (self.state.credits.currency if self.state.credits else "")
        spent = month_spent(history, today)
        # Only a figure that was observed: no "Rp 0" before any session's cost is known.
        self.month_spent = self.fmt.money(spent, currency) if currency and spent > 0 else None
        self._render_soon()
        return history

    def show_progress(self) -> ProgressWindow:
        if self.progress_window is None:
            from pawpado_desktop.ui.windows.progress import ProgressWindow

            self.progress_window = ProgressWindow(demo=self.demo)
            self.progress_window.act.connect(self.on_entry)
        _present(self.progress_window)
        self.render()
        return self.progress_window

    def _show_notice_window(self, notice: Notice, actions: tuple[tuple[Act, str], ...]) -> None:
        from pawpado_desktop.ui.windows.notice import NoticeWindow

        window = NoticeWindow(
            demo=self.demo, title=tr(notice.title), body=tr(notice.message), actions=actions
        )
        window.act.connect(self.perform)
        window.destroyed.connect(lambda: self._forget_notice_window(window))
        self.notice_windows.append(window)
        _present(window)

    def _forget_notice_window(self, window: QWidget) -> None:
        with contextlib.suppress(ValueError):
            self.notice_windows.remove(window)

    def show_error(self, title: str, message: str) -> None:
        """A message box that does not block the loop; one at a time."""
        box = self._error_box
        if box is None:
            box = QMessageBox(QMessageBox.Icon.Warning, "", "")
            box.setObjectName("pawpado-error")
            box.setWindowModality(Qt.WindowModality.NonModal)
            self._error_box = box
        box.setWindowTitle(window_title(title, self.demo))
        box.setText(title)
        box.setInformativeText(message)
        plain_text(box)  # the message may quote a server: never rich text, never a link
        box.show()
        box.raise_()

    def say(self, title: str, message: str, kind: NoticeKind = NoticeKind.WARNING) -> None:
        """A notice of the tray's own (not the core's), through the same channels."""
        self.notifier.post(Notice(kind, title, message))

    async def confirm(self, question: str) -> bool:
        if self.auto_confirm:
            return True
        box = QMessageBox(
            QMessageBox.Icon.Question, window_title(tr("Confirm"), self.demo), tr(question)
        )
        plain_text(box)
        yes = box.addButton(tr("Yes, stop it"), QMessageBox.ButtonRole.YesRole)
        box.addButton(tr("No, keep it running"), QMessageBox.ButtonRole.NoRole)
        await finished(box)
        return box.clickedButton() is yes

    # -- actions --------------------------------------------------------------

    def on_entry(self, entry: Entry) -> None:
        if entry.act is not None:
            self.perform(entry.act, entry.amount)

    def perform(self, act: Act, amount: Decimal | None = None) -> None:
        """Carry out a menu entry, a window button or a notification action."""
        log.info("action: %s", act.value)
        core = self.core
        simple: dict[Act, Callable[[], object]] = {
            Act.PROGRESS: self.show_progress,
            Act.SHOW_WINDOW: self.show_status_window,
            Act.OPEN_LOGS: lambda: self.options.open_path(log_dir()),
            Act.COPY_DEBUG: self.copy_debug_info,
            Act.DEBUG_BUNDLE: lambda: self.tasks.spawn(self._reporting(self.save_debug_bundle())),
        }
        if act in simple:
            simple[act]()
            return
        if act is Act.QUIT:
            self.tasks.spawn(self.quit())
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
            self._render_soon()
            return
        work: dict[Act, Callable[[], Awaitable[object]]] = {
            Act.SIGN_IN: self.sign_in,
            Act.PLAY: self.play,
            Act.ATTACH: self.play,
            Act.STOP_SESSION: self.stop_session,
            Act.TOPUP: lambda: self.topup(amount),
            Act.TOPUP_CUSTOM: self.topup_custom,
            Act.TOPUP_PLAY: self.topup_and_play,
            Act.SETTINGS: self.open_settings,
            Act.SIGN_OUT: self.sign_out,
            Act.HISTORY: self.show_history,
            Act.DELETE_ACCOUNT: self.delete_account,
        }
        self.tasks.spawn(self._reporting(work[act]()))

    async def _reporting(self, work: Awaitable[object]) -> None:
        """Run an action; a PawpadoError becomes a notification, not a crash."""
        try:
            await work
        except CancelledByUser:
            pass
        except PawpadoError as error:
            self.say(error_title(error), error_text(error), NoticeKind.ERROR)

    async def play(self) -> None:
        core = self._core()
        if core.playing:
            self.show_progress()
            return
        self.show_progress()
        from pawpado_desktop.core.play import PlayOptions  # off the path to the icon

        task = asyncio.ensure_future(core.play(PlayOptions()))
        self._play_task = task
        self._render_soon()
        try:
            await task
        except (PawpadoError, asyncio.CancelledError):
            pass  # the core already posted what went wrong; the window shows it
        finally:
            self._render_soon()

    async def stop_session(self) -> None:
        await self._core().stop_session()

    async def topup(self, amount: Decimal | None) -> None:
        if amount is None:
            return
        core = self._core()
        checkout = await core.topup(amount, open_browser=False)
        await self._show_checkout(checkout, amount)

    async def _show_checkout(self, checkout: TopupCheckout, amount: Decimal) -> None:
        core = self._core()
        page = browser_url(checkout.checkout_url, what="checkout page")  # the host to show
        credits = core.store.state.credits
        money = self.fmt.money(amount, credits.currency if credits else "IDR")
        self.say(
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

    async def topup_and_play(self) -> None:
        """Top up the offered amount; the Play starts by itself once it is credited."""
        core = self._core()
        credits = self.state.credits
        amount = self.state.topup_offer or (amount_to_play(credits) if credits else None)
        if amount is None or core.playing:
            return

        async def show(checkout: TopupCheckout) -> None:
            await self._show_checkout(checkout, amount)

        from pawpado_desktop.core.play import PlayOptions  # off the path to the icon

        try:
            await core.topup_and_play(amount, PlayOptions(), show=show)
        except TopupNotCompleted:
            pass  # the core's notice said how the checkout ended
        except PawpadoError as error:
            if error is not core.store.state.last_error:
                raise  # the top-up itself failed: _reporting says it
            # else the Play's failure, which the core already posted
        finally:
            self._render_soon()

    async def topup_custom(self) -> None:
        from pawpado_desktop.ui.windows.topup import TopupDialog

        dialog = TopupDialog(demo=self.demo, credits=self.state.credits, fmt=self.fmt)
        if await finished(dialog) == QDialog.DialogCode.Accepted:
            await self.topup(dialog.amount())

    async def sign_in(self) -> None:
        if self.sign_in_dialog is not None and self.sign_in_dialog.isVisible():
            _present(self.sign_in_dialog)
            return
        from pawpado_desktop.ui.windows.sign_in import SignInDialog

        core = self._core()
        dialog = SignInDialog(demo=self.demo, now=core.clock.now)
        self.sign_in_dialog = dialog
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
            lambda: self.tasks.spawn(self._reporting(core.open_in_browser(page.url)))
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

    async def sign_out(self) -> None:
        core = self._core()
        if session_active(core.store.state) and not await self.confirm(
            tr("Your gaming PC is still running and billing. Stop it before signing out?")
        ):
            return
        await core.sign_out(stop=True)  # stops it first; keeps the sign-in if it cannot

    async def delete_account(self) -> None:
        from pawpado_desktop.ui.windows.account import DeleteAccountDialog

        core = self._core()
        identity = core.store.state.identity
        if identity is None:
            return
        dialog = DeleteAccountDialog(demo=self.demo, email=identity.email)
        if await finished(dialog) != QDialog.DialogCode.Accepted:
            return
        deletion = await core.delete_account()  # signed out afterwards, a running PC stopped
        when = self.fmt.date(deletion.delete_at)
        self.say(
            tr("Account deletion scheduled"),
            tr("Your account will be deleted on {date}. You have been signed out.", date=when),
            NoticeKind.ERROR,  # important: shown even at the "important only" level
        )

    async def open_settings(self) -> None:
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            _present(self.settings_dialog)
            return
        from pawpado_desktop.ui.windows.settings import SettingsDialog

        core = self._core()
        dialog = SettingsDialog(demo=self.demo, local=core.local_settings)
        self.settings_dialog = dialog
        dialog.save.connect(lambda: self.tasks.spawn(self.save_settings(dialog)))
        _present(dialog)
        view = await core.settings()
        if view.server is None:
            dialog.server_unavailable(text_of(view.server_problem))
        else:
            dialog.show_server(view.server)

    async def save_settings(self, dialog: SettingsDialog) -> bool:
        from pawpado_desktop.core.settings import SettingsInvalid, SettingsUpdate

        core = self._core()
        dialog.clear_errors()
        update = SettingsUpdate(local=dialog.local_changes(), server=dialog.server_changes())
        try:
            view = await core.update_settings(update)
        except SettingsInvalid as error:
            for problem in error.errors:  # each next to its field; unnamed ones below the tabs
                dialog.field_error(problem.key or None, text_of(problem.text))
            return False
        except PawpadoError as error:  # e.g. a full disk: the old file is still whole
            dialog.field_error(None, error_text(error))
            return False
        if view.server is not None:
            dialog.show_saved(view.server)
        self.set_language(view.local.language)
        dialog.close()
        self._render_soon()
        return True

    def _debug_info(self) -> str:
        from pawpado_desktop.diagnostics import debug_info

        now, _ = self._now()
        extra = {
            "Tray": "none (window instead)" if self.no_tray else "system tray",
            "Notifications": self.notifier.channel,
            "Language": i18n.language(),
        }
        if self.core is not None:
            return self.core.debug_info(extra)
        return debug_info(self.state, now, extra)

    def copy_debug_info(self) -> str:
        text = self._debug_info()
        QGuiApplication.clipboard().setText(text)
        self.say(tr("Debug info copied"), tr("Paste it into your message to Pawpado support."))
        return text

    async def save_debug_bundle(self) -> Path:
        """Zip the redacted summary, logs and state files into Downloads, and show it."""
        from pawpado_desktop.diagnostics import write_bundle

        downloads = Path.home() / "Downloads"
        folder = downloads if downloads.is_dir() else Path.home()
        now, _ = self._now()
        try:
            if self.core is not None:
                path = await self.core.save_debug_bundle(
                    folder, summary=self._debug_info(), logs=log_dir()
                )
            else:  # the core could not start: the bundle is what support needs most
                path = await asyncio.to_thread(
                    write_bundle,
                    folder,
                    summary=self._debug_info(),
                    config=config_dir(),
                    logs=log_dir(),
                    now=now,
                )
        except OSError as exc:
            raise SaveFailed(
                "The debug bundle could not be saved in {folder} ({reason}). Free some "
                "disk space, or save it from a terminal: pawpado-desktop debug-bundle PATH",
                folder=str(folder),
                reason=exc.strerror or type(exc).__name__,
            ) from None
        self.say(
            tr("Debug bundle saved"),
            tr(
                "{name} is in {folder}. Attach it to your message to Pawpado support.",
                name=path.name,
                folder=str(folder),
            ),
        )
        self.options.open_path(folder)
        return path

    async def quit(self) -> None:
        if self._quitting:
            return
        core = self.core
        if core is None or not (core.playing or session_active(core.store.state)):
            self.request_quit()
            return
        from pawpado_desktop.ui.windows.quit_guard import QuitChoice, QuitGuardDialog

        phase = core.store.state.play.phase
        can_keep = not core.playing or phase is PlayPhase.GRACE
        credits = core.store.state.credits
        rate = self.fmt.money(credits.rate_per_minute, credits.currency) if credits else ""
        detail = (
            tr("It bills {rate} a minute until it is stopped.", rate=rate)
            if rate
            else tr("It bills until it is stopped.")
        )
        dialog = QuitGuardDialog(demo=self.demo, detail=detail, can_keep=can_keep)
        await finished(dialog)
        if dialog.choice is QuitChoice.CANCEL:
            return
        self._quitting = True
        try:
            if dialog.choice is QuitChoice.STOP:
                await self._stop_everything(core)
            else:
                self._kept_by_choice = True
                if core.playing:
                    core.keep_running()
                    if self._play_task is not None:
                        with contextlib.suppress(BaseException):
                            await self._play_task
        finally:
            self._quitting = False
        self.request_quit()

    async def _stop_everything(self, core: Core) -> None:
        self.auto_confirm = True  # an attached session is stopped too: the user said so
        await self._end_play(core, QUIT_STOP_DEADLINE_S, stop_attached=True)
        if session_active(core.store.state):
            await core.stop_session()
        with contextlib.suppress(PawpadoError):
            await core.wait_session(lambda s: s.state.can_start, QUIT_STOP_DEADLINE_S)

    # -- notifications and wake-ups -------------------------------------------

    def _notification_level(self) -> str:
        return self.core.local_settings.notification_level if self.core else "all"

    def _notification_action(self, nid: int, key: str) -> None:
        self.notifier.action_invoked(nid, key)

    def _notification_closed(self, nid: int) -> None:
        self.notifier.closed(nid)

    def _woke(self) -> None:
        if self.core is not None:
            self.core.refresh_soon()
        self._hold_shutdown(self.state.play.phase.is_running)  # released for the sleep

    def _core(self) -> Core:
        if self.core is None:
            raise PawpadoError("Pawpado is still starting. Try again in a moment.")
        return self.core


def _present(window: QWidget) -> None:
    window.show()
    window.raise_()
    window.activateWindow()


def _run_while(timer: QTimer, wanted: bool) -> None:
    if wanted and not timer.isActive():
        timer.start()
    elif not wanted and timer.isActive():
        timer.stop()
