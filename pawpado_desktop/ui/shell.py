"""The tray app's controller: renders the core's state and turns clicks into core calls.

It owns the tray icon, the menu, the windows and the notifier. It never decides
anything about sessions or money; every action is one call on the core.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QMessageBox, QSystemTrayIcon, QWidget

from pawpado_desktop.api.models import SessionState
from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.config import LocalSettings, log_dir
from pawpado_desktop.core.notices import Notice, NoticeKind
from pawpado_desktop.core.play import Confirm, PlayOptions
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.errors import CancelledByUser, PawpadoError
from pawpado_desktop.safe_url import browser_url
from pawpado_desktop.ui import i18n
from pawpado_desktop.ui.excepthook import install as install_excepthook
from pawpado_desktop.ui.i18n import tr
from pawpado_desktop.ui.icons import TrayIcons, app_icon, current_form
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
    from pawpado_desktop.core.service import Core
    from pawpado_desktop.ui.windows.progress import ProgressWindow
    from pawpado_desktop.ui.windows.settings import SettingsDialog
    from pawpado_desktop.ui.windows.sign_in import SignInDialog
    from pawpado_desktop.ui.windows.status import StatusWindow

log = logging.getLogger(__name__)

CoreFactory = Callable[[Confirm], Awaitable["Core"]]
QUIT_STOP_DEADLINE_S = 5 * 60.0
TOOLTIP_REFRESH_MS = 15_000


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
        self._quit: asyncio.Event | None = None
        self._quitting = False
        self._play_task: asyncio.Task[Any] | None = None
        self._render_pending = False
        self._menu_showed_error = False
        self._error_box: QMessageBox | None = None
        self.status_window: StatusWindow | None = None
        self.progress_window: ProgressWindow | None = None
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
            spawn=self.tasks.spawn,
            perform=self.perform,
            level=self._notification_level,
            tray=self.tray.icon,
            desktop=self.desktop,
            show_window=self._show_notice_window,
            icon=app_icon(),
        )
        self.wake = WakeWatcher(self._woke, bus=options.system_bus) if options.system_bus else None
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
                info("problem", f"{tr(self.startup_error.title)}: {self.startup_error.message}"),
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
        )

    def tooltip_text(self) -> str:
        now, mono = self._now()
        text = tooltip(
            self.state, now, mono, self.fmt, error_seen=self.error_seen, loading=self.loading
        )
        if self.startup_error is not None:
            text += "\n" + tr(self.startup_error.title)
        return text

    def _render_soon(self) -> None:
        if not self._render_pending:
            self._render_pending = True
            QTimer.singleShot(0, self.render)

    def render(self) -> None:
        self._render_pending = False
        state = self.state
        self.tray.render(self.status(), badge(state), self.tooltip_text())
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
        self._render_soon()

    # -- start and stop -------------------------------------------------------

    async def run(self) -> int:
        """Start the core, run until Quit, then close everything."""
        self._quit = asyncio.Event()
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
            self.show_error(tr(error.title), error.message)
            return
        self.core = core
        self.set_language(core.services.local.language)
        self.unsubscribe = [
            core.store.subscribe(self._on_state),
            core.notices.subscribe(self.notifier.post),
        ]
        try:
            await core.start()
        except PawpadoError as error:
            self.show_error(tr(error.title), error.message)
        finally:
            self.loading = False
            self._render_soon()
        log.info("ready (%s)", "signed in" if core.store.state.signed_in else "signed out")
        if self.wake is not None:
            self.tasks.spawn(self.wake.start())

    def request_quit(self, code: int = 0) -> None:
        self.exit_code = code
        if self._quit is not None:
            self._quit.set()

    async def _close(self) -> None:
        self._live.stop()
        self._slow.stop()
        self._tray_timer.stop()
        self.tray.icon.hide()
        for window in (
            self.status_window,
            self.progress_window,
            self.settings_dialog,
            self.sign_in_dialog,
            *self.notice_windows,
        ):
            if window is not None:
                window.hide()
        if self.core is not None and self.core.playing:
            self.core.cancel_play()  # stops what this Play started (the money rule)
            if self._play_task is not None:
                with contextlib.suppress(BaseException):
                    await self._play_task
        for unsubscribe in self.unsubscribe:
            unsubscribe()
        if self.core is not None:
            await self.core.aclose()
        for closer in (self.desktop, self.wake):
            if closer is not None:
                await closer.aclose()
        await self.tasks.cancel_all()

    def shutdown_now(self) -> None:
        """SIGTERM or Ctrl-C: no questions; a Play we started is still stopped on the way."""
        self.auto_confirm = True
        self.request_quit()

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
        log.info("another launch asked us to %s", message)
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
            Act.SETTINGS: self.open_settings,
            Act.SIGN_OUT: self.sign_out,
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
            self.say(tr(error.title), error.message, NoticeKind.ERROR)

    async def play(self) -> None:
        core = self._core()
        if core.playing:
            self.show_progress()
            return
        self.show_progress()
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
        await core.services.open_url(page.url)
        log.info("checkout %s opened", checkout.checkout_id)

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
            flow = await core.sign_in()
        except PawpadoError as error:
            dialog.fail(error.message)
            await result
            return
        page = browser_url(flow.browser_uri, what="sign-in page")  # on the issuer's site
        dialog.show_code(flow.user_code, page.url, page.host, flow.expires_at)
        dialog.open_browser.connect(
            lambda: self.tasks.spawn(self._reporting(core.services.open_url(page.url)))
        )
        dialog.rejected.connect(flow.cancel)
        try:
            await flow.wait()
        except CancelledByUser:
            return
        except PawpadoError as error:
            dialog.fail(error.message)
            return
        await core.signed_in()
        identity = core.store.state.identity
        dialog.succeed(identity.name or identity.email if identity else tr("you"))

    async def sign_out(self) -> None:
        core = self._core()
        if session_active(core.store.state) and not await self.confirm(
            tr("Your gaming PC is still running and billing. Stop it before signing out?")
        ):
            return
        if session_active(core.store.state):
            await core.stop_session()
        await core.sign_out()

    async def delete_account(self) -> None:
        from pawpado_desktop.ui.windows.account import DeleteAccountDialog

        core = self._core()
        identity = core.store.state.identity
        if identity is None:
            return
        dialog = DeleteAccountDialog(demo=self.demo, email=identity.email)
        if await finished(dialog) != QDialog.DialogCode.Accepted:
            return
        deletion = await core.client.delete_account()
        await core.sign_out()
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
        dialog = SettingsDialog(demo=self.demo, local=core.services.local)
        self.settings_dialog = dialog
        dialog.save.connect(lambda: self.tasks.spawn(self.save_settings(dialog)))
        _present(dialog)
        if not core.store.state.signed_in:
            dialog.server_unavailable(tr("Sign in to change your account's settings."))
            return
        try:
            dialog.show_server(await core.client.settings())
        except PawpadoError as error:
            dialog.server_unavailable(error.message)

    async def save_settings(self, dialog: SettingsDialog) -> bool:
        from pawpado_desktop import autostart
        from pawpado_desktop.api.errors import ValidationFailed

        core = self._core()
        dialog.clear_errors()
        local = dialog.local_settings()
        if local is None:
            return False
        changes = dialog.server_changes()
        if changes:
            try:
                dialog.show_saved(await core.client.update_settings(changes))  # type: ignore[arg-type]
            except ValidationFailed as error:
                said = error.server_message or error.message
                if error.field:  # "bitrateKbps: too high" is shown next to Bitrate
                    said = said.split(":", 1)[1].strip() or said
                dialog.field_error(error.field, said)
                return False
            except PawpadoError as error:
                dialog.field_error(None, error.message)
                return False
            with contextlib.suppress(PawpadoError):
                await core.refresh_settings()
        if local.launch_at_login != core.services.local.launch_at_login:
            try:  # set, then read back: an entry that silently did nothing is an error
                await asyncio.to_thread(autostart.set_enabled, local.launch_at_login)
            except PawpadoError as error:
                dialog.field_error("launch_at_login", error.message)
                return False
        target = core.services.local  # the core's own object: Moonlight reads it at each Play
        for item in fields(LocalSettings):
            setattr(target, item.name, getattr(local, item.name))
        try:
            await asyncio.to_thread(target.save)
        except PawpadoError as error:  # e.g. a full disk: the old file is still whole
            dialog.field_error(None, error.message)
            return False
        self.set_language(target.language)
        dialog.close()
        self._render_soon()
        return True

    def copy_debug_info(self) -> str:
        from pawpado_desktop.ui.debug_info import debug_info

        now, _ = self._now()
        extra = {
            "Tray": "none (window instead)" if self.no_tray else "system tray",
            "Notifications": self.notifier.channel,
            "Language": i18n.language(),
        }
        text = debug_info(self.state, now, extra)
        QGuiApplication.clipboard().setText(text)
        self.say(tr("Debug info copied"), tr("Paste it into your message to Pawpado support."))
        return text

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
            elif core.playing:
                core.keep_running()
                if self._play_task is not None:
                    with contextlib.suppress(BaseException):
                        await self._play_task
        finally:
            self._quitting = False
        self.request_quit()

    async def _stop_everything(self, core: Core) -> None:
        self.auto_confirm = True  # an attached session is stopped too: the user said so
        if core.playing:
            core.cancel_play()
            if self._play_task is not None:
                with contextlib.suppress(BaseException):
                    await self._play_task
        if session_active(core.store.state):
            await core.stop_session()
        with contextlib.suppress(PawpadoError):
            await core.wait_session(lambda s: s.state.can_start, QUIT_STOP_DEADLINE_S)

    # -- notifications and wake-ups -------------------------------------------

    def _notification_level(self) -> str:
        return self.core.services.local.notification_level if self.core else "all"

    def _notification_action(self, nid: int, key: str) -> None:
        self.notifier.action_invoked(nid, key)

    def _notification_closed(self, nid: int) -> None:
        self.notifier.closed(nid)

    def _woke(self) -> None:
        if self.core is not None:
            self.core.poller.poke()

    def _core(self) -> Core:
        if self.core is None:
            raise PawpadoError(tr("Pawpado is still starting. Try again in a moment."))
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
