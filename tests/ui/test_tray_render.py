"""Every state the core can be in, as the user sees it: icon, tooltip, menu."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from pawpado_desktop.api.models import SessionState, SessionStatus
from pawpado_desktop.core.play import StartFailed
from pawpado_desktop.core.state import Attention, PhaseStep, PlayPhase, PlayProgress
from pawpado_desktop.present.menu import Badge, TrayStatus
from pawpado_desktop.tailscale.models import ConnectionPath, PathKind
from pawpado_desktop.ui.icons import IconForm, TrayIcons, form_for
from tests.support.ui import UiRig


def session(state: SessionState, *, ready: bool = False, minutes: float = 12) -> SessionStatus:
    return SessionStatus(state=state, ready=ready, raw_state=state.value, started_at=None)


def test_every_state_has_its_icon_tooltip_and_menu(
    rig: UiRig, request: pytest.FixtureRequest
) -> None:
    rig.run(rig.core._poller.stop())  # the test sets the states; no poll overwrites them
    # The tooltips count down from `now`: a clock that all but stands still keeps them
    # exact however busy the machine (back to its pace before the rig shuts down).
    pace = rig.clock.speed
    rig.clock.set_speed(0.001)
    request.addfinalizer(lambda: rig.clock.set_speed(pace))
    store = rig.core.store
    now = rig.clock.now()
    mono = rig.clock.monotonic()
    base = store.state
    started = now - timedelta(minutes=12, seconds=30)
    running = SessionStatus(SessionState.RUNNING, True, "running", started_at=started)
    booting = SessionStatus(SessionState.PROVISIONING, False, "provisioning", started_at=now)
    stopping = SessionStatus(SessionState.STOPPING, False, "stopping", started_at=started)
    steps = (
        PhaseStep(PlayPhase.PREFLIGHT, mono - 40, mono - 38),
        PhaseStep(PlayPhase.BOOTING, mono - 38),
    )
    cases = [
        (
            "idle",
            {},
            TrayStatus.IDLE,
            ["Ready to play", "Balance Rp 100.000 · about 3 h 20 min of play"],
            {"Play": True, "Top up > 1 h of play · Rp 30.000": True, "Account > Sign out": True},
        ),
        (
            "booting",
            {"session": booting, "play": PlayProgress(PlayPhase.BOOTING, steps)},
            TrayStatus.STARTING,
            ["Your gaming PC is booting · 0:40"],
            {"Show progress": True, "Cancel start": True},
        ),
        (
            "streaming",
            {
                "session": running,
                "play": PlayProgress(PlayPhase.STREAMING, steps),
                "runs_out_at": now + timedelta(hours=3),
                "connection": ConnectionPath(PathKind.DIRECT, "13.250.1.10:41641", rtt_ms=18.2),
            },
            TrayStatus.READY,
            ["Streaming", "Running for 12 min · Rp 6.500 so far · runs out at"],
            {"Stop session": True, "Direct · 18 ms": False},
        ),
        (
            "streaming relayed",
            {
                "session": running,
                "play": PlayProgress(PlayPhase.STREAMING, steps),
                "connection": ConnectionPath(PathKind.RELAYED, relay_code="sin", rtt_ms=95),
            },
            TrayStatus.READY,
            ["Streaming"],
            {"Relayed via Singapore · 95 ms": False},
        ),
        (
            "grace",
            {
                "session": running,
                "play": PlayProgress(
                    PlayPhase.GRACE, steps, grace_deadline=now + timedelta(minutes=4, seconds=59)
                ),
            },
            TrayStatus.READY,
            ["Stream ended · stops in 4:5"],
            {"Reconnect": True, "Keep running": True, "Stop now": True},
        ),
        (
            "running without a Play",
            {"session": running},
            TrayStatus.READY,
            ["Your gaming PC is running", "Running for 12 min"],
            {"Reconnect": True, "Stop session": True},
        ),
        (
            "stopping",
            {"session": stopping},
            TrayStatus.STOPPING,
            ["Stopping your gaming PC"],
            {"Stopping…": False},
        ),
        (
            "failed",
            {
                "play": PlayProgress(PlayPhase.FAILED, steps),
                "last_error": StartFailed("No GPU free."),
            },
            TrayStatus.ERROR,
            ["Last attempt failed: Your gaming PC could not start"],
            {"Play": True},
        ),
        (
            "too little to start",
            {
                "credits": replace(base.credits, balance=Decimal("5000.00")),
                "attention": Attention.LOW,
            },
            TrayStatus.IDLE,
            ["Balance Rp 5.000 · about 10 min of play · Rp 7.500 needed to start"],
            {"Play (top up first)": False, "Top up > Other amount…": True},
        ),
        (
            "signed out",
            {"signed_in": False, "identity": None, "credits": None},
            TrayStatus.SIGNED_OUT,
            ["Not signed in"],
            {"Sign in…": True, "Quit": True},
        ),
    ]
    for name, changes, status, tips, items in cases:
        store.update(**{**base.__dict__, **changes})
        rig.app.presenter.error_seen = False
        rig.settle()
        shown = rig.app.tray.shown
        assert shown is not None and shown[0] is status, f"{name}: icon {shown}"
        tip = rig.app.tray.icon.toolTip()
        for fragment in tips:
            assert fragment in tip, f"{name}: {fragment!r} not in tooltip {tip!r}"
        menu = dict(rig.menu_items())
        for text, enabled in items.items():
            assert menu.get(text) is enabled, f"{name}: menu {text!r} should be {enabled}: {menu}"
        if status is not TrayStatus.SIGNED_OUT:
            assert "Sign in…" not in menu, name
        if status is not TrayStatus.IDLE:
            assert "Play" not in menu or name == "failed", name


def test_badge_and_icon_change_only_when_the_state_does(rig: UiRig) -> None:
    rig.run(rig.core._poller.stop())
    store = rig.core.store
    before = rig.app.tray.icon_changes
    key = rig.app.tray.icon.icon().cacheKey()
    for _ in range(3):
        store.update(warning=f"changes that do not touch the icon {_}")
        rig.settle()
    assert rig.app.tray.icon_changes == before
    assert rig.app.tray.icon.icon().cacheKey() == key

    store.update(attention=Attention.LOW)
    rig.settle()
    assert rig.app.tray.shown == (TrayStatus.IDLE, Badge.LOW)
    store.update(attention=Attention.CRITICAL)
    rig.settle()
    assert rig.app.tray.shown == (TrayStatus.IDLE, Badge.CRITICAL)
    assert rig.app.tray.icon_changes == before + 2
    assert rig.app.tray.icon.icon().cacheKey() != key


def test_error_icon_clears_once_the_user_has_seen_it(rig: UiRig) -> None:
    rig.run(rig.core._poller.stop())
    rig.core.store.update(
        play=PlayProgress(PlayPhase.FAILED),
        last_error=StartFailed("The start failed."),
    )
    rig.settle()
    assert rig.app.tray.shown[0] is TrayStatus.ERROR
    items = dict(rig.menu_items())  # opens and closes the menu
    assert "Last attempt failed: Your gaming PC could not start" in items
    rig.settle()
    assert rig.app.tray.shown[0] is TrayStatus.IDLE


def _glyph_colour(icons: TrayIcons) -> QColor:
    image = icons.icon(TrayStatus.IDLE).pixmap(64, 64).toImage()
    return image.pixelColor(32, 44)  # the middle of the paw's pad


def test_icon_forms_suit_the_panel() -> None:
    assert form_for("darwin", Qt.ColorScheme.Dark) is IconForm.TEMPLATE
    assert form_for("linux", Qt.ColorScheme.Light) is IconForm.LIGHT
    assert form_for("linux", Qt.ColorScheme.Dark) is IconForm.DARK
    assert form_for("win32", Qt.ColorScheme.Unknown) is IconForm.DARK
    assert _glyph_colour(TrayIcons(IconForm.LIGHT)).lightness() < 80
    assert _glyph_colour(TrayIcons(IconForm.DARK)).lightness() > 200
    template = TrayIcons(IconForm.TEMPLATE).icon(TrayStatus.READY)
    assert template.isMask()


def test_colour_scheme_change_redraws_the_icon(rig: UiRig) -> None:
    tray = rig.app.tray
    other = IconForm.LIGHT if tray.icons.form is not IconForm.LIGHT else IconForm.DARK
    before = tray.icon.icon().cacheKey()
    tray.use_form(other)
    assert tray.icons.form is other
    assert tray.icon.icon().cacheKey() != before
    assert tray.shown is not None


def test_menu_is_rebuilt_when_opened_and_live_while_open(rig: UiRig) -> None:
    rig.run(rig.core._poller.stop())
    store = rig.core.store
    store.update(credits=replace(store.state.credits, balance=Decimal("42000.00")))
    assert "Balance Rp 42.000 · about 1 h 24 min of play" in dict(rig.menu_items())
    menu = rig.open_menu()
    rebuilds = rig.app.presenter.menu_renderer.rebuilds
    store.update(credits=replace(store.state.credits, balance=Decimal("41500.00")))
    rig.until(
        lambda: any("Rp 41.500" in a.text() for a in menu.actions()),
        timeout=5,
        what="the open menu to show the new balance",
    )
    assert rig.app.presenter.menu_renderer.rebuilds == rebuilds  # updated in place, not rebuilt
    rig.close_menu()
