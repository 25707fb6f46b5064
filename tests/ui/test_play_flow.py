"""Play from the tray, as a user would: menu, progress window, notifications, actions.

The simulator, the fake tailscaled and the fake Moonlight do the rest over
loopback; the simulator and the app share a clock running 10x.
"""

from __future__ import annotations

import os
import signal

from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.present.menu import Act, TrayStatus
from tests.support.ui import UiRig


def phase(rig: UiRig) -> PlayPhase:
    return rig.state.play.phase


def stream_pid(rig: UiRig) -> int:
    rig.until(lambda: rig.moonlight.events("streaming"), what="Moonlight to stream")
    streaming = rig.moonlight.events("streaming")[-1]
    return int(streaming["pid"])


def end_stream(rig: UiRig) -> None:
    """The user closes Moonlight's stream window."""
    os.kill(stream_pid(rig), signal.SIGTERM)


def start_and_stream(rig: UiRig) -> None:
    rig.choose(Act.PLAY)
    rig.until(
        lambda: rig.app.windows.progress is not None and rig.app.windows.progress.isVisible(),
        what="the progress window",
    )
    progress = rig.app.windows.progress
    assert progress is not None
    rig.until(lambda: rig.app.tray.shown[0] is TrayStatus.STARTING, what="the starting icon")
    assert "Show progress" in dict(rig.menu_items())
    rig.until_streaming()
    rig.settle(0.1)
    assert rig.app.tray.shown[0] is TrayStatus.READY
    rig.until(
        lambda: "Your gaming PC is ready" in rig.notifyd.titles(), what="Your gaming PC is ready"
    )
    # Each phase the user waited through is listed with its time in the window.
    labels = [progress.steps.itemAt(i).widget().text() for i in range(progress.steps.count())]
    assert "Your gaming PC is booting" in labels and "Streaming" in labels


def test_play_stream_end_then_stop_now_from_the_notification(rig: UiRig) -> None:
    start_and_stream(rig)
    end_stream(rig)
    rig.until(lambda: phase(rig) is PlayPhase.GRACE, what="the grace countdown")
    rig.until(lambda: rig.notifyd.find("Stream ended"), what="the stream-ended notification")
    shown = rig.notifyd.find("Stream ended")
    assert shown is not None
    assert shown.actions == {"default": "Open", "keep": "Keep running", "stop_now": "Stop now"}
    assert shown.timeout == 0  # stays until answered
    rig.settle(0.1)
    assert "Stream ended · stops in" in rig.app.tray.icon.toolTip()
    assert {"Reconnect", "Keep running", "Stop now"} <= set(dict(rig.menu_items()))

    rig.notifyd.click(shown.nid, "stop_now")
    rig.until(lambda: phase(rig) is PlayPhase.DONE, what="the Play to finish")
    rig.until(lambda: rig.sim.control.session()["state"] == "stopped", what="the PC to stop")
    rig.until(lambda: rig.app.tray.shown[0] is TrayStatus.IDLE, what="the idle icon")
    rig.until(lambda: "Session stopped" in rig.notifyd.titles(), what="Session stopped")


def test_keep_running_leaves_the_pc_on_and_quit_guard_stops_it(rig: UiRig) -> None:
    start_and_stream(rig)
    end_stream(rig)
    rig.until(lambda: rig.notifyd.find("Stream ended"), what="the stream-ended notification")
    shown = rig.notifyd.find("Stream ended")
    assert shown is not None
    rig.choose(Act.KEEP)  # from the tray menu this time
    rig.until(lambda: phase(rig) is PlayPhase.DONE, what="the Play to finish")
    # The notification's buttons no longer apply: it is taken back.
    rig.until(lambda: shown.nid in rig.notifyd.closed, what="the notification to be withdrawn")
    rig.settle(0.2)
    assert rig.sim.control.session()["state"] == "running"
    assert rig.app.tray.shown[0] is TrayStatus.READY
    assert {"Reconnect": True, "Stop session": True}.items() <= dict(rig.menu_items()).items()
    rig.until(lambda: "Session kept running" in rig.notifyd.titles(), what="Session kept running")

    # Quit while it bills: the guard asks; Cancel keeps the app.
    rig.choose(Act.QUIT)
    guard = _guard(rig)
    assert guard.keep_button.isEnabled()
    guard.cancel_button.click()
    rig.settle(0.1)
    assert not rig.task.done()
    # Stop and quit: the PC stops, then the app ends.
    rig.choose(Act.QUIT)
    _guard(rig).stop_button.click()
    rig.run(rig.task, timeout=60)
    assert rig.sim.control.session()["state"] == "stopped"


