"""The one observable app state that the tray and the CLI both render.

`AppState` is an immutable snapshot; `StateStore` holds the current one and tells
subscribers about every change. Renderers read snapshots and never hold logic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypedDict, Unpack

from pawpado_desktop.api.models import (
    Credits,
    Identity,
    SessionState,
    SessionStatus,
    StorageBilling,
)
from pawpado_desktop.core.facts import Detail
from pawpado_desktop.errors import PawpadoError, Phrase
from pawpado_desktop.tailscale.models import ConnectionPath

log = logging.getLogger(__name__)


class PlayPhase(StrEnum):
    """Where the Play pipeline is. IDLE when no Play is under way."""

    IDLE = "idle"
    PREFLIGHT = "preflight"
    STARTING = "starting"  # asking Pawpado to start (or attaching)
    BOOTING = "booting"  # the instance is provisioning/starting; the tailnet joins meanwhile
    WAITING_READY = "waiting_ready"
    CONNECTING = "connecting"
    PAIRING = "pairing"
    STREAMING = "streaming"
    GRACE = "grace"  # the stream ended; stopping after the grace period unless kept
    STOPPING = "stopping"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_running(self) -> bool:
        return self not in (PlayPhase.IDLE, PlayPhase.DONE, PlayPhase.FAILED, PlayPhase.CANCELLED)


@dataclass(frozen=True)
class PhaseStep:
    phase: PlayPhase
    started: float  # clock.monotonic()
    ended: float | None = None
    detail: tuple[Detail, ...] = ()


@dataclass(frozen=True)
class PlayProgress:
    phase: PlayPhase = PlayPhase.IDLE
    steps: tuple[PhaseStep, ...] = ()
    # What to add to the phase (a capacity retry, an attach, what a way out must tell),
    # as data: present/progress.py words it.
    detail: tuple[Detail, ...] = ()
    started_by_us: bool = False  # this Play started the instance (vs attached)
    grace_deadline: datetime | None = None  # when the instance stops unless kept


class Attention(StrEnum):
    """How urgent the balance is."""

    OK = "ok"
    LOW = "low"  # under lowBalanceAlertMinutes, or too little to start
    CRITICAL = "critical"  # 10 minutes or less
    EMPTY = "empty"  # nothing left


@dataclass(frozen=True)
class AppState:
    signed_in: bool = False
    identity: Identity | None = None
    credits: Credits | None = None
    session: SessionStatus | None = None
    play: PlayProgress = field(default_factory=PlayProgress)
    attention: Attention = Attention.OK
    runs_out_at: datetime | None = None  # during a session, when the balance hits zero
    low_balance_alert_minutes: int = 30
    last_error: PawpadoError | None = None
    # A lasting caveat of this run (e.g. no keyring: the sign-in is kept in memory).
    warning: Phrase | str = ""
    # Why the last refresh failed (network, server), as the error's own words (worded
    # by the presenter; English in machine output); "" once a refresh succeeds.
    offline: Phrase | str = ""
    connection: ConnectionPath | None = None  # the path to the cloud PC, only while streaming
    # While offline: a core.health.ServiceHealth value ("" until checked, and online).
    service: str = ""
    storage: StorageBilling | None = None  # the storage tier and billing period, read rarely
    # After a Play refused for credit (or cut off by an empty balance): the amount
    # "Top up and play" offers; None otherwise.
    topup_offer: Decimal | None = None
    # When the balance was last read (a read that finds it unchanged counts: the history
    # takes a session's balance after from the first read after its end).
    credits_read_at: datetime | None = None
    demo: bool = False

    @property
    def session_state(self) -> SessionState:
        return self.session.state if self.session else SessionState.STOPPED

    @property
    def minutes_left(self) -> int | None:
        return self.credits.minutes_left if self.credits else None

    @property
    def balance(self) -> Decimal | None:
        return self.credits.balance if self.credits else None

    def cost_so_far(self, now: datetime) -> Decimal | None:
        """What the running session has cost: each started minute at the rate."""
        if not (self.session and self.session.started_at and self.credits):
            return None
        if not self.session.state.is_active:
            return None
        seconds = max(0.0, (now - self.session.started_at).total_seconds())
        minutes = int(seconds // 60) + 1
        return self.credits.rate_per_minute * minutes


class StateChanges(TypedDict, total=False):
    """The fields of AppState by name and type: a misspelt or mistyped change fails mypy."""

    signed_in: bool
    identity: Identity | None
    credits: Credits | None
    session: SessionStatus | None
    play: PlayProgress
    attention: Attention
    runs_out_at: datetime | None
    low_balance_alert_minutes: int
    last_error: PawpadoError | None
    warning: Phrase | str
    offline: Phrase | str
    demo: bool
    connection: ConnectionPath | None
    service: str
    storage: StorageBilling | None
    topup_offer: Decimal | None
    credits_read_at: datetime | None


Listener = Callable[[AppState, AppState], None]


class StateStore:
    """Holds the current AppState; listeners get (old, new) on every change."""

    def __init__(self, initial: AppState | None = None) -> None:
        self._state = initial or AppState()
        self._listeners: list[Listener] = []

    @property
    def state(self) -> AppState:
        return self._state

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def update(self, **changes: Unpack[StateChanges]) -> AppState:
        old = self._state
        new = replace(old, **changes)
        if new != old:
            self._state = new
            for listener in list(self._listeners):
                try:
                    listener(old, new)
                except Exception:  # a broken renderer must not break the core
                    log.exception("state listener failed")
        return new
