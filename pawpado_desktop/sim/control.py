"""`SimControl`: the thread-safe handle tests use to steer and inspect the simulator.

The /_sim/ admin endpoints call these same methods, so HTTP and in-process
control can never drift apart. Every method takes the world's lock and brings
the world up to the present first.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.sim import fakes, validation
from pawpado_desktop.sim.errors import SimError
from pawpado_desktop.sim.faults import ANSWER_URLS, FaultResponse
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

    def set_answer_urls(self, **urls: str) -> None:
        """Answer with these addresses until faults are cleared, as a hostile server
        would: `verification_uri`, `verification_uri_complete`, `checkout_url`."""
        unknown = sorted(set(urls) - set(ANSWER_URLS))
        if unknown:
            raise SimError(400, "VALIDATION_ERROR", f"{unknown[0]}: not an answer address")
        with self._world.lock:
            self._world.faults.answer_urls.update(urls)

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

    # -- account, wallet, session ---------------------------------------------------

    def session(self) -> dict[str, Any]:
        """The poll view plus what only the simulator knows (id, charges, timers)."""
        with self._world.tick():
            s = self._world.sessions.current
            return s.view() | {
                "id": s.id,
                "instanceType": s.instance_type,
                "charged": str(s.charged),
                "billing": s.next_charge_at is not None,
                "activeStreams": len(self._world.sunshine.streams),
            }

    def balance(self) -> Decimal:
        with self._world.tick():
            return self._world.wallet.balance

    def set_balance(self, amount: Decimal | str) -> None:
        """Set the wallet; an empty wallet stops a billing session at once."""
        try:
            value = Decimal(amount)
        except ArithmeticError as exc:
            raise SimError(400, "VALIDATION_ERROR", "balance: not a decimal number") from exc
        if not value.is_finite():
            raise SimError(400, "VALIDATION_ERROR", "balance: not a decimal number")
        with self._world.tick() as now:
            self._world.wallet.set_balance(value)
            self._world.sessions.balance_changed(now)

    def settings(self) -> dict[str, Any]:
        with self._world.tick():
            return dict(self._world.settings)

    def update_settings(self, **changes: Any) -> dict[str, Any]:
        """Change account preferences as PATCH /api/v1/settings would (same checks)."""
        with self._world.tick():
            world = self._world
            world.settings.update(validation.settings_patch(changes, world.config.instance_types))
            return dict(world.settings)

    def set_phase_durations(
        self,
        *,
        provisioning: float | None = None,
        starting: float | None = None,
        ready_delay: float | None = None,
        stopping: float | None = None,
    ) -> None:
        """Durations of phases entered from now on (seconds of simulator time)."""
        changes = {
            "provisioning": provisioning,
            "starting": starting,
            "ready_delay": ready_delay,
            "stopping": stopping,
        }
        with self._world.tick():
            durations = self._world.sessions.durations
            for name, value in changes.items():
                if value is None:
                    continue
                if value < 0:
                    raise SimError(400, "VALIDATION_ERROR", f"{name}: must not be negative")
                setattr(durations, name, float(value))

    def fail_next_start(self, phase: str, message: str) -> None:
        """The next accepted start ends in `error` with `message` at the end of `phase`."""
        if phase not in ("provisioning", "starting"):
            raise SimError(400, "VALIDATION_ERROR", "phase: must be provisioning or starting")
        with self._world.tick():
            faults = self._world.sessions.faults
            faults.fail_phase = "provisioning" if phase == "provisioning" else "starting"
            faults.fail_message = message

    def fail_starts_with_capacity(self, count: int, retry_after: int = 30) -> None:
        """The next `count` starts answer 503 AWS_CAPACITY with Retry-After."""
        if count < 0 or retry_after < 0:
            raise SimError(400, "VALIDATION_ERROR", "count: must not be negative")
        with self._world.tick():
            faults = self._world.sessions.faults
            faults.capacity_failures = count
            faults.capacity_retry_after = retry_after

    def stop_session(self, message: str | None = None) -> dict[str, Any]:
        """Stop as the server would on its own (admin action, maintenance)."""
        with self._world.tick() as now:
            return self._world.sessions.stop(now, message).view()

    def kill_session(self, message: str = "The instance stopped unexpectedly.") -> dict[str, Any]:
        """The instance dies: the session goes to `error` with `message`, billing ends."""
        with self._world.tick() as now:
            return self._world.sessions.kill(now, message).view()

    def force_next_pin(self, pin: str) -> None:
        if not re.fullmatch(r"[0-9]{4}", pin):
            raise SimError(400, "VALIDATION_ERROR", "pin: must be four digits")
        with self._world.tick():
            self._world.sunshine.forced_pin = pin

    def set_relay_path(
        self,
        relayed: bool,
        *,
        region: str | None = None,
        latency_ms: float | None = None,
        ping_error: str | None = None,
    ) -> None:
        """True: the instance peer is reachable only through DERP (empty curAddr), in
        `region` (a DERP region code, "sin" by default). `latency_ms`: the round trip the
        fake tailscaled's pings report (None: 18 ms direct, 95 ms relayed); `ping_error`:
        pings fail with this engine error ("" to clear). Unnamed settings stay as they are,
        so a test can change the path mid-stream."""
        if region is not None and not region:
            raise SimError(400, "VALIDATION_ERROR", "region: must be a DERP region code")
        with self._world.tick():
            world = self._world
            world.relay_path = relayed
            world.relay_region = region or world.relay_region
            world.path_latency_ms = latency_ms if latency_ms is not None else world.path_latency_ms
            world.ping_error = ping_error if ping_error is not None else world.ping_error

    def reset_rate_limits(self) -> None:
        with self._world.tick():
            self._world.limiter.reset()

    # -- checkouts -----------------------------------------------------------------------

    def checkouts(self) -> list[dict[str, Any]]:
        with self._world.tick():
            return [
                {
                    "checkoutId": c.id,
                    "amount": str(c.amount),
                    "status": c.status,
                    "returnUrl": c.return_url,
                }
                for c in self._world.wallet.checkouts.values()
            ]

    def pay_checkout(self, checkout_id: str) -> str:
        """Click Pay: the balance rises topup_settle_seconds later. Returns the status."""
        with self._world.tick() as now:
            checkout = self._world.pay_checkout(checkout_id, now)
            if checkout is None:
                raise SimError(404, "UNKNOWN_CHECKOUT", f"No checkout {checkout_id!r}.")
            return checkout.status

    # -- the fakes' side (same code as the /_sim/tailscale and /_sim/moonlight endpoints) --

    def tailscale_redeem(self, auth_key: str, node_id: str, hostname: str) -> dict[str, Any]:
        body = {"authKey": auth_key, "nodeId": node_id, "hostname": hostname}
        with self._world.tick() as now:
            return fakes.tailscale_redeem(self._world, now, body)

    def tailscale_leave(self, node_id: str) -> None:
        with self._world.tick():
            fakes.tailscale_leave(self._world, {"nodeId": node_id})

    def tailscale_peers(self, node_id: str) -> list[dict[str, Any]]:
        with self._world.tick():
            peers: list[dict[str, Any]] = fakes.tailscale_peers(self._world, node_id)["peers"]
            return peers

    def tailnet_nodes(self) -> list[dict[str, Any]]:
        """Client nodes currently joined."""
        with self._world.tick():
            return [
                {"nodeId": n.node_id, "hostname": n.hostname, "ip": n.ip, "session": n.session_id}
                for n in self._world.tailnet.nodes.values()
            ]

    def moonlight_host(self, address: str, client_id: str) -> dict[str, Any]:
        with self._world.tick():
            return fakes.moonlight_host(self._world, address, client_id)

    def moonlight_pair(
        self, address: str, client_id: str, pin: str, client_name: str = "Pawpado Desktop"
    ) -> dict[str, Any]:
        body = {"address": address, "clientId": client_id, "clientName": client_name, "pin": pin}
        with self._world.tick() as now:
            return fakes.moonlight_pair(self._world, now, body)

    def moonlight_stream(self, address: str, client_id: str, app: str = "Desktop") -> str:
        body = {"address": address, "clientId": client_id, "app": app}
        with self._world.tick() as now:
            return str(fakes.moonlight_stream(self._world, now, body)["streamId"])

    def moonlight_stream_end(self, stream_id: str) -> None:
        with self._world.tick() as now:
            fakes.moonlight_stream_end(self._world, now, {"streamId": stream_id})

    def paired_clients(self) -> dict[str, str]:
        """clientId -> clientName of the streaming host (survives sessions)."""
        with self._world.tick():
            return dict(self._world.sunshine.paired)

    # -- everything at once ------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready picture of the world for debugging and /_sim/state."""
        stats = self.huudis_stats()
        return {
            "session": self.session(),
            "balance": str(self.balance()),
            "settings": self.settings(),
            "checkouts": self.checkouts(),
            "tailnetNodes": self.tailnet_nodes(),
            "pairedClients": self.paired_clients(),
            "requests": {
                "counts": self.request_counts(),
                "rateLimited": self.rate_limited_counts(),
            },
            "huudis": asdict(stats),
            "now": self.now(),
        }