def test_quit_guard_keep_running_and_quit_leaves_the_pc_on(rig: UiRig) -> None:
    rig.start_elsewhere()
    rig.run(rig.core.refresh_session())  # now, not at the idle poll a minute away
    rig.until(
        lambda: rig.state.session is not None and rig.state.session.state.is_active,
        what="the session to show",
    )
    rig.choose(Act.QUIT)
    _guard(rig).keep_button.click()
    rig.run(rig.task, timeout=30)
    assert rig.sim.control.session()["state"] in ("provisioning", "starting", "running")


def test_cancel_during_start_stops_what_it_started(rig: UiRig) -> None:
    rig.choose(Act.PLAY)
    rig.until(lambda: phase(rig) is PlayPhase.BOOTING, what="booting")
    rig.choose(Act.CANCEL)
    rig.until(lambda: phase(rig) is PlayPhase.CANCELLED, what="the cancel")
    rig.until(lambda: rig.sim.control.session()["state"] == "stopped", what="the PC to stop")
    assert not rig.moonlight.events("streaming")


def test_a_failed_start_shows_the_error_icon_and_notification(rig: UiRig) -> None:
    rig.sim.control.fail_next_start("provisioning", "No GPU could be allocated.")
    rig.choose(Act.PLAY)
    rig.until(lambda: phase(rig) is PlayPhase.FAILED, what="the failure")
    rig.settle(0.1)
    assert rig.app.tray.shown[0] is TrayStatus.ERROR
    assert "Last attempt failed: Your gaming PC could not start" in rig.app.tray.icon.toolTip()
    rig.until(lambda: rig.notifyd.find("Your gaming PC could not start"), what="the error notice")
    notice = rig.notifyd.find("Your gaming PC could not start")
    assert notice is not None and "No GPU could be allocated" in notice.body
    assert notice.hints["urgency"][1] == 2  # critical
    progress = rig.app.windows.progress
    assert progress is not None and "No GPU could be allocated" in progress.detail.text()


def _guard(rig: UiRig):  # type: ignore[no-untyped-def]
    from pawpado_desktop.ui.windows.quit_guard import QuitGuardDialog

    found: list[QuitGuardDialog] = []

    def visible() -> bool:
        found[:] = [
            w
            for w in rig.app.app.topLevelWidgets()
            if isinstance(w, QuitGuardDialog) and w.isVisible()
        ]
        return bool(found)

    rig.until(visible, timeout=5, what="the quit guard")
    return found[0]


def test_cancelling_a_play_on_a_running_session_asks_before_stopping_it(rig: UiRig) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    rig.start_elsewhere()  # started elsewhere (another device)
    rig.run(rig.core.refresh_session())  # now, not at the idle poll a minute away
    rig.until(
        lambda: rig.state.session is not None and rig.state.session.state.is_active,
        what="the running session",
    )
    rig.choose(Act.ATTACH)
    rig.until(lambda: rig.state.play.phase.is_running, what="the Play to attach")
    rig.choose(Act.CANCEL)

    def question() -> QMessageBox | None:
        boxes = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible() and "already running" in w.text()
        ]
        return boxes[0] if boxes else None

    rig.until(question, what="the question")
    box = question()
    assert box is not None
    keep = next(b for b in box.buttons() if b.text() == "No, keep it running")
    keep.click()
    rig.until(lambda: phase(rig) is PlayPhase.CANCELLED, what="the cancel")
    rig.settle(0.3)
    assert rig.sim.control.session()["state"] in ("provisioning", "starting", "running")
