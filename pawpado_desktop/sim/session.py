"""The account's one session: the contract's state machine, billing and auto-stops.

stopped|error --start--> provisioning --> starting --> running (ready=false)
--> running (ready=true); provisioning|starting|running --stop--> stopping -->
stopped. Each started minute from the accepted start until stopped or error
costs ratePerMinute, the first one at once. All methods take simulator time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.errors import SimError
from pawpado_desktop.sim.sunshine import Sunshine
from pawpado_desktop.sim.tailnet import random_tailnet_ip
from pawpado_desktop.sim.timefmt import iso
from pawpado_desktop.sim.wallet import Wallet

State = Literal["stopped", "provisioning", "starting", "running", "stopping", "error"]
Phase = Literal["provisioning", "starting"]
ACTIVE: tuple[State, ...] = ("provisioning", "starting", "running", "stopping")
STOPPABLE: tuple[State, ...] = ("provisioning", "starting", "running")
MINUTE = 60.0
BALANCE_RAN_OUT = (
    "Your balance ran out, so the session was stopped. Top up to play again."
)


@dataclass
class Session:
    id: int = 0
    state: State = "stopped"
    instance_id: str | None = None
    instance_type: str | None = None
    public_ip: str | None = None
    tailnet_ip: str | None = None
    started_at: float | None = None
    ready: bool = False
    message: str | None = None
    phase_ends_at: float | None = None
    next_charge_at: float | None = None  # None: not billing
    charged: Decimal = Decimal("0.00")
    idle_since: float | None = None  # running, ready and no stream since then
    fail_phase: Phase | None = None
    fail_message: str = ""

    def view(self) -> dict[str, Any]:
        """The `SessionStatus` answer. Addresses appear as the instance gets them."""
        booted = self.state in ("starting", "running")
        return {
            "state": self.state,
            "instanceId": self.instance_id,
            "publicIp": self.public_ip if booted else None,
            "tailnetIp": self.tailnet_ip if self.state == "running" else None,
            "startedAt": iso(self.started_at) if self.started_at is not None else None,
            "ready": self.ready,
            "message": self.message,
        }


@dataclass
class PhaseDurations:
    provisioning: float
    starting: float
    ready_delay: float
    stopping: float


@dataclass
class StartFaults:
    capacity_failures: int = 0
    capacity_retry_after: int = 30
    fail_phase: Phase | None = None
    fail_message: str = ""


def _instance_id() -> str:
    return "i-0" + secrets.token_hex(8)


def _public_ip() -> str:
    return f"13.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


@dataclass
class SessionMachine:
    config: SimConfig
    wallet: Wallet
    sunshine: Sunshine
    settings: dict[str, Any]
    taken_ips: Callable[[], set[str]]
    durations: PhaseDurations = field(init=False)
    faults: StartFaults = field(default_factory=StartFaults)
    current: Session = field(default_factory=Session)

    def __post_init__(self) -> None:
        c = self.config
        self.durations = PhaseDurations(
            c.provisioning_seconds, c.starting_seconds, c.ready_delay_seconds, c.stopping_seconds
        )

    # -- requests ------------------------------------------------------------------

    def start(self, now: float, instance_type: str | None) -> Session:
        s = self.current
        if s.state in ACTIVE:
            raise SimError(409, "SESSION_ALREADY_RUNNING", f"A session is already {s.state}.")
        minimum = self.config.minimum_start_balance
        if self.wallet.balance < minimum:
            raise SimError(
                402,
                "INSUFFICIENT_CREDITS",
                f"Balance is below the {self.config.minimum_start_minutes}-minute minimum to "
                f"start a session: you have {self.wallet.balance} {self.config.currency} and "
                f"need at least {minimum} {self.config.currency}. Top up "
                f"{minimum - self.wallet.balance} {self.config.currency} or more.",
            )
        if self.faults.capacity_failures > 0:
            self.faults.capacity_failures -= 1
            retry = self.faults.capacity_retry_after
            raise SimError(
                503,
                "AWS_CAPACITY",
                "The Jakarta region has no free gaming PCs right now. "
                f"Try again in {retry} seconds.",
                {"Retry-After": str(retry)},
            )
        fresh = Session(
            id=s.id + 1,
            state="provisioning",
            instance_id=_instance_id(),
            instance_type=instance_type or str(self.settings["instanceType"]),
            public_ip=_public_ip(),
            tailnet_ip=random_tailnet_ip(self.taken_ips()),
            started_at=now,
            phase_ends_at=now + self.durations.provisioning,
            next_charge_at=now,
            fail_phase=self.faults.fail_phase,
            fail_message=self.faults.fail_message,
        )
        self.faults.fail_phase = None
        self.current = fresh
        self._charge(now)  # the first started minute is paid at once
        return fresh

    def stop(self, now: float, message: str | None = None) -> Session:
        s = self.current
        if s.state not in STOPPABLE:
            raise SimError(
                409, "SESSION_NOT_RUNNING", f"There is no session to stop (it is {s.state})."
            )
        self._begin_stop(now, message)
        return s

    def kill(self, now: float, message: str) -> Session:
        """The instance dies under the session (hardware fault, spot reclaim)."""
        s = self.current
        if s.state not in ACTIVE:
            raise SimError(409, "SESSION_NOT_RUNNING", f"There is no session (it is {s.state}).")
        self._fail(message)
        return s

    def require_ready(self) -> Session:
        """For pair and connect: running with ready true."""
        s = self.current
        if s.state not in STOPPABLE:
            raise SimError(409, "SESSION_NOT_RUNNING", f"No session is running (it is {s.state}).")
        if not (s.state == "running" and s.ready):
            raise SimError(
                409, "NOT_READY", f"The session is {s.state} and not ready yet; try again shortly."
            )
        return s

    def require_booting(self) -> Session:
        """For tailscale-key: provisioning, starting or running."""
        s = self.current
        if s.state not in STOPPABLE:
            raise SimError(
                409,
                "SESSION_NOT_RUNNING",
                f"No session is provisioning, starting or running (it is {s.state}).",
            )
        return s

    def balance_changed(self, now: float) -> None:
        """Someone set the balance directly: an empty wallet stops the session now."""
        if self.wallet.balance <= 0 and self.current.next_charge_at is not None:
            self._out_of_money(now)

    # -- streams (idle tracking) -------------------------------------------------------

    def stream_started(self) -> None:
        self.current.idle_since = None

    def stream_ended(self, now: float) -> None:
        s = self.current
        if not self.sunshine.streams and s.state == "running" and s.ready:
            s.idle_since = now

    # -- time ----------------------------------------------------------------------------

    def next_event(self) -> tuple[float, Callable[[float], None]] | None:
        """The earliest thing that happens by itself, and how to apply it."""
        s = self.current
        events: list[tuple[float, int, Callable[[float], None]]] = []
        if s.phase_ends_at is not None:
            events.append((s.phase_ends_at, 0, self._end_phase))
        if s.next_charge_at is not None:
            events.append((s.next_charge_at, 1, self._charge))
        deadline = self._idle_deadline()
        if deadline is not None:
            events.append((deadline, 2, self._idle_stop))
        if not events:
            return None
        when, _, action = min(events, key=lambda e: (e[0], e[1]))
        return when, action

    def _idle_deadline(self) -> float | None:
        s = self.current
        minutes = int(self.settings.get("autoStopIdleMinutes", 0))
        if minutes <= 0 or s.idle_since is None or s.state != "running" or self.sunshine.streams:
            return None
        return s.idle_since + minutes * MINUTE

    def _end_phase(self, at: float) -> None:
        s = self.current
        d = self.durations
        if s.state in ("provisioning", "starting") and s.fail_phase == s.state:
            self._fail(s.fail_message)
        elif s.state == "provisioning":
            s.state = "starting"
            s.phase_ends_at = at + d.starting
        elif s.state == "starting":
            s.state = "running"
            s.phase_ends_at = at + d.ready_delay
        elif s.state == "running":
            s.ready = True
            s.phase_ends_at = None
            s.idle_since = at
        elif s.state == "stopping":
            self.sunshine.instance_gone()
            self.current = Session(id=s.id, message=s.message)
        else:
            s.phase_ends_at = None

    def _charge(self, at: float) -> None:
        s = self.current
        s.charged += self.wallet.charge(self.config.rate_per_minute)
        s.next_charge_at = at + MINUTE
        if self.wallet.balance <= 0:
            self._out_of_money(at)

    def _out_of_money(self, at: float) -> None:
        s = self.current
        s.next_charge_at = None  # nothing left to take: the charge stops at this minute
        if s.state in STOPPABLE:
            self._begin_stop(at, BALANCE_RAN_OUT)

    def _idle_stop(self, at: float) -> None:
        minutes = int(self.settings.get("autoStopIdleMinutes", 0))
        self._begin_stop(
            at, f"Stopped automatically after {minutes} minutes with no stream connected."
        )

    def _begin_stop(self, at: float, message: str | None) -> None:
        s = self.current
        s.state = "stopping"
        s.ready = False
        s.message = message
        s.idle_since = None
        s.fail_phase = None
        s.phase_ends_at = at + self.durations.stopping
        self.sunshine.instance_gone()

    def _fail(self, message: str) -> None:
        s = self.current
        s.state = "error"
        s.ready = False
        s.message = message
        s.phase_ends_at = None
        s.next_charge_at = None
        s.idle_since = None
        s.fail_phase = None
        s.public_ip = None
        s.tailnet_ip = None
        s.started_at = None
        self.sunshine.instance_gone()
