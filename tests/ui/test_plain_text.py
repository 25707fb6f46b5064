"""A hostile server's text and addresses in the tray: shown as written, nothing clickable,
nothing opened.

The simulator answers with rich text, markup and hostile addresses; the tray's
browser is the rig's recorder (`rig.opened_urls`), which must stay empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.present.menu import Act
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.dbus_fakes import FakeNotificationDaemon, PrivateBus
from tests.support.ui import UiRig

LINK = '<a href="file:///etc/passwd">Open your receipt</a>'
SAID = f"<b>Payment</b> refused & retry: {LINK} <img src='file:///etc/hosts'>"


@pytest.fixture
def notifyd(private_bus: PrivateBus) -> Iterator[FakeNotificationDaemon]:
    """A daemon that reads markup in bodies, as GNOME's and KDE's do."""
    daemon = FakeNotificationDaemon(
        private_bus.address, capabilities=("actions", "body", "body-markup")
    ).start()
    try:
        yield daemon
    finally:
        daemon.stop()


AMOUNT = Decimal(30000)


def refuse_with(
    rig: UiRig, path: str, message: str, method: str = "POST", count: int = 1
) -> None:
    rig.sim.control.replace_responses(
        path,
        FaultResponse(
            400,
            json.dumps({"error": "ODD_REFUSAL", "message": message}).encode(),
            "application/json",
        ),
        method=method,
        count=count,
    )


def labels_showing(text: str) -> list[QLabel]:
    return [
        w for w in QApplication.allWidgets() if isinstance(w, QLabel) and text in w.text()
    ]


def assert_nothing_clickable(labels: list[QLabel]) -> None:
    assert labels, "the text is not shown at all"
    for widget in labels:
        assert widget.textFormat() is Qt.TextFormat.PlainText, widget.objectName()
        assert not widget.openExternalLinks()
        flags = widget.textInteractionFlags()
        assert not flags & Qt.TextInteractionFlag.LinksAccessibleByMouse
        assert not flags & Qt.TextInteractionFlag.LinksAccessibleByKeyboard


def test_the_error_box_shows_a_servers_link_as_text(rig: UiRig) -> None:
    refuse_with(rig, "/api/v1/credits/topup", SAID)

    async def fail() -> PawpadoError:
        try:
            await rig.core.topup(AMOUNT)
        except PawpadoError as error:
            return error
        raise AssertionError("the top-up did not fail")

    error = rig.run(fail())
    assert LINK in error.message
    rig.app.windows.show_error(error.title, error.message)  # as the excepthook and start-up do
    box = rig.app.windows.error_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.textFormat() is Qt.TextFormat.PlainText
    assert LINK in box.informativeText()
    assert_nothing_clickable(labels_showing(LINK))
    for inner in box.findChildren(QLabel):
        assert inner.textFormat() is Qt.TextFormat.PlainText
    assert rig.opened_urls == []
    box.hide()


def test_a_notification_body_is_escaped_for_the_daemons_markup(rig: UiRig) -> None:
    assert rig.notifyd is not None
    refuse_with(rig, "/api/v1/credits/topup", SAID)
    rig.app.perform(Act.TOPUP, AMOUNT)
    rig.until(lambda: rig.notifyd is not None and rig.notifyd.shown, what="the error notice")
    shown = rig.notifyd.shown[-1]
    assert "<" not in shown.body and ">" not in shown.body
    assert "&lt;a href=&quot;" not in shown.body  # quotes need no escaping in a text node
    assert '&lt;a href="file:///etc/passwd"&gt;Open your receipt&lt;/a&gt;' in shown.body
    assert "refused &amp; retry" in shown.body
    assert rig.opened_urls == []


def test_dialog_labels_show_server_text_as_written(rig: UiRig) -> None:
    from pawpado_desktop.ui.windows.settings import SettingsDialog

    refuse_with(rig, "/api/v1/settings", SAID, method="GET", count=100)
    rig.choose(Act.SETTINGS)
    rig.until(lambda: labels_showing(LINK), what="the settings' server note")
    assert_nothing_clickable(labels_showing(LINK))
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, SettingsDialog)]
    for dialog in dialogs:
        dialog.close()
    rig.sim.control.clear_faults()


class TestSignInAddresses:
    @pytest.fixture
    def signed_in(self) -> bool:
        return False

    @pytest.mark.parametrize(
        ("url", "named"),
        [
            ("file:///etc/shadow", "(a file: address, no host)"),
            ("javascript:alert(1)", "(a javascript: address, no host)"),
            ("\\\\evil-share\\public\\setup.exe", "on evil-share (a network path)"),
            ("https://evil.example/device", "on evil.example,"),
        ],
    )
    def test_a_hostile_sign_in_page_is_refused_and_named(
        self, rig: UiRig, url: str, named: str
    ) -> None:
        from pawpado_desktop.ui.windows.sign_in import SignInDialog

        rig.sim.control.set_answer_urls(verification_uri_complete=url)
        rig.choose(Act.SIGN_IN)
        rig.until(
            lambda: any(
                isinstance(w, SignInDialog) and named in w.status.text()
                for w in QApplication.topLevelWidgets()
            ),
            what="the refusal in the dialog",
        )
        dialog = rig.app.windows.sign_in
        assert isinstance(dialog, SignInDialog)
        assert not dialog.open_button.isEnabled()
        assert_nothing_clickable([dialog.status])
        assert "etc/shadow" not in dialog.status.text() and "setup.exe" not in dialog.status.text()
        assert rig.opened_urls == []
        assert rig.sim.control.pending_user_codes() != []  # asked, and refused the answer
        dialog.reject()

    def test_the_dialog_shows_the_host_before_opening(self, rig: UiRig) -> None:
        from pawpado_desktop.ui.windows.sign_in import SignInDialog

        rig.choose(Act.SIGN_IN)
        rig.until(lambda: rig.app.windows.sign_in is not None, what="the dialog")
        dialog = rig.app.windows.sign_in
        assert isinstance(dialog, SignInDialog)
        rig.until(dialog.open_button.isEnabled, what="the code")
        assert dialog.host.text() == "The sign-in page is on 127.0.0.1"
        assert_nothing_clickable([dialog.code, dialog.host])
        assert rig.opened_urls == []
        dialog.open_button.click()
        rig.until(lambda: rig.opened_urls, what="the browser to open")
        assert rig.opened_urls[-1].startswith(rig.sim.issuer_url + "/device?user_code=")
        dialog.reject()


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("http://pay.attacker.example/checkout", "on pay.attacker.example"),
        ("file:///C:/Windows/System32/calc.exe", "(a file: address, no host)"),
        ("\\\\evil-share\\pay\\checkout.exe", "on evil-share (a network path)"),
    ],
)
def test_a_hostile_checkout_is_refused_and_named(rig: UiRig, url: str, named: str) -> None:
    assert rig.notifyd is not None
    rig.sim.control.set_answer_urls(checkout_url=url)
    rig.app.perform(Act.TOPUP, AMOUNT)
    rig.until(
        lambda: rig.notifyd is not None and "Unsafe address refused" in rig.notifyd.titles(),
        what="the refusal",
    )
    shown = rig.notifyd.find("Unsafe address refused")
    assert shown is not None and named in shown.body
    assert "Finish the top-up in your browser" not in rig.notifyd.titles()
    assert rig.opened_urls == []


def test_the_top_up_hint_names_the_checkout_host(rig: UiRig) -> None:
    assert rig.notifyd is not None
    rig.app.perform(Act.TOPUP, AMOUNT)
    rig.until(lambda: rig.opened_urls, what="the checkout page")
    rig.until(
        lambda: rig.notifyd is not None
        and "Finish the top-up in your browser" in rig.notifyd.titles(),
        what="the hint",
    )
    hint = rig.notifyd.find("Finish the top-up in your browser")
    assert hint is not None and "on 127.0.0.1" in hint.body
    assert rig.opened_urls[-1].startswith(rig.sim.base_url + "/_sim/checkout/")
