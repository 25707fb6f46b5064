"""Fixtures for the tray's UI tests: a real TrayApp on a qasync loop, offscreen.

pytest-qt has no asyncio support, so tests here are plain functions that drive
a qasync loop themselves (`rig.run(coro)`, `rig.until(predicate)`; the rig itself
is in tests/support/ui.py). The app is wired by the real factory (`build_core`) to
the simulator, the fake tailscaled and the fake Moonlight over loopback, on the
world's ScaledClock (10x); notifications go to a fake daemon on a private D-Bus session.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.config import LocalSettings, write_json
from pawpado_desktop.core.ownership import Role
from pawpado_desktop.core.service import Core
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.ui.shell import ShellOptions, TrayApp
from tests.support.dbus_fakes import FakeNotificationDaemon, PrivateBus
from tests.support.moonlight import FakeMoonlightInstall
from tests.support.ui import HeldLoop, UiRig

T = TypeVar("T")


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
    loop = HeldLoop(qt_app)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        loop.release()
        loop.close()
        asyncio._set_running_loop(None)  # asyncio's hook for loops of other libraries
        asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def qt_garbage_on_the_gui_thread() -> Iterator[None]:
    """Qt objects caught in reference cycles must die on the GUI thread: a collection
    that happens to run on the simulator's or a fake's thread destroys them there, and
    a QObject destroyed off its thread can crash the process. So no automatic
    collection while a UI test runs (its own loop, a rig's, a tray's); one at its end,
    here, after every other fixture of the test has closed (autouse: set up first)."""
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()


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
        ui.until(lambda: app.presenter.no_tray, what="the no-tray window")
        if signed_in:
            ui.sign_in()
            ui.until(lambda: app.state.credits is not None, what="the balance")
        yield ui
    finally:
        app.auto_confirm = True
        app.request_quit()
        ui.run(ui.task, timeout=60)
        if app.windows.status is not None:
            app.windows.status.quit_on_close = False  # closing it below must not quit again
        for window in qt_app.topLevelWidgets():
            window.close()
            window.deleteLater()
        app.deleteLater()
        ui.settle()
