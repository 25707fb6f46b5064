"""The guards around the tray: no tray, one instance, wake-ups, notification
levels and fallbacks, languages, errors, the log folder and the debug info."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QPushButton

from pawpado_desktop.cli.progress import ProgressPrinter
from pawpado_desktop.config import LocalSettings, config_dir, log_dir
from pawpado_desktop.core.notices import NoticeKind, Topic
from pawpado_desktop.errors import Money
from pawpado_desktop.instance_channel import instance_name
from pawpado_desktop.present.menu import Act
from pawpado_desktop.ui.shell import ShellOptions
from pawpado_desktop.ui.single_instance import SingleInstance
from pawpado_desktop.ui.windows.notice import NoticeWindow
from pawpado_desktop.ui.windows.status import StatusWindow
from tests.support.dbus_fakes import PrivateBus
from tests.support.ui import UiRig


def test_without_a_tray_a_window_offers_the_same_actions(rig: UiRig) -> None:
    # The offscreen platform has no system tray, like stock GNOME.
    rig.until(lambda: rig.app.presenter.no_tray, timeout=5, what="the app to give up on the tray")
    window = rig.app.windows.status
    assert isinstance(window, StatusWindow) and window.isVisible()
    assert window.buttons["play"].isEnabled()
    assert "Balance Rp 100.000" in window.info["balance"].text()
    window.buttons["play"].click()
    rig.until(lambda: rig.state.play.phase.is_running, what="Play from the window")
    rig.choose(Act.CANCEL)
    rig.until(lambda: not rig.core.playing, what="the cancel")
    # Closing the window is quitting (nothing else would show the app): no session runs.
    rig.until(lambda: rig.sim.control.session()["state"] == "stopped", what="the stop")
    window.close()
    rig.run(rig.task, timeout=30)


def test_a_second_launch_brings_the_first_forward(rig: UiRig) -> None:
    folder = config_dir()
    first = SingleInstance(instance_name(folder, demo=False), folder)
    assert first.acquire()
    first.activated.connect(rig.app.bring_forward)
    try:
        if rig.app.windows.status is not None:
            rig.app.windows.status.hide()
        second = SingleInstance(instance_name(folder, demo=False), folder)
        assert not second.acquire()
        # A real second process: it finds the first, asks it to show itself and exits.
        process = subprocess.Popen(
            [sys.executable, "-m", "pawpado_desktop"],
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        rig.until(lambda: process.poll() is not None, timeout=30, what="the second launch to end")
        assert process.stderr is not None
        said = process.stderr.read()
        assert process.returncode == 0, said
        assert "already running" in said
        rig.until(
            lambda: rig.app.windows.status is not None and rig.app.windows.status.isVisible(),
            what="the status window to come forward",
        )
        # The demo runs beside the real app: a different instance.
        assert instance_name(folder, demo=True) != instance_name(folder, demo=False)
    finally:
        first.release()


@pytest.mark.world(speed=1.0)
class TestWake:

    def test_waking_from_sleep_refreshes_at_once(self, rig: UiRig) -> None:
        power = rig.app.power
        assert power is not None
        rig.until(lambda: power.wake._bus.is_open, what="logind")
        rig.settle(0.3)
        polls = rig.core._poller.polls["session"]
        assert rig.notifyd is not None
        rig.notifyd.wake_up()
        rig.until(lambda: rig.core._poller.polls["session"] > polls, timeout=10, what="a refresh")
        assert power.wake.wakes == 1


class TestImportantOnly:
    @pytest.fixture
    def local_settings(self) -> LocalSettings:
        return LocalSettings(notification_level="important")

    def test_only_important_notices_are_shown(self, rig: UiRig) -> None:
        rig.core.notices.post(NoticeKind.SESSION_READY, Topic.SESSION_READY)
        rig.core.notices.post(NoticeKind.LOW_BALANCE, Topic.BALANCE_LOW, minutes=9)
        assert rig.notifyd is not None
        rig.until(lambda: "Balance running low" in rig.notifyd.titles(), what="the low balance")
        low = rig.notifyd.find("Balance running low")
        assert low is not None and low.actions == {"default": "Open", "topup_custom": "Top up"}
        assert "Your gaming PC is ready" not in rig.notifyd.titles()


class TestNoNotificationDaemon:
    @pytest.fixture
    def empty_bus(self) -> Iterator[PrivateBus]:
        """A session bus where nobody owns org.freedesktop.Notifications."""
        bus = PrivateBus()
        try:
            yield bus
        finally:
            bus.stop()

    @pytest.fixture
    def shell_options(self, empty_bus: PrivateBus) -> ShellOptions:
        return ShellOptions(
            tray_wait_s=0.3, tray_check_ms=100, notifications_bus=empty_bus.address, system_bus=None
        )

    def test_notices_with_buttons_fall_back_to_a_window(self, rig: UiRig) -> None:
        from pawpado_desktop.ui.windows.topup import TopupDialog

        rig.core.notices.post(NoticeKind.LOW_BALANCE, Topic.BALANCE_LOW, minutes=9)
        rig.until(lambda: _shown(NoticeWindow), what="the notice window")
        assert rig.app.notifier.shown[-1].via == "window"
        window = _shown(NoticeWindow)[0]
        top_up = window.findChild(QPushButton, "act:topup_custom")
        assert top_up is not None and top_up.text() == "Top up"
        top_up.click()
        rig.until(lambda: _shown(TopupDialog), what="the top-up dialog")


def _shown(kind: type) -> list:  # type: ignore[type-arg]
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


class TestIndonesian:
    @pytest.fixture
    def local_settings(self) -> LocalSettings:
        return LocalSettings(language="id")

    def test_menu_and_money_in_indonesian(self, rig: UiRig) -> None:
        items = dict(rig.menu_items())
        assert items.get("Main") is True
        assert "Saldo Rp 100.000 · sekitar 3 j 20 mnt bermain" in items
        assert "Isi saldo > 1 jam bermain · Rp 30.000" in items
        assert "Keluar" in items
        assert "Siap bermain" in rig.app.tray.icon.toolTip()

    def test_a_notice_reads_the_same_in_the_tray_and_the_cli(self, rig: UiRig) -> None:
        notice = rig.core.notices.post(
            NoticeKind.TOPUP_CREDITED,
            Topic.TOPUP_CREDITED,
            added=Money(Decimal(30000), "IDR"),
            balance=Money(Decimal(130000), "IDR"),
        )
        assert rig.notifyd is not None
        rig.until(lambda: "Isi saldo masuk" in rig.notifyd.titles(), what="the notice")
        shown = rig.notifyd.find("Isi saldo masuk")
        assert shown is not None
        assert shown.body == "Rp 30.000 telah ditambahkan; saldo Anda sekarang Rp 130.000."
        printed = io.StringIO()
        ProgressPrinter(rig.core.clock, printed).on_notice(notice)
        assert printed.getvalue() == f"  * Isi saldo masuk: {shown.body}\n"


def test_unexpected_errors_are_logged_and_shown_without_a_traceback(
    rig: UiRig, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise ValueError("internal detail")

    rig.app.tasks.spawn(broken())
    rig.until(
        lambda: rig.app.windows.error_box is not None and rig.app.windows.error_box.isVisible(),
        what="the error box",
    )
    box = rig.app.windows.error_box
    assert box is not None
    assert box.text() == "Something went wrong"
    assert "Traceback" not in box.informativeText()
    assert "internal detail" not in box.informativeText()
    logged = [r for r in caplog.records if r.exc_info and "internal detail" in str(r.exc_info[1])]
    assert logged, "the traceback goes to the log"


def test_log_folder_and_redacted_debug_info(rig: UiRig) -> None:
    rig.choose(Act.OPEN_LOGS)
    assert rig.opened_paths == [log_dir()]
    rig.choose(Act.COPY_DEBUG)
    text = QApplication.clipboard().text()
    assert "Session: stopped" in text and "Balance: 100000.00 IDR" in text
    assert "gamer@example.com" not in text and "g***@example.com" in text
    assert "eyJ" not in text  # no token (JWTs start so)
    rig.until(lambda: "Debug info copied" in rig.notifyd.titles(), what="the confirmation")


def test_launch_at_login_writes_an_autostart_entry_and_checks_it() -> None:
    from pawpado_desktop import autostart

    item = autostart.default_login_item()
    assert autostart.set_enabled(True) is True
    entry = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / f"{autostart.APP_ID}.desktop"
    assert entry.exists()  # never the real home
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    assert autostart.BACKGROUND_FLAG in exec_line
    assert autostart.is_enabled(item)
    assert autostart.set_enabled(False) is False
    assert not autostart.is_enabled(item)
