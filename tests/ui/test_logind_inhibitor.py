"""logind on a private D-Bus: a delay inhibitor while a Play of ours runs, and what
the tray does when the computer is about to shut down or sleep.

The fake logind hands out one end of a pipe as the inhibitor and records, the
moment the tray closes it, what the world looked like: the stop must have been
sent and the user's Tailscale profile be back before the machine is let go.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.present.menu import Act
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.ui.shell import ShellOptions
from tests.support.dbus_fakes import FakeLogind, FakeNotificationDaemon, PrivateBus
from tests.support.ui import UiRig

USER_PROFILE = "alice@example.com"


@pytest.fixture
def logind(private_bus: PrivateBus) -> Iterator[FakeLogind]:
    fake = FakeLogind(private_bus.address).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def shell_options(notifyd: FakeNotificationDaemon, logind: FakeLogind) -> ShellOptions:
    return ShellOptions(
        tray_wait_s=0.3,
        tray_check_ms=100,
        notifications_bus=notifyd.address,
        system_bus=logind.address,
    )


def world(rig: UiRig, tailscaled: FakeTailscaled) -> dict[str, Any]:
    """What a user would check: the PC's state, whether a stop went out, their profile."""
    return {
        "session": rig.sim.control.session()["state"],
        "stop_sent": any(
            r.path == "/api/v1/sessions/stop" and r.method == "POST"
            for r in rig.sim.control.request_log()
        ),
        "profile": tailscaled.snapshot()["current"]["Name"],
    }


def stream(rig: UiRig, logind: FakeLogind) -> None:
    assert logind.inhibitors == []  # nothing of ours runs: the computer is not held
    rig.choose(Act.PLAY)
    rig.until_streaming()
    rig.until(logind.held, what="the inhibitor")
    (held,) = logind.held()
    assert (held.what, held.who, held.mode) == ("shutdown:sleep", "Pawpado", "delay")


def test_shutdown_stops_and_restores_before_the_inhibitor_is_released(
    rig: UiRig, logind: FakeLogind, fake_tailscaled_sim: FakeTailscaled
) -> None:
    stream(rig, logind)
    logind.on_release = lambda: world(rig, fake_tailscaled_sim)

    logind.prepare_for_shutdown()
    assert rig.task is not None
    rig.run(rig.task, timeout=60)  # the tray quits on the way down

    (inhibitor,) = logind.inhibitors
    rig.until(lambda: inhibitor.released, what="the fake logind to see the release")
    seen = inhibitor.seen_at_release
    assert seen["stop_sent"] and seen["session"] in ("stopping", "stopped"), seen
    assert seen["profile"] == USER_PROFILE, seen
    rig.until(lambda: rig.sim.control.session()["state"] == "stopped", what="the PC to stop")
    assert rig.moonlight.running_pids() == []


def test_sleep_ends_the_play_and_the_tray_stays(
    rig: UiRig, logind: FakeLogind, fake_tailscaled_sim: FakeTailscaled
) -> None:
    stream(rig, logind)
    logind.on_release = lambda: world(rig, fake_tailscaled_sim)

    logind.prepare_for_sleep(True)
    rig.until(lambda: not logind.held(), what="the inhibitor to be released")
    seen = logind.inhibitors[0].seen_at_release
    assert seen["stop_sent"] and seen["profile"] == USER_PROFILE, seen
    rig.until(lambda: rig.sim.control.session()["state"] == "stopped", what="the PC to stop")
    assert rig.moonlight.running_pids() == []
    assert rig.notifyd is not None
    rig.until(
        lambda: (
            rig.notifyd is not None and "Your computer is going to sleep" in rig.notifyd.titles()
        ),
        what="the sleep notice",
    )

    # Awake again: the tray is still there, refreshes at once, and holds nothing.
    polls = rig.core._poller.polls["session"]
    logind.prepare_for_sleep(False)
    rig.until(lambda: rig.core._poller.polls["session"] > polls, what="a refresh")
    assert rig.task is not None and not rig.task.done()
    rig.settle(0.3)
    assert logind.held() == [] and len(logind.inhibitors) == 1


def test_the_inhibitor_is_released_when_the_play_ends(rig: UiRig, logind: FakeLogind) -> None:
    rig.choose(Act.PLAY)
    rig.until(logind.held, what="the inhibitor, from the start on")
    rig.choose(Act.CANCEL)
    rig.until(lambda: rig.state.play.phase is PlayPhase.CANCELLED, what="the cancel")
    rig.until(lambda: not logind.held(), what="the inhibitor to be released")
    assert rig.sim.control.session()["state"] in ("stopping", "stopped")
