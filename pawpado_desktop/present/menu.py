"""The tray's menu model: its entries, the icon's status and badge, and the tooltip.

Pure functions of a state snapshot and the time, so every state is testable
without a screen; `ui/tray.py`, `ui/menu.py` and the status window draw the
results. The information lines are `present.status`'s, word for word what the
CLI's `status` prints. Decisions stay in the core: this only chooses words and
which actions apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pawpado_desktop.core.budget import topup_suggestions
from pawpado_desktop.core.state import AppState, Attention, PlayPhase
from pawpado_desktop.core.types import SessionState
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.status import (
    STARTING_PHASES,
    balance_line,
    can_start,
    cost_line,
    failed,
    offline,
    problem_line,
    status_line,
    status_lines,
    storage_lines,
)


class TrayStatus(StrEnum):
    """The tray icon's states; the values name the SVG files."""

    SIGNED_OUT = "signed-out"
    IDLE = "idle"
    STARTING = "starting"
    READY = "ready"
    STOPPING = "stopping"
    ERROR = "error"


class Badge(StrEnum):
    NONE = "none"
    LOW = "low"
    CRITICAL = "critical"


class Act(StrEnum):
    """What a menu entry or a window button asks for."""

    SIGN_IN = "sign_in"
    PLAY = "play"
    ATTACH = "attach"  # Play onto a session that is already running
    CANCEL = "cancel"
    PROGRESS = "progress"
    STOP_SESSION = "stop_session"
    RECONNECT = "reconnect"
    KEEP = "keep"
    STOP_NOW = "stop_now"
    TOPUP = "topup"  # the amount travels in Entry.amount
    TOPUP_CUSTOM = "topup_custom"
    TOPUP_PLAY = "topup_play"  # top up, then Play once the credit lands
    SETTINGS = "settings"
    SIGN_OUT = "sign_out"
    DELETE_ACCOUNT = "delete_account"
    OPEN_LOGS = "open_logs"
    COPY_DEBUG = "copy_debug"
    DEBUG_BUNDLE = "debug_bundle"
    SHOW_WINDOW = "show_window"
    HISTORY = "history"
    QUIT = "quit"


class Kind(StrEnum):
    INFO = "info"
    ACTION = "action"
    SUBMENU = "submenu"
    SEPARATOR = "separator"


@dataclass(frozen=True)
class Entry:
    kind: Kind
    text: str = ""
    act: Act | None = None
    enabled: bool = True
    children: tuple[Entry, ...] = ()
    amount: Decimal | None = None
    name: str = ""  # a stable name for info lines (live updates while the menu is open)


SEPARATOR = Entry(Kind.SEPARATOR)


def info(name: str, text: str) -> Entry:
    return Entry(Kind.INFO, text, enabled=False, name=name)


def action(act: Act, text: str, *, enabled: bool = True, amount: Decimal | None = None) -> Entry:
    return Entry(Kind.ACTION, text, act, enabled=enabled, amount=amount)


def submenu(text: str, *children: Entry) -> Entry:
    return Entry(Kind.SUBMENU, text, children=children)


# -- status --------------------------------------------------------------------


def tray_status(state: AppState, *, error_seen: bool = False) -> TrayStatus:
    if not state.signed_in:
        return TrayStatus.SIGNED_OUT
    phase = state.play.phase
    if phase in STARTING_PHASES:
        return TrayStatus.STARTING
    stopping = state.session_state is SessionState.STOPPING and not offline(state)
    if phase is PlayPhase.STOPPING or stopping:
        return TrayStatus.STOPPING
    if phase in (PlayPhase.STREAMING, PlayPhase.GRACE):
        return TrayStatus.READY
    if offline(state):
        return TrayStatus.ERROR  # the exclamation mark: the state is unknown
    session = state.session_state
    if session.is_booting:
        return TrayStatus.STARTING
    if session is SessionState.RUNNING:
        return TrayStatus.READY
    if failed(state) and not error_seen:
        return TrayStatus.ERROR
    return TrayStatus.IDLE


def badge(state: AppState) -> Badge:
    if not state.signed_in or state.credits is None:
        return Badge.NONE
    if state.attention in (Attention.CRITICAL, Attention.EMPTY):
        return Badge.CRITICAL
    if state.attention is Attention.LOW:
        return Badge.LOW
    return Badge.NONE


def tooltip(
    state: AppState,
    now: datetime,
    mono: float,
    *,
    error_seen: bool = False,
    loading: bool = False,
) -> str:
    title = tr("Pawpado (demo)") if state.demo else "Pawpado"
    if loading:
        return f"{title}\n{tr('Starting…')}"
    if not state.signed_in:
        return f"{title}\n{tr('Not signed in')}"
    status = tray_status(state, error_seen=error_seen)
    lines = [title, status_line(state, now, mono) or STATUS_WORDS[status]()]
    for extra in (
        cost_line(state, now),
        balance_line(state),
        problem_line(state, error_seen=error_seen),
    ):
        if extra:
            lines.append(extra)
    return "\n".join(lines)


