"""The UI rig: a real TrayApp on a qasync loop, offscreen, driven by a test.

pytest-qt has no asyncio support, so UI tests are plain functions that spin a
qasync loop themselves: `run_on(loop, coro)`, `UiRig.run`, `UiRig.until`. The
fixtures that build a `UiRig` are in tests/ui/conftest.py.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import qasync
import shiboken6
from PySide6 import QtCore
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.core.service import Core
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.present.menu import Act
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.ui.shell import TrayApp
from tests.support.dbus_fakes import FakeNotificationDaemon
from tests.support.moonlight import FakeMoonlightInstall
from tests.support.sim import start_elsewhere
from tests.support.waiting import wait_until

T = TypeVar("T")
PLAY_TIMEOUT = 90.0  # real seconds from Play to streaming before a test gives up


class HeldLoop(qasync.QEventLoop):  # type: ignore[misc]
    """An asyncio loop that is "running" while a test holds it, as in the app: whoever
    spins Qt's events (a test, pytest-qt between phases) runs asyncio's callbacks too.

    `release()` ends that without `stop()`, which calls QApplication.exit(): after it,
    every later exec() returns at once (Qt clears that only in QApplication.exec()).
    """

    def __init__(self, app: QApplication) -> None:
        self._held = True
        super().__init__(app, already_running=True)

    def is_running(self) -> bool:
        return self._held

    def release(self) -> None:
        """Not running any more: the loop can be closed."""
        self._held = False

    def close(self) -> None:
        """Close, and take the loop's Qt timer object with it now: qasync leaves the Qt
        timers of callbacks still scheduled at close registered, to fire into whatever
        test runs next, and pytest keeps this loop (a fixture value) to the session's end."""
        super().close()
        timer = self._timer
        if shiboken6.isValid(timer):
            shiboken6.delete(timer)  # kills its pending Qt timers, here on the GUI thread


def run_on(loop: qasync.QEventLoop, work: Awaitable[T], timeout: float = 30) -> T:
    """Spin Qt's event loop (and with it asyncio's) until `work` is done."""

    async def bounded() -> T:
        return await asyncio.wait_for(work, timeout)

    future = asyncio.ensure_future(bounded(), loop=loop)
    waiter = QtCore.QEventLoop()
    future.add_done_callback(lambda _done: waiter.quit())
    while not future.done():  # exec() also returns when something calls QApplication.exit()
        waiter.exec()
    return future.result()


@dataclass
class UiRig:
    app: TrayApp
    loop: qasync.QEventLoop
    sim: SimulatorServer
    clock: ScaledClock
    moonlight: FakeMoonlightInstall
    notifyd: FakeNotificationDaemon | None
    opened_urls: list[str] = field(default_factory=list)
    opened_paths: list[Path] = field(default_factory=list)
    task: asyncio.Task[int] | None = None

    @property
    def core(self) -> Core:
        assert self.app.core is not None
        return self.app.core

    @property
    def state(self) -> AppState:
        return self.app.state

    def run(self, work: Awaitable[T], timeout: float = 30) -> T:
        return run_on(self.loop, work, timeout)

    def start_elsewhere(self) -> None:
        """A session started from another device (the web portal): it bills whatever
        this computer sees."""
        start_elsewhere(self.sim)

    def until(self, predicate: Callable[[], object], timeout: float = 30, what: str = "") -> None:
        self.run(wait_until(predicate, timeout, what=what), timeout + 5)

    def until_streaming(self) -> None:
        """Wait for the Play to stream. A Play starts half a dozen Moonlight processes in
        real time, which a busy machine can stretch past half a minute: a longer bound."""
        self.run(
            wait_until(
                lambda: self.state.play.phase is PlayPhase.STREAMING,
                PLAY_TIMEOUT,
                what="the Play to stream",
                detail=lambda: (
                    f"{self.state.play}; last error {self.state.last_error!r}; "
                    f"Moonlight ran {self.moonlight.invocations()}"
                ),
            ),
            PLAY_TIMEOUT + 5,
        )

    def settle(self, seconds: float = 0.05) -> None:
        self.run(asyncio.sleep(seconds))

    # -- the menu, as a user opens it --------------------------------------------

    def open_menu(self) -> QMenu:
        menu = self.app.menu
        menu.popup(QPoint(20, 20))
        return menu

    def close_menu(self) -> None:
        self.app.menu.hide()

    def menu_items(self) -> list[tuple[str, bool]]:
        """(text without mnemonics, enabled) of every entry, submenus as 'Parent > Child'."""
        menu = self.open_menu()
        try:
            return list(_items(menu, ""))
        finally:
            self.close_menu()

    def menu_action(self, act: Act) -> QAction:
        menu = self.open_menu()
        found = _find(menu, f"act:{act}")
        assert found is not None, f"no {act} in the menu: {self.menu_texts_open(menu)}"
        return found

    @staticmethod
    def menu_texts_open(menu: QMenu) -> list[str]:
        return [text for text, _ in _items(menu, "")]

    def choose(self, act: Act) -> None:
        """Open the tray menu and click `act`."""
        item = self.menu_action(act)
        assert item.isEnabled(), f"{act} is disabled"
        item.trigger()
        self.close_menu()

    def sign_in(self) -> None:
        """Sign in through the device flow, approving on the simulator's side."""

        async def flow() -> None:
            started = await self.core.start_sign_in()
            assert self.sim.control.approve_device(started.user_code)
            await self.core.complete_sign_in(started)

        self.run(flow())


def _items(menu: QMenu, prefix: str) -> Iterator[tuple[str, bool]]:
    for item in menu.actions():
        if item.isSeparator():
            continue
        text = prefix + item.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        sub = item.menu()
        if isinstance(sub, QMenu):
            yield from _items(sub, text + " > ")
        else:
            yield text, item.isEnabled()


def _find(menu: QMenu, name: str) -> QAction | None:
    for item in menu.actions():
        if item.objectName() == name:
            return item
        sub = item.menu()
        if isinstance(sub, QMenu) and (found := _find(sub, name)) is not None:
            return found
    return None
