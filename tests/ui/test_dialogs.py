"""The windows a user fills in: sign-in, settings, top-up, account deletion."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from PySide6.QtWidgets import QApplication, QComboBox, QSpinBox

from pawpado_desktop.config import config_dir
from pawpado_desktop.present.menu import Act, TrayStatus
from pawpado_desktop.sim.faults import FaultResponse
from pawpado_desktop.ui.windows.qr import qr_matrix
from tests.support.ui import UiRig


def visible(rig: UiRig, kind: type) -> object:
    found: list[object] = []

    def look() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()
        ]
        return bool(found)

    rig.until(look, timeout=10, what=f"a {kind.__name__}")
    return found[-1]


class TestSignIn:
    @pytest.fixture
    def signed_in(self) -> bool:
        return False

    def test_sign_in_through_the_verification_page(self, rig: UiRig) -> None:
        from pawpado_desktop.ui.windows.sign_in import SignInDialog

        rig.choose(Act.SIGN_IN)
        dialog = visible(rig, SignInDialog)
        assert isinstance(dialog, SignInDialog)
        rig.until(dialog.open_button.isEnabled, what="the code")
        codes = rig.sim.control.pending_user_codes()
        assert dialog.code.text() in codes
        # The QR code carries the complete verification link.
        assert dialog.qr.pixmap() is not None and not dialog.qr.pixmap().isNull()
        assert dialog._link.endswith(dialog.code.text()) or dialog.code.text() in dialog._link
        assert len(qr_matrix(dialog._link)) >= 21

        dialog.copy_code.click()
        assert QApplication.clipboard().text() == dialog.code.text()
        dialog.open_button.click()
        rig.until(lambda: rig.opened_urls, what="the browser to open")
        link = rig.opened_urls[-1]
        assert link == dialog._link

        # The user presses Approve on the page the browser opened.
        page = httpx.get(link, timeout=10)
        assert page.status_code == 200 and 'id="approve"' in page.text
        approved = httpx.post(
            link.split("?")[0],
            data={"user_code": dialog.code.text(), "action": "approve"},
            timeout=10,
        )
        assert approved.status_code == 200
        rig.until(lambda: rig.state.signed_in and rig.state.credits is not None, what="sign-in")
        # The dialog says so once the core's sign-in call has returned, a moment later.
        rig.until(lambda: "Signed in as Demo Gamer" in dialog.status.text(), what="the greeting")
        rig.until(lambda: rig.app.tray.shown[0] is TrayStatus.IDLE, what="the idle icon")
        rig.until(lambda: not dialog.isVisible(), what="the dialog to close itself")

    def test_cancel_stops_the_sign_in(self, rig: UiRig) -> None:
        from pawpado_desktop.ui.windows.sign_in import SignInDialog

        rig.choose(Act.SIGN_IN)
        dialog = visible(rig, SignInDialog)
        assert isinstance(dialog, SignInDialog)
        rig.until(dialog.open_button.isEnabled, what="the code")
        dialog.cancel_button.click()
        rig.settle(0.3)
        assert not dialog.isVisible()
        assert not rig.state.signed_in
        assert rig.app.tray.shown[0] is TrayStatus.SIGNED_OUT


def test_settings_are_saved_and_a_rejected_field_is_marked(rig: UiRig) -> None:
    from pawpado_desktop.ui.windows.settings import SettingsDialog

    rig.choose(Act.SETTINGS)
    dialog = visible(rig, SettingsDialog)
    assert isinstance(dialog, SettingsDialog)
    rig.until(lambda: "streamFps" in dialog.server_fields, what="the server settings")
    fps = dialog.server_fields["streamFps"]
    assert isinstance(fps, QComboBox)
    fps.setCurrentIndex(fps.findData(120))
    dialog.grace.setValue(0)
    dialog.notification_level.setCurrentIndex(dialog.notification_level.findData("important"))
    dialog.save_button.click()
    rig.until(lambda: not dialog.isVisible(), what="the dialog to close after saving")
    assert rig.sim.control.settings()["streamFps"] == 120
    saved = json.loads((config_dir() / "settings.json").read_text())
    assert saved["stop_grace_minutes"] == 0 and saved["notification_level"] == "important"
    assert rig.core.local_settings.notification_level == "important"

    # The server turns a value down: the message appears next to that field.
    rig.sim.control.replace_responses(
        "/api/v1/settings",
        FaultResponse(
            400,
            b'{"error":"VALIDATION_ERROR","message":"bitrateKbps: too high for this gaming PC"}',
            "application/json",
        ),
        method="PATCH",
    )
    rig.choose(Act.SETTINGS)
    dialog = visible(rig, SettingsDialog)
    assert isinstance(dialog, SettingsDialog)
    rig.until(lambda: "bitrateKbps" in dialog.server_fields, what="the server settings")
    bitrate = dialog.server_fields["bitrateKbps"]
    assert isinstance(bitrate, QSpinBox)
    bitrate.setValue(90000)
    dialog.save_button.click()
    error = dialog.errors["bitrateKbps"]
    rig.until(error.isVisible, what="the field error")
    assert "too high for this gaming PC" in error.text()
    assert dialog.isVisible()
    # A local field the app itself refuses.
    dialog.moonlight_app.setText("  ")
    dialog.save_button.click()
    rig.until(dialog.errors["moonlight_app"].isVisible, what="the local field error")
    dialog.close()


def test_top_up_from_the_menu_is_credited(rig: UiRig) -> None:
    before = rig.state.credits.balance
    menu = rig.open_menu()
    hour = next(a for a in _all_actions(menu) if a.text().startswith("1 h of play"))
    hour.trigger()
    rig.close_menu()
    rig.until(lambda: rig.opened_urls, what="the checkout page")
    checkout = rig.sim.control.checkouts()[-1]
    assert Decimal(checkout["amount"]) == Decimal(30000)
    rig.until(lambda: "Finish the top-up in your browser" in rig.notifyd.titles(), what="the hint")
    # The user presses Pay on the checkout page.
    paid = httpx.post(rig.opened_urls[-1], data={"action": "pay"}, timeout=10)
    assert paid.status_code == 303  # back to the app's return page (not followed here)
    rig.until(lambda: "Top-up credited" in rig.notifyd.titles(), timeout=30, what="the credit")
    assert rig.state.credits.balance == before + 30000
    assert "Rp 130.000" in rig.app.tray.icon.toolTip()


def test_custom_top_up_amount(rig: UiRig) -> None:
    from pawpado_desktop.ui.windows.topup import TopupDialog

    rig.choose(Act.TOPUP_CUSTOM)
    dialog = visible(rig, TopupDialog)
    assert isinstance(dialog, TopupDialog)
    dialog.amount_edit.setText("5000")
    assert not dialog.pay.isEnabled()
    assert "The smallest top-up is Rp 10.000" in dialog.preview.text()
    dialog.amount_edit.setText("500.000.000")  # an extra zero or three: refused, as in the CLI
    assert not dialog.pay.isEnabled()
    assert "The largest top-up is Rp 10.000.000" in dialog.preview.text()
    dialog.amount_edit.setText("50,000")
    assert dialog.pay.isEnabled()
    assert "Rp 50.000 buys about 1 h 40 min of play" in dialog.preview.text()
    dialog.pay.click()
    rig.until(lambda: rig.opened_urls, what="the checkout page")
    assert Decimal(rig.sim.control.checkouts()[-1]["amount"]) == Decimal(50000)


def test_delete_account_needs_the_typed_email(rig: UiRig) -> None:
    from pawpado_desktop.ui.windows.account import DeleteAccountDialog

    rig.choose(Act.DELETE_ACCOUNT)
    dialog = visible(rig, DeleteAccountDialog)
    assert isinstance(dialog, DeleteAccountDialog)
    assert not dialog.delete_button.isEnabled()
    dialog.typed.setText("someone@else.example")
    assert not dialog.delete_button.isEnabled()
    dialog.typed.setText("GAMER@example.com")
    assert dialog.delete_button.isEnabled()
    dialog.delete_button.click()
    rig.until(lambda: not rig.state.signed_in, what="the sign-out")
    rig.until(lambda: "Account deletion scheduled" in rig.notifyd.titles(), what="the notice")
    shown = rig.notifyd.find("Account deletion scheduled")
    assert shown is not None and "You have been signed out" in shown.body
    assert rig.app.tray.shown[0] is TrayStatus.SIGNED_OUT


def _all_actions(menu):  # type: ignore[no-untyped-def]
    for action in menu.actions():
        sub = action.menu()
        if sub is not None:
            yield from _all_actions(sub)
        else:
            yield action
