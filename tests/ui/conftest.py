"""Fixtures for the tray's UI tests: a real TrayApp on a qasync loop, offscreen.

pytest-qt has no asyncio support, so tests here are plain functions that drive
a qasync loop themselves (`rig.run(coro)`, `rig.until(predicate)`). The app is
wired by the real factory (`build_core`) to the simulator, the fake tailscaled
and the fake Moonlight over loopback, on a ScaledClock shared with the
simulator; notifications go to a fake daemon on a private D-Bus session.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import httpx
import pytest
import qasync
from PySide6 import QtCore
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.config import LocalSettings, write_json
from pawpado_desktop.core.ownership import Role
from pawpado_desktop.core.service import Core
from pawpado_desktop.core.state import AppState
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.ui.shell import ShellOptions, TrayApp
from pawpado_desktop.ui.view_model import Act
from tests.fixtures.moonlight import FakeMoonlightInstall
from tests.ui.dbus_fakes import FakeNotificationDaemon, PrivateBus

T = TypeVar("T")
UI_SPEED = 10.0


@pytest.fixture(scope="session")
def qt_app() -> QApplication:
    app = QApplication.instance() or QApplication(["pawpado-tests"])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # closing a window must not stop the loop
    return app


@pytest.fixture
def qloop(qt_app: QApplication) -> Iterator[qasync.QEventLoop]:
    """An asyncio loop that is always "running", as in the app: whoever spins Qt's
    events (a test, pytest-qt between phases) runs asyncio's callbacks too."""
    loop = qasync.QEventLoop(qt_app, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        # Not loop.stop(): it calls QApplication.exit(), after which every later
        # exec() returns at once (Qt clears that only in QApplication.exec()).
        loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
        loop.close()
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


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


@pytest.fixture(scope="session")
def private_bus() -> Iterator[PrivateBus]:
    bus = PrivateBus()
    try:
        yield bus
    finally:
        bus.stop()


@pytest.fixture
def notifyd(private_bus: PrivateBus) -> Iterator[FakeNotificationDaemon]:
    daemon = FakeNotificationDaemon(private_bus.address).start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def sim_clock() -> ScaledClock:
    return ScaledClock(UI_SPEED)


@pytest.fixture
def sim_config() -> SimConfig:
    return SimConfig.fast(
        provisioning_seconds=2, starting_seconds=2, ready_delay_seconds=1, stopping_seconds=2
    )


@pytest.fixture
def local_settings() -> LocalSettings:
    """This computer's settings when the app starts (override per test)."""
    return LocalSettings(stop_grace_minutes=5)


@pytest.fixture
def signed_in() -> bool:
    return True


@pytest.fixture
def shell_options(notifyd: FakeNotificationDaemon) -> ShellOptions:
    return ShellOptions(
        tray_wait_s=0.3,
        tray_check_ms=100,
        notifications_bus=notifyd.address,
        system_bus=notifyd.address,  # the fake answers for logind too
    )


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
        token = self.sim.control.sign_in_directly().access_token
        httpx.post(
            self.sim.base_url + "/api/v1/sessions/start",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        ).raise_for_status()

    def until(self, predicate: Callable[[], object], timeout: float = 30, what: str = "") -> None:
        async def poll() -> None:
            while not predicate():
                await asyncio.sleep(0.02)

        try:
            self.run(poll(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what or predicate}") from None

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


@pytest.fixture
def tray_env(
    sim: SimulatorServer,
    fake_tailscaled_sim: FakeTailscaled,
    install_moonlight: Callable[..., FakeMoonlightInstall],
    local_settings: LocalSettings,
    isolated_config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> FakeMoonlightInstall:
    """The environment of a tray on the simulator and the fakes (its Moonlight returned):
    for the rig, and for tests that start a tray of their own."""
    moonlight = install_moonlight(sim.base_url, save_seconds=0.2)
    for name, value in {
        "PAWPADO_BASE_URL": sim.base_url,
        "PAWPADO_AUTH_URL": sim.issuer_url,
        "PAWPADO_SIM_URL": sim.base_url,
        "PAWPADO_TAILSCALE_SOCKET": str(fake_tailscaled_sim.socket_path),
        "PAWPADO_MOONLIGHT": str(moonlight.path),
        "PAWPADO_CREDENTIAL_STORE": "memory",
    }.items():
        monkeypatch.setenv(name, value)
    write_json(isolated_config / "settings.json", local_settings.__dict__)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # the app installs its own
    return moonlight


@pytest.fixture
def rig(
    qt_app: QApplication,
    qloop: qasync.QEventLoop,
    sim: SimulatorServer,
    sim_clock: ScaledClock,
    tray_env: FakeMoonlightInstall,
    notifyd: FakeNotificationDaemon,
    shell_options: ShellOptions,
    signed_in: bool,
) -> Iterator[UiRig]:
    moonlight = tray_env
    opened_urls: list[str] = []
    opened_paths: list[Path] = []

    async def factory(confirm: Any) -> Core:
        from pawpado_desktop.cli.wiring import wiring_from_env
        from pawpado_desktop.core.factory import build_core

        async def open_url(url: str) -> None:  # the test plays the browser
            opened_urls.append(url)

        wiring = wiring_from_env(os.environ, role=Role.TRAY, clock=sim_clock)
        return await build_core(replace(wiring, open_url=open_url), confirm=confirm)

    shell_options.open_path = opened_paths.append
    app = TrayApp(qt_app, factory, shell_options)
    ui = UiRig(app, qloop, sim, sim_clock, moonlight, notifyd, opened_urls, opened_paths)
    ui.task = qloop.create_task(app.run())
    try:
        ui.until(lambda: not app.loading and app.core is not None, what="the core to start")
        # Offscreen has no tray: wait for the fallback window now. Shown later, it would
        # take the focus from (and close) a tray menu a test has just opened.
        ui.until(lambda: app.no_tray, what="the no-tray window")
        if signed_in:
            ui.sign_in()
            ui.until(lambda: app.state.credits is not None, what="the balance")
        yield ui
    finally:
        app.auto_confirm = True
        app.request_quit()
        ui.run(ui.task, timeout=60)
        if app.status_window is not None:
            app.status_window.quit_on_close = False  # closing it below must not quit again
        for window in qt_app.topLevelWidgets():
            window.close()
            window.deleteLater()
        app.deleteLater()
        ui.settle()
