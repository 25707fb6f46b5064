"""The simulated world: one account, its identity provider, session, wallet and tailnet.

Test threads (through `SimControl`) and the server thread (through HTTP) both
touch it, so all state sits behind one re-entrant lock. Nothing ticks in the
background: every entry point takes the lock and first replays, in time order,
whatever would have happened since the last call (`advance`), so the result is
as if time had flowed continuously on the simulator's clock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pawpado_desktop.clock import Clock
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.faults import Faults
from pawpado_desktop.sim.huudis import Huudis
from pawpado_desktop.sim.requestlog import RequestLog


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
        """Replay every timed event due by `now`, earliest first."""
