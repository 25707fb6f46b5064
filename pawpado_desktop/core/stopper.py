"""The stop that is not given up: sent, retried and remembered until Pawpado confirms it.

A stop is safe to send again: the contract answers a second one with 409
SESSION_NOT_RUNNING ("already stopping or stopped"), which counts as done. The API
client retries a write only when the connection never opened, so this module does
the rest: Retry-After on a 429, backoff on 5xx, network and protocol errors, and a
look at the session before resending a stop whose answer was lost.

Before the first attempt a "stop pending" marker is written (config_dir()/
stop-pending.json, 0600, no secret: when it was asked, the API base URL, the user
and the session it is for). It is cleared once the server confirms `stopping` or
`stopped`, so a crash or a kill mid-retry leaves it behind and the next start of
the tray or of any command carries the stop out (`Core.start`).

The policy is a deadline (core/stop_policy.py): the CLI gives a stop 10 minutes per
command, the tray None (until confirmed). Only one stop runs per process; every caller joins it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pawpado_desktop.api.client import MAX_RETRY_AFTER, PawpadoClient
from pawpado_desktop.api.errors import (
    ApiError,
    NetworkError,
    ProtocolError,
    RateLimited,
    ServerError,
    SessionNotRunning,
)
from pawpado_desktop.api.models import SessionState, SessionStatus, parse_time
from pawpado_desktop.auth.errors import AuthServiceUnavailable
from pawpado_desktop.clock import Clock
from pawpado_desktop.config import config_dir, read_json, write_json
from pawpado_desktop.core.facts import Detail, Remark
from pawpado_desktop.core.state import StateStore
from pawpado_desktop.errors import PawpadoError, Phrase

log = logging.getLogger(__name__)

MARKER_FILE = "stop-pending.json"
BACKOFF_FIRST_S = 2.0
BACKOFF_CAP_S = 30.0
# A session that began this long after the stop was asked is another one (local
# and server clocks may disagree by this much).
CLOCK_SKEW_S = 120.0
_VERSION = 1

# The server may have acted on the request: look at the session before resending.
_ANSWER_LOST = (NetworkError, ProtocolError, ServerError)

StopListener = Callable[[Detail], None]  # a progress line, worded by present/progress


class StopNotConfirmed(NetworkError):
    """Pawpado could not be reached (or kept failing) long enough to confirm the stop."""

    title = "Stop not confirmed"

    def __init__(self, template: str, /, *, problem: Phrase | str, **params: object) -> None:
        super().__init__(template, problem=problem, **params)
        self.problem = str(problem)  # the last failure, short: "HTTP 502", "no connection"


@dataclass(frozen=True)
class PendingStop:
    """A stop asked for and not yet confirmed by the server (what the marker holds)."""

    base_url: str
    asked_at: datetime
    user_id: str | None = None
    instance_id: str | None = None  # the session meant, when it was known
    started_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "baseUrl": self.base_url,
            "askedAt": self.asked_at.isoformat(),
            "userId": self.user_id,
            "instanceId": self.instance_id,
            "startedAt": self.started_at.isoformat() if self.started_at else None,
        }

    @classmethod
    def parse(cls, raw: Any) -> PendingStop | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("baseUrl"), str):
            return None
        try:
            asked_at = parse_time(str(raw["askedAt"]), "stop marker")
            started = raw.get("startedAt")
            started_at = parse_time(started, "stop marker") if isinstance(started, str) else None
        except (KeyError, PawpadoError):
            return None
        user_id, instance_id = raw.get("userId"), raw.get("instanceId")
        return cls(
            base_url=raw["baseUrl"],
            asked_at=asked_at,
            user_id=user_id if isinstance(user_id, str) else None,
            instance_id=instance_id if isinstance(instance_id, str) else None,
            started_at=started_at,
        )

    def is_other_session(self, current: SessionStatus) -> bool:
        """True when `current` is not the session this stop was meant for (that one ended)."""
        if self.instance_id and current.instance_id:
            return self.instance_id != current.instance_id
        if self.started_at and current.started_at:
            return self.started_at != current.started_at
        if current.started_at is not None:
            return current.started_at > self.asked_at + timedelta(seconds=CLOCK_SKEW_S)
        return False

    def fulfilled_by(self, current: SessionStatus) -> bool:
        """Nothing of this stop's session bills any more, or it is over already."""
        if current.state.can_start or current.state is SessionState.STOPPING:
            return True
        return current.state.is_active and self.is_other_session(current)


