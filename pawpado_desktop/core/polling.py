"""Adaptive polling: as often as the situation needs, never more.

A start spends the poll bucket (30/min) where `ready` can arrive: a phase that
cannot end soon is polled sparsely, the last one densely. Each boot phase is
polled every second when it is first seen, then every half of the time it has
lasted so far, up to 6 s while provisioning (production: 20-90 s) and 4 s while
the OS starts (30-120 s); once the session runs but is not ready (ready follows
in 5-30 s) every second. Whatever the plan, at most SESSION_POLL_BUDGET session
polls go out in any window of the contract's (see docs/PERFORMANCE.md, "Notice
ready"). While streaming every 3 s (a server-side stop ends the stream within
5 s); while running otherwise every 20 s; idle every 60 s. Credits every
60 s during a session, every 5 minutes otherwise, every 5 s while a top-up is
awaited. Nothing while signed out. `poke()` polls at once (after every action),
and a wall-clock jump larger than the monotonic one (the machine slept) does too.

The poller never dies: a poll that fails in any way is logged and reported
(`on_failure`: the core shows the app as offline) and the next one backs off;
anything else that goes wrong in the loop restarts it after a pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pawpado_desktop.api.models import SessionState
from pawpado_desktop.api.ratelimit import MARGIN_SECONDS, WINDOW_SECONDS
from pawpado_desktop.clock import Clock
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.errors import PawpadoError

log = logging.getLogger(__name__)

SESSION_STARTING_S = 2.0  # a Play waiting with no booting session seen yet
SESSION_PROVISIONING_S = 6.0  # at most, once provisioning has lasted 12 s
SESSION_BOOTING_S = 4.0  # at most, once the OS start has lasted 8 s
SESSION_READYING_S = 1.0  # running, not ready: `ready` can come any second
PHASE_FIRST_S = 1.0  # a boot phase just seen is polled this often ...
PHASE_RAMP = 0.5  # ... then every this share of the time it has lasted
# The poll class allows 30 a minute (api/ratelimit); two stay free for a
# `pawpado-desktop status` or a second device on the same account.
SESSION_POLL_BUDGET = 28
SESSION_BUDGET_WINDOW_S = WINDOW_SECONDS + MARGIN_SECONDS
SESSION_STREAMING_S = 3.0  # 20 polls a minute: the start's 2 s pace leaves no room
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
# After n failed polls in a row the next waits at least BASE * 2**(n-1), up to CAP.
FAILURE_BACKOFF_S = 2.0
FAILURE_BACKOFF_CAP_S = 60.0
RESTART_PAUSE_S = 5.0  # before the loop runs again after an unexpected failure

_WAITING_PHASES = (PlayPhase.STARTING, PlayPhase.BOOTING, PlayPhase.WAITING_READY)


@dataclass(frozen=True)
class PollPlan:
    session_every: float | None
    credits_every: float | None
    # A boot or stop phase that ramps: polled every PHASE_FIRST_S when first seen, then
    # every PHASE_RAMP of its age so far, up to `session_every`. Named so the
    # poller sees when the phase changes.
    ramp_phase: str | None = None


def poll_plan(state: AppState, *, watching_topup: bool = False) -> PollPlan:
    if not state.signed_in:
        return PollPlan(None, None)
    session = state.session
    current = session.state if session else SessionState.STOPPED
    not_ready = current is SessionState.RUNNING and session is not None and not session.ready
    ramp: str | None = None
    if not_ready:
        session_every = SESSION_READYING_S
    elif current is SessionState.PROVISIONING:
        session_every, ramp = SESSION_PROVISIONING_S, current.value
    elif current is SessionState.STARTING:
        session_every, ramp = SESSION_BOOTING_S, current.value
    elif state.play.phase in _WAITING_PHASES:
        session_every = SESSION_STARTING_S
    elif state.play.phase is PlayPhase.STREAMING:
        session_every = SESSION_STREAMING_S
    elif current is SessionState.RUNNING:
        session_every = SESSION_RUNNING_S
    elif current is SessionState.STOPPING:  # "billing has ended" is said the sooner
        session_every, ramp = SESSION_STOPPING_S, current.value
    elif current is SessionState.UNKNOWN:
        session_every = SESSION_STOPPING_S
    else:
        session_every = SESSION_IDLE_S
    if watching_topup:
        credits_every = CREDITS_TOPUP_S
    elif current.is_active or current is SessionState.STOPPING:
        credits_every = CREDITS_SESSION_S
    else:
        credits_every = CREDITS_IDLE_S
    return PollPlan(session_every, credits_every, ramp)


Fetch = Callable[[], Awaitable[object]]
OnFailure = Callable[[str, Exception], None]


def failure_backoff(failures: int) -> float:
    """The least wait after `failures` failed polls in a row (0 after a success)."""
    if failures <= 0:
        return 0.0
    return min(FAILURE_BACKOFF_CAP_S, FAILURE_BACKOFF_S * 2.0 ** (failures - 1))


class Poller:
    """Runs two fetchers on the schedule `plan()` gives, re-read after every poll."""

    def __init__(
        self,
        clock: Clock,
        plan: Callable[[], PollPlan],
        fetch_session: Fetch,
        fetch_credits: Fetch,
        on_failure: OnFailure | None = None,
    ) -> None:
        self._clock = clock
        self._plan = plan
        self._fetch = {"session": fetch_session, "credits": fetch_credits}
        self._on_failure = on_failure
        self._last: dict[str, float | None] = {"session": None, "credits": None}
        self._failures = {"session": 0, "credits": 0}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.polls = {"session": 0, "credits": 0}
        self.restarts = 0
        self._session_sent: deque[float] = deque()  # for the budget window
        self._phase: tuple[str | None, float] = (None, 0.0)  # a ramping phase and since when

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._stopping = False
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._supervise(), name="poller")
            self._task.add_done_callback(self._ended)

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _ended(self, task: asyncio.Task[None]) -> None:
        """The task ended on its own (not by stop()): start it again."""
        if self._stopping or task is not self._task or task.cancelled():
            return
        error = task.exception()
        log.error("the poller ended unexpectedly (%r); restarting it", error)
        self.restarts += 1
        with contextlib.suppress(RuntimeError):  # no running loop: the app is closing
            self.start()

    async def _supervise(self) -> None:
        """Run the loop; if anything escapes it, log it, pause and run it again."""
        while True:
            try:
                await self._run()
            except Exception:
                log.exception("the poller failed; restarting it in %.0f s", RESTART_PAUSE_S)
            self.restarts += 1
            await self._clock.sleep(RESTART_PAUSE_S)

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

    def _session_interval(self, plan: PollPlan, now: float) -> float | None:
        every = plan.session_every
        if plan.ramp_phase != self._phase[0]:
            self._phase = (plan.ramp_phase, now)
        if every is None or plan.ramp_phase is None:
            return every
        return min(every, max(PHASE_FIRST_S, (now - self._phase[1]) * PHASE_RAMP))

    def _budget_wait(self, now: float) -> float:
        """How long until one more session poll keeps every window within the budget."""
        sent = self._session_sent
        while sent and now - sent[0] >= SESSION_BUDGET_WINDOW_S:
            sent.popleft()
        if len(sent) < SESSION_POLL_BUDGET:
            return 0.0
        return sent[-SESSION_POLL_BUDGET] + SESSION_BUDGET_WINDOW_S - now

    def _due_in(self, now: float) -> dict[str, float | None]:
        plan = self._plan()
        every = {
            "session": self._session_interval(plan, now),
            "credits": plan.credits_every,
        }
        due: dict[str, float | None] = {}
        for name, interval in every.items():
            last = self._last[name]
            if interval is None:
                due[name] = None
            else:
                wait = max(interval, failure_backoff(self._failures[name]))
                due[name] = 0.0 if last is None else last + wait - now
        if due["session"] is not None:
            due["session"] = max(due["session"], self._budget_wait(now))
        return due

    async def _poll(self, name: str) -> None:
        """One fetch; any failure is counted, logged and reported, never raised."""
        self._last[name] = sent = self._clock.monotonic()
        self.polls[name] += 1
        if name == "session":
            self._session_sent.append(sent)
        try:
            await self._fetch[name]()
        except Exception as error:
            self._failures[name] += 1
            if isinstance(error, PawpadoError):  # an expected trouble, worded by the fetcher
                log.info("%s poll failed: %s", name, error.title)
            else:
                log.error("%s poll failed unexpectedly", name, exc_info=error)
            if self._on_failure is not None:
                try:
                    self._on_failure(name, error)
                except Exception:
                    log.exception("reporting a failed %s poll failed", name)
        else:
            self._failures[name] = 0

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
                    await self._poll(name)
            waits = [w for w in self._due_in(self._clock.monotonic()).values() if w is not None]
            self._wake.clear()
            nap = min([MAX_NAP_S, *waits])
            if nap <= 0:
                continue
            await self._sleep_or_wake(nap)

    async def _sleep_or_wake(self, seconds: float) -> None:
        """Sleep on the clock for `seconds`, or until poke()/replan() wakes us."""
        await self._clock.wait_for(self._wake, seconds)
