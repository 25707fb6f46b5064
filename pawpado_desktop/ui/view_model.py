"""What the tray shows for an AppState: icon status, badge, tooltip, menu entries.

Pure functions of a state snapshot and the time, so every state is testable
without a screen; `tray.py`, `menu.py` and the status window draw the results.
Decisions stay in the core: this only chooses words and which actions apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pawpado_desktop.core.budget import topup_suggestions
from pawpado_desktop.core.state import AppState, Attention, PlayPhase
from pawpado_desktop.core.types import PathKind, SessionState, region_name
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.progress import phase_label
from pawpado_desktop.ui.money import MoneyFormat

STARTING_PHASES = frozenset(
    {
        PlayPhase.PREFLIGHT,
        PlayPhase.STARTING,
        PlayPhase.BOOTING,
        PlayPhase.WAITING_READY,
        PlayPhase.CONNECTING,
        PlayPhase.PAIRING,
    }
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


def offline(state: AppState) -> bool:
    """Pawpado could not be read: its last session state and balance are not confirmed,
    so they are not shown as facts (what the Play itself does is still known)."""
    return state.signed_in and bool(state.offline)


def failed(state: AppState) -> bool:
    return state.play.phase is PlayPhase.FAILED or state.session_state is SessionState.ERROR


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


def session_active(state: AppState) -> bool:
    return state.session is not None and state.session.state.is_active


# -- text ----------------------------------------------------------------------


def identity_line(state: AppState) -> str:
    if not state.signed_in:
        return tr("Not signed in")
    if state.identity is None:
        return tr("Signed in")
    who = state.identity.name or state.identity.email
    return tr("Signed in as {who}", who=who)


def balance_line(state: AppState, fmt: MoneyFormat) -> str | None:
    credits = state.credits
    if credits is None or offline(state):
        return None
    amount = fmt.money(credits.balance, credits.currency)
    minutes = credits.minutes_left
    if minutes is None:
        return tr("Balance {amount}", amount=amount)
    if minutes <= 0:
        return tr("Balance {amount} · top up to play", amount=amount)
    line = tr("Balance {amount} · about {time} of play", amount=amount, time=fmt.duration(minutes))
    if credits.shortfall_to_start > 0 and not session_active(state):
        needed = fmt.money(credits.minimum_start_balance, credits.currency)
        line += " · " + tr("{amount} needed to start", amount=needed)
    return line


def play_elapsed(state: AppState, mono: float) -> float:
    steps = state.play.steps
    return mono - steps[0].started if steps else 0.0


def status_line(state: AppState, now: datetime, mono: float, fmt: MoneyFormat) -> str | None:
    """Where the session is, in a few words, with its running time or countdown."""
    play = state.play
    if play.phase in STARTING_PHASES:
        return f"{phase_label(play.phase)} · {fmt.clock(play_elapsed(state, mono))}"
    if play.phase is PlayPhase.GRACE:
        if play.grace_deadline is not None:
            left = (play.grace_deadline - now).total_seconds()
            return tr("Stream ended · stops in {time}", time=fmt.clock(left))
        return tr("Stream ended")
    if play.phase in (PlayPhase.STREAMING, PlayPhase.STOPPING):
        return phase_label(play.phase)
    if offline(state):
        said = SERVICE_LINES.get(state.service)
        return tr(said) if said else tr("Offline · your gaming PC's state is unknown")
    session = state.session_state
    if session is SessionState.STOPPING:
        return tr("Stopping your gaming PC")
    if session.is_booting:
        return tr("Your gaming PC is starting")
    if session is SessionState.RUNNING:
        return tr("Your gaming PC is running")
    return None


def connection_line(state: AppState) -> str | None:
    """The path to the cloud PC while streaming: `Direct · 18 ms`."""
    path = state.connection
    if path is None:
        return None
    if path.kind is PathKind.DIRECT:
        text = tr("Direct")
    elif path.kind is PathKind.RELAYED and path.relay_code:
        text = tr("Relayed via {region}", region=region_name(path.relay_code))
    elif path.kind is PathKind.RELAYED:
        text = tr("Relayed")
    else:
        return tr("Connection path unknown")
    if path.rtt_ms is None:
        return text
    return tr("{path} · {ms} ms", path=text, ms=round(path.rtt_ms))


def cost_line(state: AppState, now: datetime, fmt: MoneyFormat) -> str | None:
    """How long the session has run and what it cost, while it bills."""
    session = state.session
    if session is None or not session.state.is_active or session.started_at is None:
        return None
    if offline(state):
        return None
    minutes = int(max(0.0, (now - session.started_at).total_seconds()) // 60)
    cost = state.cost_so_far(now)
    if cost is None or state.credits is None:
        return tr("Running for {time}", time=fmt.duration(minutes))
    spent = fmt.money(cost, state.credits.currency)
    line = tr("Running for {time} · {amount} so far", time=fmt.duration(minutes), amount=spent)
    if state.runs_out_at is not None:
        line += " · " + tr("runs out at {time}", time=fmt.time_of_day(state.runs_out_at))
    return line


def problem_line(state: AppState, *, error_seen: bool) -> str | None:
    if failed(state) and not error_seen:
        if state.last_error is not None:
            return tr("Last attempt failed: {title}", title=tr(state.last_error.title))
        if state.session is not None and state.session.message:
            return tr("Last attempt failed: {title}", title=state.session.message)
    if offline(state):
        return tr("Offline: {reason}", reason=state.offline)
    if state.warning and not state.demo:  # the demo keeps its sign-in in memory on purpose
        return state.warning
    return None


# While offline, what `core.health` found (see docs/TROUBLESHOOTING.md); until it has
# answered, or when Pawpado itself is up, just "Offline" (the problem line says why).
SERVICE_LINES = {
    "down": "Pawpado is down · your gaming PC's state is unknown",
    "unreachable": "Pawpado is unreachable or down (your internet works) · your gaming PC's "
    "state is unknown",
    "offline": "You are offline · your gaming PC's state is unknown",
}


def storage_lines(state: AppState, fmt: MoneyFormat) -> list[Entry]:
    """The account's storage tier and billing period (the Account submenu)."""
    storage = state.storage
    if storage is None:
        return []
    return [
        info(
            "storage",
            tr(
                "Storage {tier} · {used} of {size} GB used",
                tier=storage.tier,
                used=f"{storage.used_gb:g}",
                size=f"{storage.size_gb:g}",
            ),
        ),
        info(
            "storage_billing",
            tr(
                "{price} a month · period {start} – {end}",
                price=fmt.money(storage.price_per_month, storage.currency),
                start=fmt.date(storage.period_start),
                end=fmt.date(storage.period_end),
            ),
        ),
    ]


