"""Adaptive polling: as often as the situation needs, never more.

While a start is under way the session is polled every 2 s (the poll bucket
allows 30/min); while running every 20 s; idle every 60 s. Credits every 60 s
during a session, every 5 minutes otherwise, every 5 s while a top-up is
awaited. Nothing while signed out. `poke()` polls at once (after every action),
and a wall-clock jump larger than the monotonic one (the machine slept) does too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pawpado_desktop.api.models import SessionState
from pawpado_desktop.clock import Clock
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.errors import PawpadoError

log = logging.getLogger(__name__)

SESSION_STARTING_S = 2.0
SESSION_RUNNING_S = 20.0
SESSION_STOPPING_S = 5.0
SESSION_IDLE_S = 60.0
CREDITS_SESSION_S = 60.0
CREDITS_IDLE_S = 300.0
CREDITS_TOPUP_S = 5.0
SLEEP_JUMP_S = 30.0  # wall time running this much ahead of monotonic time means we slept
# Monotonic timers stand still while the machine sleeps, so never nap longer than
# this: a wake is noticed within it (two cheap wake-ups a minute when idle).
MAX_NAP_S = 30.0

_WAITING_PHASES = (PlayPhase.STARTING, PlayPhase.BOOTING, PlayPhase.WAITING_READY)


@dataclass(frozen=True)
class PollPlan:
    session_every: float | None
    credits_every: float | None


def poll_plan(state: AppState, *, watching_topup: bool = False) -> PollPlan:
    if not state.signed_in:
        return PollPlan(None, None)
    session = state.session
    current = session.state if session else SessionState.STOPPED
    not_ready = current is SessionState.RUNNING and session is not None and not session.ready
    if current.is_booting or not_ready or state.play.phase in _WAITING_PHASES:
        session_every = SESSION_STARTING_S
    elif current is SessionState.RUNNING:
        session_every = SESSION_RUNNING_S
    elif current in (SessionState.STOPPING, SessionState.UNKNOWN):
        session_every = SESSION_STOPPING_S
    else:
        session_every = SESSION_IDLE_S
    if watching_topup:
        credits_every = CREDITS_TOPUP_S
    elif current.is_active or current is SessionState.STOPPING:
        credits_every = CREDITS_SESSION_S
    else:
        credits_every = CREDITS_IDLE_S
    return PollPlan(session_every, credits_every)


Fetch = Callable[[], Awaitable[object]]


class Poller:
    """Runs two fetchers on the schedule `plan()` gives, re-read after every poll."""

    def __init__(
        self,
        clock: Clock,
        plan: Callable[[], PollPlan],
        fetch_session: Fetch,
        fetch_credits: Fetch,
    ) -> None:
        self._clock = clock
        self._plan = plan
        self._fetch = {"session": fetch_session, "credits": fetch_credits}
        self._last: dict[str, float | None] = {"session": None, "credits": None}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.polls = {"session": 0, "credits": 0}

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="poller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def poke(self, *, session: bool = True, credits: bool = True) -> None:
        """Poll at once (after an action, a wake from sleep, or a plan change)."""
        if session:
            self._last["session"] = None
        if credits:
            self._last["credits"] = None
        self._wake.set()

    def mark_fresh(self) -> None:
        """Both were just read elsewhere (at start-up): wait a full interval for the next."""
        now = self._clock.monotonic()
        self._last = {"session": now, "credits": now}

    def replan(self) -> None:
        """The state changed: look at the plan again without forcing a poll."""
        self._wake.set()

    def _due_in(self, now: float) -> dict[str, float | None]:
        plan = self._plan()
        every = {"session": plan.session_every, "credits": plan.credits_every}
        due: dict[str, float | None] = {}
        for name, interval in every.items():
            last = self._last[name]
            if interval is None:
                due[name] = None
            else:
                due[name] = 0.0 if last is None else last + interval - now
        return due

    async def _run(self) -> None:
        wall = self._clock.now()
        mono = self._clock.monotonic()
        while True:
            now = self._clock.monotonic()
            jump = (self._clock.now() - wall).total_seconds() - (now - mono)
            if jump > SLEEP_JUMP_S:
                log.info("clock jumped %.0f s (sleep?); refreshing now", jump)
                self.poke()
            wall, mono = self._clock.now(), now
            due = self._due_in(now)
            for name, wait in due.items():
                if wait is not None and wait <= 0:
                    self._last[name] = self._clock.monotonic()
                    self.polls[name] += 1
                    try:
                        await self._fetch[name]()
                    except PawpadoError as error:  # reported by the fetcher; keep polling
                        log.debug("%s poll failed: %s", name, error.title)
            waits = [w for w in self._due_in(self._clock.monotonic()).values() if w is not None]
            self._wake.clear()
            nap = min([MAX_NAP_S, *waits])
            if nap <= 0:
                continue
            await self._sleep_or_wake(nap)

    async def _sleep_or_wake(self, seconds: float) -> None:
        """Sleep on the clock for `seconds`, or until poke()/replan() wakes us."""
        await self._clock.wait_for(self._wake, seconds)
