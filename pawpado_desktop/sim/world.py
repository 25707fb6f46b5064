"""The simulated world: one account, its identity provider, session, wallet and tailnet.

Test threads (through `SimControl`) and the server thread (through HTTP) both
touch it, so all state sits behind one re-entrant lock. Nothing ticks in the
background: every entry point takes the lock and first replays, in time order,
whatever would have happened since the last call (`advance`), so the result is
as if time had flowed continuously on the simulator's clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from pawpado_desktop.clock import Clock
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.faults import Faults
from pawpado_desktop.sim.huudis import Huudis
from pawpado_desktop.sim.ratelimit import RateLimiter
from pawpado_desktop.sim.requestlog import RequestLog
from pawpado_desktop.sim.session import SessionMachine
from pawpado_desktop.sim.sunshine import Sunshine
from pawpado_desktop.sim.tailnet import Tailnet
from pawpado_desktop.sim.wallet import Checkout, Wallet


@dataclass(frozen=True)
class CapturedExchange:
    """One /api/v1 answer as the client saw it, kept for contract validation."""

    method: str
    path: str
    query: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class World:
    def __init__(self, config: SimConfig, clock: Clock, *, capture: bool = False) -> None:
        self.lock = threading.RLock()
        self.config = config
        self.clock = clock
        self.base_url = ""
        self.huudis = Huudis(config, issuer="")
        self.faults = Faults()
        self.log = RequestLog()
        self.captured: list[CapturedExchange] | None = [] if capture else None
        self.settings = dict(config.settings)
        self.wallet = Wallet(config.balance)
        self.tailnet = Tailnet()
        self.sunshine = Sunshine()
        self.sessions = SessionMachine(
            config, self.wallet, self.sunshine, self.settings, self.tailnet.node_ips
        )
        self.limiter = RateLimiter(
            {"read": config.read_limit, "write": config.write_limit, "poll": config.poll_limit}
        )
        self.relay_path = config.relay_path
        self.relay_region = "sin"  # the DERP region code of a relayed path
        self.path_latency_ms: float | None = None  # None: the fake's usual 18 / 95 ms
        self.ping_error = ""  # set: tailscaled answers pings with this engine error
        self.deletion_at: float | None = None

    @property
    def issuer(self) -> str:
        return self.base_url + "/huudis"

    def set_base_url(self, base_url: str) -> None:
        with self.lock:
            self.base_url = base_url
            self.huudis.issuer = self.issuer

    def now(self) -> float:
        """Simulator time as epoch seconds."""
        return self.clock.now().timestamp()

    @contextmanager
    def tick(self) -> Iterator[float]:
        """Hold the lock with the world brought up to the present; yields `now`."""
        with self.lock:
            now = self.now()
            self.advance(now)
            yield now

    def advance(self, now: float) -> None:
        """Replay every timed event due by `now`, earliest first.

        Wallet events (a settling top-up) go before session events at the same
        instant, so money that arrives in time saves the session.
        """
        while True:
            candidates: list[tuple[float, Callable[[float], None]]] = []
            wallet_event = self.wallet.next_event()
            if wallet_event is not None:
                when, checkout = wallet_event
                candidates.append((when, partial(self._settle, checkout)))
            session_event = self.sessions.next_event()
            if session_event is not None:
                candidates.append(session_event)
            if not candidates:
                return
            when, action = min(candidates, key=lambda c: c[0])
            if when > now:
                return
            action(when)

    def pay_checkout(self, checkout_id: str, now: float) -> Checkout | None:
        """Pay clicked: settles topup_settle_seconds later (at once when that is 0)."""
        checkout = self.wallet.pay(checkout_id, now, self.config.topup_settle_seconds)
        self.advance(now)
        return checkout

    def _settle(self, checkout: Checkout, at: float) -> None:
        self.wallet.fire(checkout, at)
