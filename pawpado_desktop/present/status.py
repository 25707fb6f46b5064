"""The status lines: what the tray's menu and status window and the CLI's `status` say.

Pure functions of a state snapshot and the time, so every state is testable without
a screen or a process; the tray shows each line as a menu entry, the CLI prints it.
One wording per fact, in the current language. Decisions stay in the core: this
only chooses the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.core.types import PathKind, SessionState, region_name
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.errors import text_of
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.progress import phase_label

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

# While offline, what `core.health` found (see docs/TROUBLESHOOTING.md); until it has
# answered, or when Pawpado itself is up, just "Offline" (the problem line says why).
SERVICE_LINES = {
    "down": "Pawpado is down · your gaming PC's state is unknown",
    "unreachable": "Pawpado is unreachable or down (your internet works) · your gaming PC's "
    "state is unknown",
    "offline": "You are offline · your gaming PC's state is unknown",
}


@dataclass(frozen=True)
class Line:
    """One line of status; `name` is stable (the tray updates a line in place by it)."""

    name: str
    text: str


def offline(state: AppState) -> bool:
    """Pawpado could not be read: its last session state and balance are not confirmed,
    so they are not shown as facts (what the Play itself does is still known)."""
    return state.signed_in and bool(state.offline)


def failed(state: AppState) -> bool:
    return state.play.phase is PlayPhase.FAILED or state.session_state is SessionState.ERROR


def session_active(state: AppState) -> bool:
    return state.session is not None and state.session.state.is_active


def can_start(state: AppState) -> bool:
    credits = state.credits
    return credits is None or credits.shortfall_to_start <= 0


def identity_line(state: AppState) -> str:
    if not state.signed_in:
        return tr("Not signed in")
    if state.identity is None:
        return tr("Signed in")
    return tr("Signed in as {who}", who=state.identity.display_name)


def balance_line(state: AppState) -> str | None:
    credits = state.credits
    if credits is None or offline(state):
        return None
    amount = fmt.money(credits.balance, credits.currency)
    minutes = credits.minutes_left
    if minutes is None:
        return tr("Balance {amount}", amount=amount)
    if minutes <= 0:
        return tr("Balance {amount} · top up to play", amount=amount)
    line = tr("Balance {amount} · about {time} of play", amount=amount, time=fmt.minutes(minutes))
    if not can_start(state) and not session_active(state):
        needed = fmt.money(credits.minimum_start_balance, credits.currency)
        line += " · " + tr("{amount} needed to start", amount=needed)
    return line


def play_elapsed(state: AppState, mono: float) -> float:
    steps = state.play.steps
    return mono - steps[0].started if steps else 0.0


def status_line(state: AppState, now: datetime, mono: float) -> str | None:
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
    if not state.signed_in:
        return None
    if offline(state):
        said = SERVICE_LINES.get(state.service)
        return tr(said) if said else tr("Offline · your gaming PC's state is unknown")
    session = state.session
    if session is not None and session.state is SessionState.UNKNOWN:
        return tr("Your gaming PC is {state}", state=session.raw_state)  # it may bill
    current = state.session_state
    if current is SessionState.STOPPING:
        return tr("Stopping your gaming PC")
    if current.is_booting:
        return tr("Your gaming PC is starting")
    if current is SessionState.RUNNING:
        if session is not None and not session.ready:
            return tr("Your gaming PC is running · getting ready")
        return tr("Your gaming PC is running")
    if failed(state):
        return None  # the problem line says what failed
    return tr("Ready to play") if can_start(state) else tr("Your gaming PC is stopped")


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


def cost_line(state: AppState, now: datetime) -> str | None:
    """How long the session has run and what it cost, while it bills."""
    session = state.session
    if session is None or not session.state.is_active or session.started_at is None:
        return None
    if offline(state):
        return None
    minutes = int(max(0.0, (now - session.started_at).total_seconds()) // 60)
    cost = state.cost_so_far(now)
    if cost is None or state.credits is None:
        return tr("Running for {time}", time=fmt.minutes(minutes))
    spent = fmt.money(cost, state.credits.currency)
    line = tr("Running for {time} · {amount} so far", time=fmt.minutes(minutes), amount=spent)
    if state.runs_out_at is not None:
        line += " · " + tr("runs out at {time}", time=fmt.time_of_day(state.runs_out_at))
    return line


def problem_line(state: AppState, *, error_seen: bool = False) -> str | None:
    if failed(state) and not error_seen:
        if state.last_error is not None:
            return tr("Last attempt failed: {title}", title=tr(state.last_error.title))
        if state.session is not None and state.session.message:
            return tr("Last attempt failed: {title}", title=state.session.message)
    if offline(state):
        return tr("Offline: {reason}", reason=text_of(state.offline))
    if state.warning and not state.demo:  # the demo keeps its sign-in in memory on purpose
        return text_of(state.warning)
    return None


def status_lines(
    state: AppState, now: datetime, mono: float, *, error_seen: bool = False
) -> list[Line]:
    """The lines at the top of the tray's menu and of `pawpado-desktop status`."""
    lines = [Line("demo", tr("Demo mode · nothing is real or billed"))] if state.demo else []
    lines.append(Line("identity", identity_line(state)))
    for name, text in (
        ("balance", balance_line(state)),
        ("status", status_line(state, now, mono)),
        ("connection", connection_line(state)),
        ("cost", cost_line(state, now)),
        ("problem", problem_line(state, error_seen=error_seen)),
    ):
        if text:
            lines.append(Line(name, text))
    return lines


def storage_lines(state: AppState) -> list[Line]:
    """The account's storage tier and billing period (the tray's Account submenu)."""
    storage = state.storage
    if storage is None:
        return []
    return [
        Line(
            "storage",
            tr(
                "Storage {tier} · {used} of {size} GB used",
                tier=storage.tier,
                used=fmt.number(storage.used_gb),
                size=fmt.number(storage.size_gb),
            ),
        ),
        Line(
            "storage_billing",
            tr(
                "{price} a month · period {start} – {end}",
                price=fmt.money(storage.price_per_month, storage.currency),
                start=fmt.date(storage.period_start),
                end=fmt.date(storage.period_end),
            ),
        ),
    ]
