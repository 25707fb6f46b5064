"""Every way out of the tray runs the same shutdown.

- Qt's own quit (a macOS Quit, the end of the desktop session) and a bare
  QApplication.exit() during a Play: run on Qt's real application loop through
  `app.run_until_closed`, as the tray runs.
- SIGTERM to a real tray process against the simulator: a session the tray
  started is stopped; one it only attached to keeps running, and a notice says so.

Each asserts what the user cares about: the server's session state, the fake
tailscaled's current profile, the Moonlight processes alive, the notices.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from pawpado_desktop.auth.store import FileStore, credentials_path
from pawpado_desktop.auth.storekey import StoreKey
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.core.service import Core
from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.present.menu import Act
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.ui.app import run_until_closed
from pawpado_desktop.ui.shell import ShellOptions, TrayApp
from tests.support.dbus_fakes import FakeNotificationDaemon
from tests.support.moonlight import FakeMoonlightInstall
from tests.support.ui import PLAY_TIMEOUT, UiRig
from tests.support.waiting import wait_until, wait_until_blocking

USER_PROFILE = "alice@example.com"


def user_profile(tailscaled: FakeTailscaled) -> str:
    return str(tailscaled.snapshot()["current"]["Name"])


# -- Qt's quit, in this process ---------------------------------------------------


@pytest.mark.parametrize("how", ["quit", "exit"])
def test_qt_quit_during_a_play_stops_it_and_restores_tailscale(
    how: str,
    qt_app: QApplication,
    tray_env: FakeMoonlightInstall,
    sim: SimulatorServer,
    sim_clock: ScaledClock,
    fake_tailscaled_sim: FakeTailscaled,
    shell_options: ShellOptions,
) -> None:
    async def factory(confirm: Any) -> Core:
        from pawpado_desktop.cli.wiring import wiring_from_env
        from pawpado_desktop.core.factory import build_core

        return await build_core(wiring_from_env(os.environ, clock=sim_clock), confirm=confirm)

    tray = TrayApp(qt_app, factory, shell_options)
    loop = qasync.QEventLoop(qt_app)
    asyncio.set_event_loop(loop)
    failures: list[BaseException] = []

    async def user() -> None:
        try:
            await wait_until(lambda: not tray.loading and tray.core is not None, what="the core")
            core = tray.core
            assert core is not None
            flow = await core.start_sign_in()
            assert sim.control.approve_device(flow.user_code)
            await core.complete_sign_in(flow)
            tray.perform(Act.PLAY)
            await wait_until(
                lambda: tray.state.play.phase is PlayPhase.STREAMING, PLAY_TIMEOUT, what="streaming"
            )
            assert user_profile(fake_tailscaled_sim) != USER_PROFILE  # on the game's profile
            if how == "quit":
                QApplication.quit()  # what a macOS Quit or the end of the session does
            else:
                QApplication.exit(0)  # Qt's loop simply ends
        except BaseException as error:
            failures.append(error)
            tray.request_quit()

    def watchdog() -> None:  # a tray that never closes fails the test instead of hanging it
        failures.append(TimeoutError("the tray was still open 120 s after Qt's quit"))
        tray.request_quit()

    loop.create_task(user())
    loop.call_later(120, watchdog)
    try:
        with loop:
            code = run_until_closed(loop, tray)  # no "Event loop stopped before Future completed"
    finally:
        asyncio.set_event_loop(None)
        tray.deleteLater()
    assert not failures, failures
    assert code == 0
    assert sim.control.session()["state"] in ("stopping", "stopped")
    assert user_profile(fake_tailscaled_sim) == USER_PROFILE
    assert tray_env.running_pids() == []


# -- SIGTERM to a real tray process -----------------------------------------------


# Slow: a tray process of its own keeps real time (it takes no scaled clock), so it boots
# and pairs in real seconds, polling every two, before its SIGTERM handling is tested.
@pytest.mark.slow
@pytest.mark.world(speed=None, provisioning_seconds=1, starting_seconds=1, ready_delay_seconds=0.5, stopping_seconds=1)
class TestSigterm:


    @pytest.fixture
    def moonlight(
        self, sim: SimulatorServer, install_moonlight: Callable[..., FakeMoonlightInstall]
    ) -> FakeMoonlightInstall:
        return install_moonlight(sim.base_url, save_seconds=0.2)

    @pytest.fixture
    def env(
        self,
        sim: SimulatorServer,
        fake_tailscaled_sim: FakeTailscaled,
        moonlight: FakeMoonlightInstall,
        notifyd: FakeNotificationDaemon,
        tmp_path: Path,
    ) -> dict[str, str]:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "DBUS_SESSION_BUS_ADDRESS": notifyd.address,  # the fake notification daemon
            "DBUS_SYSTEM_BUS_ADDRESS": notifyd.address,  # never the machine's logind
            "PAWPADO_BASE_URL": sim.base_url,
            "PAWPADO_AUTH_URL": sim.issuer_url,
            "PAWPADO_SIM_URL": sim.base_url,
            "PAWPADO_TAILSCALE_SOCKET": str(fake_tailscaled_sim.socket_path),
            "PAWPADO_MOONLIGHT": str(moonlight.path),
            "PAWPADO_CONFIG_DIR": str(tmp_path / "tray-config"),
            "PAWPADO_CREDENTIAL_STORE": "file",
            "PYTHONUNBUFFERED": "1",
        }
        # Signed in, in the opt-in file the tray reads (no login process: not the question).
        store = FileStore(credentials_path(StoreKey.from_env(env), tmp_path / "tray-config"))
        signed_in = sim.control.sign_in_directly().as_response()
        asyncio.run(store.save(TokenSet.from_response(signed_in, sim.clock.now())))
        return env

    @pytest.fixture
    def tray(self, env: dict[str, str]) -> Iterator[Callable[[], subprocess.Popen[str]]]:
        started: list[subprocess.Popen[str]] = []

        def start() -> subprocess.Popen[str]:
            process = subprocess.Popen(
                [sys.executable, "-m", "pawpado_desktop", "-v"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            started.append(process)
            return process

        yield start
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait(10)

    def started_elsewhere(self, sim: SimulatorServer, sim_api: httpx.Client) -> None:
        """The user's other device starts the PC."""
        assert sim_api.post("/api/v1/sessions/start").status_code in (200, 201, 202)
        wait_until_blocking(lambda: sim.control.session()["state"] == "running", 30)

    def found(self, notifyd: FakeNotificationDaemon) -> int:
        """The tray's "Your gaming PC is running" notice, as the user sees it."""
        wait_until_blocking(lambda: notifyd.find("Your gaming PC is running"), 60)
        shown = notifyd.find("Your gaming PC is running")
        assert shown is not None and "attach" in shown.actions
        return shown.nid

    def streaming(self, moonlight: FakeMoonlightInstall) -> None:
        wait_until_blocking(
            lambda: moonlight.events("streaming"),
            PLAY_TIMEOUT,
            what="the tray's Moonlight to stream",
            detail=lambda: f"Moonlight ran {moonlight.invocations()}",
        )

    def terminate(self, process: subprocess.Popen[str]) -> None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(90)
        except subprocess.TimeoutExpired:
            raise AssertionError("the tray did not exit after SIGTERM") from None
        assert process.stderr is not None
        said = process.stderr.read()
        assert process.returncode == 0, said
        assert "Traceback" not in said, said

    def test_sigterm_keeps_an_attached_session_running_and_says_so(
        self,
        sim: SimulatorServer,
        sim_api: httpx.Client,
        notifyd: FakeNotificationDaemon,
        fake_tailscaled_sim: FakeTailscaled,
        tray: Callable[[], subprocess.Popen[str]],
        moonlight: FakeMoonlightInstall,
    ) -> None:
        self.started_elsewhere(sim, sim_api)
        process = tray()
        notifyd.click(self.found(notifyd), "attach")  # Reconnect: attach and stream
        self.streaming(moonlight)
        assert user_profile(fake_tailscaled_sim) != USER_PROFILE

        self.terminate(process)
        assert sim.control.session()["state"] == "running"  # not ours to stop
        assert user_profile(fake_tailscaled_sim) == USER_PROFILE
        assert moonlight.running_pids() == []
        said = [n.body for n in notifyd.shown if "still running and billing" in n.body]
        assert said, notifyd.titles()

    def test_sigterm_stops_a_session_the_tray_started(
        self,
        sim: SimulatorServer,
        sim_api: httpx.Client,
        notifyd: FakeNotificationDaemon,
        fake_tailscaled_sim: FakeTailscaled,
        tray: Callable[[], subprocess.Popen[str]],
        moonlight: FakeMoonlightInstall,
    ) -> None:
        self.started_elsewhere(sim, sim_api)
        process = tray()
        nid = self.found(notifyd)
        sim.control.stop_session()  # it stops before the user answers the notice...
        wait_until_blocking(lambda: sim.control.session()["state"] == "stopped", 30)
        time.sleep(0.5)
        notifyd.click(nid, "attach")  # ...so Reconnect starts a new one: the tray's own
        self.streaming(moonlight)
        starts = [r for r in sim.control.request_log() if r.path == "/api/v1/sessions/start"]
        assert len(starts) == 2  # the other device's, then the tray's

        self.terminate(process)
        wait_until_blocking(lambda: sim.control.session()["state"] == "stopped", 30)
        assert user_profile(fake_tailscaled_sim) == USER_PROFILE
        assert moonlight.running_pids() == []
        assert not [n for n in notifyd.shown if "still running and billing" in n.body]


# -- the end of the desktop session, in the rig --------------------------------------


def test_the_end_of_the_session_waits_for_the_stop_and_the_restore(
    rig: UiRig, fake_tailscaled_sim: FakeTailscaled
) -> None:
    rig.choose(Act.PLAY)
    rig.until_streaming()
    when_answered: list[tuple[str, str, str]] = []

    def session_manager() -> None:
        """Qt delivers commitDataRequest and tells the session manager once it returns."""
        rig.app.exits.session_ending(None)  # the slot Qt calls (a QSessionManager cannot be made)
        when_answered.append(
            (
                rig.sim.control.session()["state"],
                user_profile(fake_tailscaled_sim),
                rig.state.play.phase.value,
            )
        )

    QTimer.singleShot(0, session_manager)
    assert rig.task is not None
    rig.run(rig.task, timeout=60)
    assert when_answered, "the slot never returned"
    state, profile, _phase = when_answered[0]
    said = rig.notifyd.titles() if rig.notifyd else []
    assert state in ("stopping", "stopped") and profile == USER_PROFILE, (when_answered, said)
    assert rig.moonlight.running_pids() == []
