"""The tray's windows: each made the first time it is needed, with its module
imported only then (none of them is on the path to the icon), brought to the
front when asked for again, and all hidden together on the way out. Also the
error box (one at a time, never blocking the loop) and the yes/no question.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from pawpado_desktop.core.facts import Question
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.menu import Act, Entry
from pawpado_desktop.present.notices import notice_text, notice_title
from pawpado_desktop.present.progress import question_text
from pawpado_desktop.ui.windows.common import finished, plain_text, window_title

if TYPE_CHECKING:
    from pawpado_desktop.config import LocalSettings
    from pawpado_desktop.core.notices import Notice
    from pawpado_desktop.core.state import AppState
    from pawpado_desktop.core.types import Credits
    from pawpado_desktop.ui.windows.account import DeleteAccountDialog
    from pawpado_desktop.ui.windows.history import HistoryWindow
    from pawpado_desktop.ui.windows.progress import ProgressWindow
    from pawpado_desktop.ui.windows.quit_guard import QuitGuardDialog
    from pawpado_desktop.ui.windows.settings import SettingsDialog
    from pawpado_desktop.ui.windows.sign_in import SignInDialog
    from pawpado_desktop.ui.windows.status import StatusWindow
    from pawpado_desktop.ui.windows.topup import TopupDialog


def present(window: QWidget) -> None:
    window.show()
    window.raise_()
    window.activateWindow()


def bring_back(window: QWidget | None) -> bool:
    """Bring `window` to the front if it is open; False when it is not."""
    if window is not None and window.isVisible():
        present(window)
        return True
    return False


class WindowManager:
    def __init__(
        self,
        *,
        demo: bool,
        entries: Callable[[], list[Entry]],
        on_entry: Callable[[Entry], None],
        perform: Callable[[Act], None],
    ) -> None:
        self.demo = demo
        self._entries = entries
        self._on_entry = on_entry
        self._perform = perform
        self.status: StatusWindow | None = None
        self.progress: ProgressWindow | None = None
        self.history: HistoryWindow | None = None
        self.settings: SettingsDialog | None = None
        self.sign_in: SignInDialog | None = None
        self.notices: list[QWidget] = []
        self.error_box: QMessageBox | None = None

    # -- the windows that follow the state --------------------------------------

    def show_status(self) -> StatusWindow:
        if self.status is None:
            from pawpado_desktop.ui.windows.status import StatusWindow

            self.status = StatusWindow(demo=self.demo)
            self.status.chosen.connect(self._on_entry)
            self.status.close_requested.connect(lambda: self._perform(Act.QUIT))
        window = self.status
        window.show_entries(self._entries())
        present(window)
        return window

    def show_progress(self) -> ProgressWindow:
        if self.progress is None:
            from pawpado_desktop.ui.windows.progress import ProgressWindow

            self.progress = ProgressWindow(demo=self.demo)
            self.progress.act.connect(self._on_entry)
        present(self.progress)
        return self.progress

    def refresh(
        self, state: AppState, now: datetime, mono: float, *, playing: bool
    ) -> bool:
        """Redraw the open windows that show the state; True while one of them shows."""
        if self.status is not None and self.status.isVisible():
            self.status.show_entries(self._entries())
        if self.progress is not None and self.progress.isVisible():
            self.progress.show_state(state, now, mono, playing=playing)
        return any(w is not None and w.isVisible() for w in (self.status, self.progress))

    def history_window(self) -> HistoryWindow:
        if self.history is None:
            from pawpado_desktop.ui.windows.history import HistoryWindow

            self.history = HistoryWindow(demo=self.demo)
        return self.history

    # -- dialogs ------------------------------------------------------------------

    def new_sign_in(self, now: Callable[[], datetime]) -> SignInDialog:
        from pawpado_desktop.ui.windows.sign_in import SignInDialog

        self.sign_in = SignInDialog(demo=self.demo, now=now)
        return self.sign_in

    def new_settings(self, local: LocalSettings) -> SettingsDialog:
        from pawpado_desktop.ui.windows.settings import SettingsDialog

        self.settings = SettingsDialog(demo=self.demo, local=local)
        return self.settings

    def topup(self, credits: Credits | None) -> TopupDialog:
        from pawpado_desktop.ui.windows.topup import TopupDialog

        return TopupDialog(demo=self.demo, credits=credits)

    def delete_account(self, email: str) -> DeleteAccountDialog:
        from pawpado_desktop.ui.windows.account import DeleteAccountDialog

        return DeleteAccountDialog(demo=self.demo, email=email)

    def quit_guard(self, detail: str, *, can_keep: bool) -> QuitGuardDialog:
        from pawpado_desktop.ui.windows.quit_guard import QuitGuardDialog

        return QuitGuardDialog(demo=self.demo, detail=detail, can_keep=can_keep)

    # -- notices, errors and questions ------------------------------------------------

    def show_notice(self, notice: Notice, actions: tuple[tuple[Act, str], ...]) -> None:
        from pawpado_desktop.ui.windows.notice import NoticeWindow

        window = NoticeWindow(
            demo=self.demo, title=notice_title(notice), body=notice_text(notice), actions=actions
        )
        window.act.connect(self._perform)
        window.destroyed.connect(lambda: self._forget_notice(window))
        self.notices.append(window)
        present(window)

    def _forget_notice(self, window: QWidget) -> None:
        with contextlib.suppress(ValueError):
            self.notices.remove(window)

    def show_error(self, title: str, message: str) -> None:
        """A message box that does not block the loop; one at a time."""
        box = self.error_box
        if box is None:
            box = QMessageBox(QMessageBox.Icon.Warning, "", "")
            box.setObjectName("pawpado-error")
            box.setWindowModality(Qt.WindowModality.NonModal)
            self.error_box = box
        box.setWindowTitle(window_title(title, self.demo))
        box.setText(title)
        box.setInformativeText(message)
        plain_text(box)  # the message may quote a server: never rich text, never a link
        box.show()
        box.raise_()

    async def ask_stop(self, question: str | Question) -> bool:
        """Stop the gaming PC? Yes or no, without blocking the loop."""
        text = question_text(question) if isinstance(question, Question) else tr(question)
        box = QMessageBox(QMessageBox.Icon.Question, window_title(tr("Confirm"), self.demo), text)
        plain_text(box)
        yes = box.addButton(tr("Yes, stop it"), QMessageBox.ButtonRole.YesRole)
        box.addButton(tr("No, keep it running"), QMessageBox.ButtonRole.NoRole)
        await finished(box)
        return box.clickedButton() is yes

    def hide_all(self) -> None:
        """On the way out: every window hidden, every open question answered "no"."""
        for window in (self.status, self.progress, self.history, self.settings, self.sign_in):
            if window is not None:
                window.hide()
        for notice in self.notices:
            notice.hide()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()  # an open question is answered "no": nothing more is stopped
