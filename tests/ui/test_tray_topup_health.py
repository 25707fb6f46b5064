"""The tray: "Top up and play" (the Play starts once the top-up is credited; a cancelled
checkout is said), the storage lines of the Account menu, and the offline state telling
"Pawpado is down" from "you are offline"."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.present.menu import Act
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.ui import UiRig


def _press(rig: UiRig, url: str, button: str) -> httpx.Response:
    """The user presses a button on the checkout page; the browser follows it back to
    the app's return page (served on the tray's loop, so asked from it)."""

    async def press() -> httpx.Response:
        async with httpx.AsyncClient(timeout=10, follow_redirects=True) as browser:
            return await browser.post(url, data={"action": button})

    return rig.run(press())


# The PC stays provisioning for a minute (six real seconds): a busy machine cannot see
# it already running when the test looks, and the cancel comes long before.
@pytest.mark.world(provisioning_seconds=60)
def test_top_up_and_play_from_the_menu_starts_the_play_once_credited(rig: UiRig) -> None:
    rig.sim.control.set_balance("2000.00")
    rig.run(rig.core.refresh_credits())
    menu = dict(rig.menu_items())
    assert menu["Play (top up first)"] is False and menu["Top up and play…"] is True
    rig.choose(Act.TOPUP_PLAY)
    rig.until(lambda: rig.opened_urls, what="the checkout page")
    assert Decimal(rig.sim.control.checkouts()[-1]["amount"]) == Decimal(30000)
    page = _press(rig, rig.opened_urls[-1], "pay")
    assert 'data-result="paid"' in page.text
    rig.until(lambda: "Top-up credited" in rig.notifyd.titles(), timeout=60, what="the credit")
    # The Play starts by itself once the credit lands.
    rig.until(lambda: rig.state.play.phase is PlayPhase.BOOTING, timeout=60, what="the Play")
    assert rig.sim.control.session()["state"] in ("provisioning", "starting")
    rig.choose(Act.CANCEL)  # enough: what it started is stopped
    rig.until(lambda: rig.state.play.phase is PlayPhase.CANCELLED, what="the cancel")
    rig.until(lambda: rig.sim.control.session()["state"] == "stopped", what="the PC to stop")


def test_a_cancelled_checkout_is_said_and_nothing_starts(rig: UiRig) -> None:
    rig.sim.control.set_balance("2000.00")
    rig.run(rig.core.refresh_credits())
    rig.app.perform(Act.TOPUP_PLAY)  # the menu's "Top up and play…"
    rig.until(lambda: rig.opened_urls, what="the checkout page")
    _press(rig, rig.opened_urls[-1], "cancel")
    rig.until(lambda: "Top-up cancelled" in rig.notifyd.titles(), what="the cancel notice")
    rig.settle(0.3)
    assert rig.sim.control.session()["state"] == "stopped"
    assert rig.state.topup_offer == Decimal(30000)  # the offer stands


def test_the_account_menu_shows_storage_tier_and_period(rig: UiRig) -> None:
    menu = [text for text, _ in rig.menu_items()]
    assert "Account > Storage standard-100 · 37.5 of 100 GB used" in menu, menu
    assert any(t.startswith("Account > Rp 75.000 a month · period ") for t in menu), menu


def test_the_tray_tells_pawpado_down_from_offline(rig: UiRig) -> None:
    def status_lines() -> list[str]:
        return [text for text, _ in rig.menu_items()]

    # Pawpado answers, but with errors: down.
    rig.sim.control.replace_responses("/api/v1/*", FaultResponse(502, b""), count=10_000)
    rig.core.refresh_soon()
    rig.until(lambda: rig.state.service == "down", what="the health check")
    rig.settle()
    assert "Pawpado is down · your gaming PC's state is unknown" in status_lines()
    assert "Pawpado is down" in rig.app.tray.icon.toolTip()

    # Pawpado's connections break while the sign-in service answers: unreachable.
    rig.sim.control.clear_faults()
    rig.core.refresh_soon()
    rig.until(lambda: not rig.state.offline, what="back online")
    broken = FaultResponse(200, b"x" * 64, disconnect=True)
    rig.sim.control.replace_responses("/api/v1/*", broken, count=10_000)
    rig.core.refresh_soon()
    rig.until(lambda: rig.state.service == "unreachable", timeout=60, what="the health check")
    rig.settle()
    assert any(t.startswith("Pawpado is unreachable or down") for t in status_lines())

    # Nothing answers: this computer is offline.
    rig.sim.control.clear_faults()
    rig.core.refresh_soon()
    rig.until(lambda: not rig.state.offline, what="back online")
    rig.sim.control.replace_responses("*", broken, count=10_000)
    rig.core.refresh_soon()
    rig.until(lambda: rig.state.service == "offline", timeout=60, what="the health check")
    rig.settle()
    assert "You are offline · your gaming PC's state is unknown" in status_lines()
