"""The tray and the CLI say the same words for the same state (issue 14).

Each state is rendered twice: through the tray's menu, as Qt draws it (a real
QMenu filled by `ui/menu.fill`, its information lines read back with the
escaped `&` undone), and through the CLI's `status` text (`print_status`, its
stdout captured). The lines must be the same, in the same order, in English and
in Indonesian.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QApplication, QMenu

from pawpado_desktop.api.models import StorageBilling
from pawpado_desktop.cli.session_commands import print_status
from pawpado_desktop.core.state import AppState, Attention, PhaseStep, PlayPhase, PlayProgress
from pawpado_desktop.core.types import (
    ConnectionPath,
    Credits,
    Identity,
    PathKind,
    SessionState,
    SessionStatus,
)
from pawpado_desktop.present import i18n
from pawpado_desktop.present.menu import menu_entries
from pawpado_desktop.ui.menu import fill

NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
MONO = 1000.0
STARTED = NOW - timedelta(minutes=12, seconds=30)
STEPS = (
    PhaseStep(PlayPhase.PREFLIGHT, MONO - 40, MONO - 38),
    PhaseStep(PlayPhase.BOOTING, MONO - 38),
)
CREDITS = Credits(Decimal("100000.00"), "IDR", Decimal("500.00"), Decimal("7500.00"), 10.0, 100.0)
SIGNED_IN = AppState(
    signed_in=True,
    identity=Identity("u-1", "gamer@example.com", NOW, "Demo Gamer"),
    credits=CREDITS,
)
RUNNING = SessionStatus(SessionState.RUNNING, True, "running", started_at=STARTED)
STORAGE = StorageBilling(
    "standard-100",
    100.0,
    37.5,
    Decimal("75000.00"),
    "IDR",
    NOW - timedelta(days=6),
    NOW + timedelta(days=24),
)


def signed_in(**changes: object) -> AppState:
    return replace(SIGNED_IN, **changes)  # type: ignore[arg-type]


STATES = {
    "signed out": AppState(),
    "signed out in the demo": AppState(demo=True),
    "idle with a balance": signed_in(),
    "low balance, cannot start": signed_in(
        credits=replace(CREDITS, balance=Decimal("5000.00")), attention=Attention.LOW
    ),
    "balance run out": signed_in(
        credits=replace(CREDITS, balance=Decimal(0)), attention=Attention.EMPTY
    ),
    "booting": signed_in(
        session=SessionStatus(SessionState.PROVISIONING, False, "provisioning", started_at=NOW),
        play=PlayProgress(PlayPhase.BOOTING, STEPS),
    ),
    "streaming with cost and connection": signed_in(
        session=RUNNING,
        play=PlayProgress(PlayPhase.STREAMING, STEPS),
        runs_out_at=NOW + timedelta(hours=3),
        connection=ConnectionPath(PathKind.RELAYED, relay_code="sin", rtt_ms=95.4),
    ),
    "grace countdown": signed_in(
        session=RUNNING,
        play=PlayProgress(PlayPhase.GRACE, STEPS, grace_deadline=NOW + timedelta(minutes=4)),
    ),
    "running elsewhere, getting ready": signed_in(
        session=SessionStatus(SessionState.RUNNING, False, "running", started_at=STARTED)
    ),
    "stopping": signed_in(
        session=SessionStatus(SessionState.STOPPING, False, "stopping", started_at=STARTED)
    ),
    "offline, Pawpado down": signed_in(
        session=RUNNING, offline="Pawpado answered HTTP 502.", service="down"
    ),
    "offline, this computer": signed_in(offline="No connection.", service="offline"),
    "storage": signed_in(storage=STORAGE),
}

# A few lines each state must show in English (so neither side can pass by showing nothing).
EXPECTED = {
    "signed out": "Not signed in",
    "idle with a balance": "Balance Rp 100.000 · about 3 h 20 min of play",
    "low balance, cannot start": "Balance Rp 5.000 · about 10 min of play · "
    "Rp 7.500 needed to start",
    "booting": "Your gaming PC is booting · 0:40",
    "streaming with cost and connection": "Relayed via Singapore · 95 ms",
    "grace countdown": "Stream ended · stops in 4:00",
    "stopping": "Stopping your gaming PC",
    "offline, Pawpado down": "Pawpado is down · your gaming PC's state is unknown",
    "storage": "Storage standard-100 · 37.5 of 100 GB used",
}


def as_shown(text: str) -> str:
    """A menu text as the user reads it: `&&` is an `&`, a lone `&` marks a mnemonic."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def tray_lines(state: AppState) -> list[str]:
    """The information lines of the tray's menu and its submenus, top to bottom."""
    menu = QMenu()
    fill(menu, menu_entries(state, NOW, MONO, playing=False), lambda _entry: None)

    def read(menu: QMenu) -> Iterator[str]:
        for item in menu.actions():
            sub = item.menu()
            if isinstance(sub, QMenu):
                yield from read(sub)
            elif item.objectName().startswith("info:"):
                yield as_shown(item.text())

    try:
        return list(read(menu))
    finally:
        menu.deleteLater()


def cli_lines(state: AppState, capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    print_status(state, NOW, MONO)
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("name", list(STATES))
def test_the_tray_and_the_cli_show_the_same_lines(
    name: str, language: str, qapp: QApplication, capsys: pytest.CaptureFixture[str]
) -> None:
    state = STATES[name]
    shown = tray_lines(state)
    assert shown, name
    assert cli_lines(state, capsys) == shown
    if language == "en" and name in EXPECTED:
        assert EXPECTED[name] in shown, shown
    if language == "id":
        i18n.set_language("en")
        english = tray_lines(state)
        i18n.set_language("id")
        assert shown != english, f"{name}: not translated: {shown}"