class StopMarker:
    """The pending stops on disk, one per API base URL (one sign-in per server)."""

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory

    @property
    def path(self) -> Path:
        return (self._directory or config_dir()) / MARKER_FILE

    def _all(self) -> dict[str, Any]:
        raw = read_json(self.path) if self.path.exists() else None
        if isinstance(raw, dict) and raw.get("version") == _VERSION:
            stops = raw.get("stops")
            if isinstance(stops, dict):
                return stops
        return {}

    def load(self, base_url: str) -> PendingStop | None:
        return PendingStop.parse(self._all().get(base_url))

    def save(self, pending: PendingStop) -> None:
        stops = self._all()
        stops[pending.base_url] = pending.to_json()
        write_json(self.path, {"version": _VERSION, "stops": stops})

    def clear(self, base_url: str) -> None:
        stops = self._all()
        stops.pop(base_url, None)
        if stops:
            write_json(self.path, {"version": _VERSION, "stops": stops})
        else:
            self.path.unlink(missing_ok=True)


class Stopper:
    """Sends the stop until the server confirms it, on `clock`, within `deadline_s`.

    `deadline_s` counts from the first stop of this process (None: no limit).
    Progress lines for the user go to the listeners (`subscribe`).
    """

    def __init__(
        self,
        client: PawpadoClient,
        clock: Clock,
        store: StateStore,
        *,
        deadline_s: float | None = None,
        marker: StopMarker | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        self.clock = clock
        self.store = store
        self.deadline_s = deadline_s
        self.marker = marker or StopMarker()
        self._jitter = jitter
        self._task: asyncio.Task[SessionStatus | None] | None = None
        self._budget_end: float | None = None
        self._listeners: list[StopListener] = []
        self._problem: Phrase | str = Phrase("no answer yet")  # the last failure, for the user
        self._resumed = False  # the running stop is one left by an earlier run

    # -- what callers use -----------------------------------------------------------

    def subscribe(self, listener: StopListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def pending(self) -> PendingStop | None:
        """The unconfirmed stop left for this server (by this or an earlier process)."""
        return self.marker.load(self.client.base_url)

    async def stop(self, *, wait_s: float | None = None) -> SessionStatus | None:
        """Stop the current session; returns the confirmed status (None when not read).

        Waits at most `wait_s` (None: until confirmed or the deadline); past it the
        stop goes on in the background and StopNotConfirmed says so. Raises
        StopNotConfirmed at the deadline, NotSignedIn when the sign-in is gone.
        """
        if self.running and self._resumed:
            # A stop left by an earlier run may name a session that has ended since;
            # this one is for the session running now (the same one, most often).
            await self.aclose()
        if not self.running:
            self._launch(self._remember())
        return await self._wait(wait_s)

    async def resume(
        self, pending: PendingStop, *, wait_s: float | None = None
    ) -> SessionStatus | None:
        """Carry out a stop found pending (its marker stays until it is confirmed)."""
        if not self.running:
            self._say(Detail(Remark.STOP_RESENDING))
            self._launch(pending, announce=True)
        return await self._wait(wait_s)

    def forget(self, pending: PendingStop) -> None:
        """The pending stop turned out to be done (its session ended): drop its marker."""
        self._clear_marker(pending.base_url)

    async def settle(self) -> None:
        """Wait for a stop still retrying, when the policy has a deadline (the CLI)."""
        if self.running and self.deadline_s is not None:
            with contextlib.suppress(PawpadoError):
                await self._wait(None)

    async def aclose(self) -> None:
        """Stop retrying (the process ends); an unconfirmed stop keeps its marker."""
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- the retry loop -------------------------------------------------------------

    def _remember(self) -> PendingStop:
        state = self.store.state
        session = state.session
        known = session is not None and session.state.is_active
        pending = PendingStop(
            base_url=self.client.base_url,
            asked_at=self.clock.now(),
            user_id=state.identity.huudis_user_id if state.identity else None,
            instance_id=session.instance_id if known and session else None,
            started_at=session.started_at if known and session else None,
        )
        try:
            self.marker.save(pending)
        except OSError as exc:  # the stop itself matters more than its reminder
            log.warning("could not write the stop-pending marker: %s", exc)
        return pending

    def _clear_marker(self, base_url: str) -> None:
        try:
            self.marker.clear(base_url)
        except OSError as exc:
            log.warning("could not clear the stop-pending marker: %s", exc)

    def _launch(self, pending: PendingStop, *, announce: bool = False) -> None:
        self._resumed = announce
        if self._budget_end is None and self.deadline_s is not None:
            self._budget_end = self.clock.monotonic() + self.deadline_s
        task = asyncio.get_running_loop().create_task(self._run(pending, announce), name="stopper")
        task.add_done_callback(_retrieve)
        self._task = task

    async def _wait(self, wait_s: float | None) -> SessionStatus | None:
        task = self._task
        assert task is not None
        if wait_s is not None and not task.done():
            done = asyncio.Event()
            task.add_done_callback(lambda _: done.set())
            await self.clock.wait_for(done, wait_s)
            if not task.done():
                raise StopNotConfirmed(
                    "Pawpado has not confirmed the stop yet ({problem}). Pawpado "
                    "Desktop keeps sending it; until Pawpado confirms, your gaming PC may "
                    "still be running and billing.",
                    problem=self._problem,
                )
        return await asyncio.shield(task)

    async def _run(self, pending: PendingStop, announce: bool) -> SessionStatus | None:
        """`announce`: a stop resumed from its marker (looked at first, and reported)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                if attempt > 1 or announce:  # an answer lost, or a new session begun since
                    current = await self.client.poll_session()
                    self.store.update(session=current)
                    if pending.fulfilled_by(current):
                        return self._confirmed(pending, current, attempt, announce)
                status = await self.client.stop_session()
                return self._confirmed(pending, status, attempt, announce)
            except SessionNotRunning:  # already stopping or stopped: the goal is reached
                return self._confirmed(pending, await self._look_quietly(), attempt, announce)
            except RateLimited as error:  # refused unread: resend once Retry-After passed
                asked = error.retry_after if error.retry_after is not None else 1.0
                wait = min(asked, MAX_RETRY_AFTER)
                said, self._problem = _reason(error)
                http_status = error.status
            except Exception as error:
                if not _retryable(error):
                    raise
                assert isinstance(error, PawpadoError)
                wait = self._backoff(attempt)
                said, self._problem = _reason(error)
                http_status = error.status if isinstance(error, ApiError) else None
            log.warning("stop attempt %d not confirmed: %s", attempt, self._problem)
            if self._budget_end is not None:
                left = self._budget_end - self.clock.monotonic()
                if left <= 0:
                    raise StopNotConfirmed(
                        "Pawpado could not be reached to confirm the stop ({problem}). "
                        "Your gaming PC may still be running and billing. Run "
                        "`pawpado-desktop stop` again (or stop it from the tray) as soon as "
                        "you can.",
                        problem=self._problem,
                    )
                wait = min(wait, left)
            self._say(Detail(said, status=http_status, seconds=max(1, round(wait))))
            await self.clock.sleep(wait)

    def _confirmed(
        self, pending: PendingStop, status: SessionStatus | None, attempt: int, announce: bool
    ) -> SessionStatus | None:
        self._clear_marker(pending.base_url)
        if status is not None:
            self.store.update(session=status)
        if attempt > 1 or announce:
            self._say(Detail(Remark.STOP_CONFIRMED))
        log.info("stop confirmed after %d attempt(s)", attempt)
        return status

    async def _look_quietly(self) -> SessionStatus | None:
        try:
            return await self.client.poll_session()
        except PawpadoError:
            return None  # the stop is confirmed; the poller shows the state later

    def _backoff(self, attempt: int) -> float:
        base = min(BACKOFF_CAP_S, BACKOFF_FIRST_S * 2 ** (attempt - 1))
        return float(base * (0.75 + 0.5 * self._jitter()))

    def _say(self, line: Detail) -> None:
        for listener in list(self._listeners):
            try:
                listener(line)
            except Exception:
                log.exception("stop progress listener failed")


def _retryable(error: BaseException) -> bool:
    if isinstance(error, (*_ANSWER_LOST, AuthServiceUnavailable)):
        return True
    return isinstance(error, ApiError) and error.status is not None and error.status >= 500


def _reason(error: PawpadoError) -> tuple[Remark, Phrase | str]:
    """(what the progress line says, the failure in short) for a failed attempt."""
    if isinstance(error, NetworkError | AuthServiceUnavailable):
        return Remark.STOP_RETRY_UNREACHABLE, Phrase("no connection")
    if isinstance(error, ApiError) and error.status is not None:
        busy = error.status in (429, 503)
        return (
            Remark.STOP_RETRY_BUSY if busy else Remark.STOP_RETRY_FAILED
        ), f"HTTP {error.status}"
    return Remark.STOP_RETRY_UNEXPECTED, Phrase("an unexpected answer")


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # a stop nobody waits for any more must not log "never retrieved"