STATUS_WORDS = {
    TrayStatus.SIGNED_OUT: lambda: tr("Not signed in"),
    TrayStatus.IDLE: lambda: tr("Ready to play"),
    TrayStatus.STARTING: lambda: tr("Starting"),
    TrayStatus.READY: lambda: tr("Your gaming PC is running"),
    TrayStatus.STOPPING: lambda: tr("Stopping your gaming PC"),
    TrayStatus.ERROR: lambda: tr("Something went wrong"),
}


# -- actions -------------------------------------------------------------------


def primary_actions(state: AppState, *, playing: bool) -> list[Entry]:
    """The actions that fit the moment: Play, Cancel, Reconnect, Stop..."""
    if not state.signed_in:
        return [action(Act.SIGN_IN, tr("&Sign in…"))]
    phase = state.play.phase
    session = state.session_state
    playing = playing or phase.is_running  # the phase says so even between polls
    if playing and phase in STARTING_PHASES:
        return [action(Act.PROGRESS, tr("Show pro&gress")), action(Act.CANCEL, tr("&Cancel start"))]
    if playing and phase is PlayPhase.GRACE:
        return [
            action(Act.RECONNECT, tr("&Reconnect")),
            action(Act.KEEP, tr("&Keep running")),
            action(Act.STOP_NOW, tr("S&top now")),
        ]
    if playing and phase is PlayPhase.STREAMING:
        return [
            action(Act.PROGRESS, tr("Show pro&gress")),
            action(Act.STOP_SESSION, tr("S&top session")),
        ]
    if playing or session is SessionState.STOPPING:
        return [action(Act.STOP_SESSION, tr("Stopping…"), enabled=False)]
    if session.is_active:
        return [
            action(Act.ATTACH, tr("&Reconnect")),
            action(Act.STOP_SESSION, tr("S&top session")),
        ]
    if not can_start(state):
        return [
            action(Act.PLAY, tr("&Play (top up first)"), enabled=False),
            action(Act.TOPUP_PLAY, tr("Top up and p&lay…")),
        ]
    return [action(Act.PLAY, tr("&Play"))]


def topup_entries(state: AppState) -> tuple[Entry, ...]:
    entries: list[Entry] = []
    credits = state.credits
    if credits is not None and credits.rate_per_minute > 0:
        for hours, amount in topup_suggestions(credits.rate_per_minute):
            text = tr(
                "{hours} h of play · {amount}",
                hours=hours,
                amount=fmt.money(amount, credits.currency),
            )
            entries.append(action(Act.TOPUP, text, amount=amount))
    entries.append(action(Act.TOPUP_CUSTOM, tr("&Other amount…")))
    return tuple(entries)


def info_entries(state: AppState, now: datetime, mono: float, *, error_seen: bool) -> list[Entry]:
    """The status lines, as the menu's first (disabled) entries."""
    return [
        info(line.name, line.text) for line in status_lines(state, now, mono, error_seen=error_seen)
    ]


def menu_entries(
    state: AppState,
    now: datetime,
    mono: float,
    *,
    playing: bool,
    error_seen: bool = False,
    loading: bool = False,
    month_spent: str | None = None,
) -> list[Entry]:
    if loading:
        return [
            info("status", tr("Starting…")),
            SEPARATOR,
            action(Act.QUIT, tr("&Quit")),
        ]
    entries = info_entries(state, now, mono, error_seen=error_seen)
    entries.append(SEPARATOR)
    entries.extend(primary_actions(state, playing=playing))
    entries.append(SEPARATOR)
    if state.signed_in:
        entries.append(submenu(tr("Top &up"), *topup_entries(state)))
        history = (
            tr("Hist&ory… ({amount} this month)", amount=month_spent)
            if month_spent
            else tr("Hist&ory…")
        )
        entries.append(action(Act.HISTORY, history))
    entries.append(action(Act.SETTINGS, tr("S&ettings…")))
    if state.signed_in:
        entries.append(
            submenu(
                tr("&Account"),
                *(info(line.name, line.text) for line in storage_lines(state)),
                *([SEPARATOR] if state.storage is not None else []),
                action(Act.SIGN_OUT, tr("Sign &out")),
                action(Act.DELETE_ACCOUNT, tr("&Delete account…")),
            )
        )
    entries.append(
        submenu(
            tr("&Help"),
            action(Act.SHOW_WINDOW, tr("Show &status window")),
            action(Act.OPEN_LOGS, tr("Open &log folder")),
            action(Act.COPY_DEBUG, tr("&Copy debug info")),
            action(Act.DEBUG_BUNDLE, tr("Save debug &bundle…")),
        )
    )
    entries.append(SEPARATOR)
    entries.append(action(Act.QUIT, tr("&Quit")))
    return entries
