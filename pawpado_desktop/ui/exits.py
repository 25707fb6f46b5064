"""Qt's and the desktop's ways of ending the tray, each turned into the tray's own
shutdown (`TrayApp.shutdown_now`), so that the Play's clean-up runs first.

- Qt's Quit event (a macOS Quit, the end of the session) is caught by an event
  filter on the application, so Qt neither ends the loop nor closes windows first;
- `aboutToQuit`: Qt's loop ended anyway (`app.run_until_closed` runs it again
  until the clean-up is done);
- `commitDataRequest`: the desktop session ends; the slot holds the session
  manager until the Play's clean-up is done, at most SESSION_END_HOLD_S.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtGui import QSessionManager

if TYPE_CHECKING:
    from pawpado_desktop.ui.shell import TrayApp

SESSION_END_HOLD_S = 20.0  # how long the end of the desktop session waits for the clean-up


class QtExits(QObject):
    def __init__(self, shell: TrayApp) -> None:
        super().__init__(shell)
        self.shell = shell
        shell.app.installEventFilter(self)
        shell.app.aboutToQuit.connect(self.qt_quitting)
        shell.app.commitDataRequest.connect(self.session_ending)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Quit and watched is self.shell.app:
            # Qt would end the loop at once; run() ends it once the clean-up is done.
            self.shell.shutdown_now("Qt asked to quit")
            return True
        return False

    def qt_quitting(self) -> None:
        """Qt's loop ended under us (QApplication.exit()); app.run() runs it again."""
        self.shell.shutdown_now("Qt's event loop ended")

    def session_ending(self, manager: QSessionManager | None) -> None:
        """The desktop session ends: the same shutdown, before the display goes away.

        The session manager waits until this returns, so a Play's clean-up (the
        stop, the Tailscale restore) runs here in a nested loop, as Qt's own
        commit-data dialogs do, for at most SESSION_END_HOLD_S.
        """
        core = self.shell.core
        self.shell.shutdown_now("the desktop session ends")
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
