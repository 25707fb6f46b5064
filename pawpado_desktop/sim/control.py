"""`SimControl`: the thread-safe handle tests use to steer and inspect the simulator.

The /_sim/ admin endpoints call these same methods, so HTTP and in-process
control can never drift apart. Every method takes the world's lock and brings
the world up to the present first.
"""

from __future__ import annotations

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.sim.errors import SimError
from pawpado_desktop.sim.faults import FaultResponse
from pawpado_desktop.sim.huudis import HuudisStats, TokenPair
from pawpado_desktop.sim.requestlog import RequestRecord
from pawpado_desktop.sim.world import CapturedExchange, World


class SimControl:
    def __init__(self, world: World) -> None:
        self._world = world

    # -- Huudis --------------------------------------------------------------------

    def sign_in_directly(self, scope: str | None = None) -> TokenPair:
        """A fresh sign-in for the demo account, as if the device flow had completed."""
        with self._world.tick() as now:
            return self._world.huudis.sign_in_directly(now, scope)

    def approve_device(self, user_code: str) -> bool:
        """Approve a pending device code as the user would; False if none matches."""
        with self._world.tick() as now:
            return self._world.huudis.decide(user_code, True, now)

    def deny_device(self, user_code: str) -> bool:
        with self._world.tick() as now:
            return self._world.huudis.decide(user_code, False, now)

    def pending_user_codes(self) -> list[str]:
        """User codes waiting for a decision, oldest first."""
        with self._world.tick() as now:
            return [
                g.user_code
                for g in self._world.huudis.device_grants()
                if g.status == "pending" and now < g.expires_at
            ]

    def device_interval(self, user_code: str) -> int | None:
        """The polling interval a device code currently demands (grows with slow_down)."""
        with self._world.tick():
            for grant in self._world.huudis.device_grants():
                if grant.user_code == user_code:
                    return grant.interval
        return None

    def set_auto_approve(self, enabled: bool) -> None:
        with self._world.tick():
            self._world.huudis.auto_approve = enabled

    def set_access_token_lifetime(self, seconds: float) -> None:
        """Lifetime of access tokens minted from now on."""
        if seconds <= 0:
            raise SimError(400, "VALIDATION_ERROR", "seconds: must be positive")
        with self._world.tick():
            self._world.huudis.access_token_lifetime = seconds

    def revoke_all_tokens(self) -> int:
        """End every sign-in server-side (as a password change would)."""
        with self._world.tick():
            return self._world.huudis.revoke_all()

    def huudis_stats(self) -> HuudisStats:
        with self._world.tick():
            return self._world.huudis.stats()

    # -- faults ----------------------------------------------------------------------

    def set_latency(self, seconds: float, pattern: str = "*") -> None:
        """Delay matching requests by `seconds` of real time (0 removes the rule)."""
        with self._world.lock:
            self._world.faults.set_latency(seconds, pattern)

    def replace_responses(
        self,
        pattern: str,
        response: FaultResponse,
        *,
        count: int = 1,
        method: str | None = None,
        after: bool = False,
    ) -> int:
        """Answer the next `count` matching requests with `response` instead.

        With `after=True` the real handler runs first (its effects happen) and
        only its answer is lost.
        """
        with self._world.lock:
            return self._world.faults.add_replacement(
                pattern, response, count=count, method=method, after=after
            )

    def clear_faults(self) -> None:
        with self._world.lock:
            self._world.faults.clear()

    # -- clock -----------------------------------------------------------------------

    def advance_clock(self, seconds: float) -> None:
        """Jump the simulator's ScaledClock forward (a sleep-and-wake, or a long wait)."""
        clock = self._world.clock
        if not isinstance(clock, ScaledClock):
            raise SimError(409, "NOT_SCALED_CLOCK", "The simulator runs on the system clock.")
        if seconds < 0:
            raise SimError(400, "VALIDATION_ERROR", "seconds: must not be negative")
        clock.advance(seconds)
        with self._world.tick():
            pass

    def now(self) -> float:
        """Simulator time, epoch seconds."""
        return self._world.now()

    # -- inspection ------------------------------------------------------------------

    def request_log(self) -> list[RequestRecord]:
        with self._world.lock:
            return self._world.log.records()

    def request_counts(self) -> dict[str, int]:
        """Requests per rate-limit class (read, write, poll)."""
        with self._world.lock:
            return self._world.log.counts()

    def rate_limited_counts(self) -> dict[str, int]:
        """429s answered by the simulator's own limiter, per class."""
        with self._world.lock:
            return self._world.log.rate_limited()

    def clear_request_log(self) -> None:
        with self._world.lock:
            self._world.log.clear()

    def captured_exchanges(self) -> list[CapturedExchange]:
        """Unfaulted /api/v1 answers, when the server was started with capture on."""
        with self._world.lock:
            return list(self._world.captured or [])