def tooltip(
    state: AppState,
    now: datetime,
    mono: float,
    fmt: MoneyFormat,
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
    lines = [title, status_line(state, now, mono, fmt) or STATUS_WORDS[status]()]
    for extra in (
        cost_line(state, now, fmt),
        balance_line(state, fmt),
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
    credits = state.credits
    can_start = credits is None or credits.shortfall_to_start <= 0
    if not can_start:
        return [
            action(Act.PLAY, tr("&Play (top up first)"), enabled=False),
            action(Act.TOPUP_PLAY, tr("Top up and p&lay…")),
        ]
    return [action(Act.PLAY, tr("&Play"))]


def topup_entries(state: AppState, fmt: MoneyFormat) -> tuple[Entry, ...]:
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


def info_entries(
    state: AppState, now: datetime, mono: float, fmt: MoneyFormat, *, error_seen: bool
) -> list[Entry]:
    lines = []
    if state.demo:
        lines.append(info("demo", tr("Demo mode · nothing is real or billed")))
    lines.append(info("identity", identity_line(state)))
    for name, text in (
        ("balance", balance_line(state, fmt)),
        ("status", status_line(state, now, mono, fmt)),
        ("connection", connection_line(state)),
        ("cost", cost_line(state, now, fmt)),
        ("problem", problem_line(state, error_seen=error_seen)),
    ):
        if text:
            lines.append(info(name, text))
    return lines


def menu_entries(
    state: AppState,
    now: datetime,
    mono: float,
    fmt: MoneyFormat,
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
    entries = info_entries(state, now, mono, fmt, error_seen=error_seen)
    entries.append(SEPARATOR)
    entries.extend(primary_actions(state, playing=playing))
    entries.append(SEPARATOR)
    if state.signed_in:
        entries.append(submenu(tr("Top &up"), *topup_entries(state, fmt)))
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
                *storage_lines(state, fmt),
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
