"""The tray when Pawpado cannot be read: an offline state, never stale figures.

A gaming PC that runs while Pawpado answers 502 is not shown as running with a
balance and a cost the app could not confirm, nor as idle: the icon has the
exclamation mark, the tooltip and the menu say the state is unknown and why.
When Pawpado answers again the poller (still alive) brings the figures back.
"""

from __future__ import annotations

from pawpado_desktop.present.menu import TrayStatus
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.ui import UiRig


def test_the_tray_shows_offline_instead_of_stale_figures(rig: UiRig) -> None:
    rig.start_elsewhere()  # billing from now on
    rig.run(rig.core.refresh_session())
    rig.settle()
    assert "so far" in rig.app.tray.icon.toolTip()  # it bills, and the tray says so

    rig.sim.control.replace_responses("/api/v1/*", FaultResponse(502, b""), count=10_000)
    rig.core.refresh_soon()
    rig.until(lambda: rig.state.offline, what="the app to notice it is offline")
    rig.settle()

    shown = rig.app.tray.shown
    assert shown is not None and shown[0] is TrayStatus.ERROR
    tip = rig.app.tray.icon.toolTip()
    assert "state is unknown" in tip and "HTTP 502" in tip
    assert "Balance" not in tip and "so far" not in tip and "Your gaming PC is" not in tip
    menu = [text for text, _ in rig.menu_items()]
    assert any(text.startswith("Offline: ") for text in menu), menu
    assert not any(text.startswith("Balance") or "so far" in text for text in menu), menu
    assert rig.core._poller.alive
    assert rig.sim.control.session()["billing"] is True  # what the app could not confirm

    rig.sim.control.clear_faults()
    rig.core.refresh_soon()
    rig.until(lambda: not rig.state.offline, what="the app to be back online")
    rig.settle()
    tip = rig.app.tray.icon.toolTip()
    assert "Balance" in tip and "state is unknown" not in tip
    assert rig.core._poller.alive
