"""The Play pipeline: from a signed-in user to a running stream, and back.

preflight -> start (or attach) -> boot, joining the tailnet meanwhile -> ready
-> connect -> pair only if needed -> stream -> grace -> stop -> leave tailnet.

Money rule: every path that started an instance either hands it to the user
(streaming, or kept running on request) or stops it, including errors, cancel,
sign-out and quit. A start counts as ours from the moment it is sent: a way out
while its answer is awaited looks (bounded) whether it went through and stops
it, or says plainly that it could not. An instance this Play only attached to
is the user's: it is stopped only if the user says so (or `stop_after`);
otherwise the user is told plainly that it keeps billing.

Way out: send the stop, restore Tailscale, close Moonlight, and only then wait
for `stopped`, as long as the process may still live (`deadline`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import cast

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.api.errors import (
    ApiError,
    AwsCapacity,
    InsufficientCredits,
    NetworkError,
    ProtocolError,
    ServerError,
    SessionAlreadyRunning,
    SessionNotRunning,
)
from pawpado_desktop.api.models import Credits, SessionState, SessionStatus, Settings
from pawpado_desktop.clock import Clock
from pawpado_desktop.concurrency import all_or_nothing, failure_of, first_of, never
from pawpado_desktop.config import LocalSettings
from pawpado_desktop.core.checkout import amount_to_play
from pawpado_desktop.core.facts import Detail, Question, Remark
from pawpado_desktop.core.notices import NoticeBoard, NoticeKind, Topic
from pawpado_desktop.core.polling import MAX_NAP_S
from pawpado_desktop.core.ports import Streamer, StreamHandle, StreamOutcome, Tailnet
from pawpado_desktop.core.state import PhaseStep, PlayPhase, PlayProgress, StateStore
from pawpado_desktop.core.stop_policy import PLAY_STOP_WAIT_S, STOPPED_WAIT_S
from pawpado_desktop.core.stopper import Stopper
from pawpado_desktop.core.wording import clause, sentence
from pawpado_desktop.errors import CancelledByUser, Money, NotSignedIn, PawpadoError
from pawpado_desktop.moonlight.options import StreamOptions

log = logging.getLogger(__name__)

BOOT_DEADLINE_S = 15 * 60.0  # production boots take 1-4 minutes
# After a way out while a start's answer was awaited: how long to look for the
# session it may have started, and how often.
START_SETTLE_S = 6.0
START_SETTLE_POLL_S = 1.0
JOIN_DEADLINE_S = 120.0
CAPACITY_RETRIES = 3
CAPACITY_DEFAULT_WAIT_S = 30.0
SESSION_WATCH_S = 7 * 24 * 3600.0  # while streaming: as long as the stream lasts
# A write whose answer never arrived (cut connection, timeout, proxy error page):
# the server may have acted on it, so the session is looked at before deciding.
_ANSWER_LOST = (NetworkError, ServerError, ProtocolError)

SessionPredicate = Callable[[SessionStatus], bool]
WaitSession = Callable[[SessionPredicate, float], Awaitable[SessionStatus]]
Confirm = Callable[[Question], Awaitable[bool]]


class StartFailed(PawpadoError):
    title = "Your gaming PC could not start"


class SessionEnded(PawpadoError):
    title = "Your session ended"


class Timeout(PawpadoError):
    title = "This is taking too long"


@dataclass(frozen=True)
class PlayOptions:
    app: str | None = None  # None: the local setting
    grace_minutes: float | None = None  # None: the local setting; 0 stops at once
    keep_running: bool = False  # leave the instance running after the stream
    stop_after: bool = False  # stop a session this Play attached to, without asking
    pipelined: bool = True  # join the tailnet while booting (False: after ready; benchmarks)


class PlayControls:
    """What the user can do while a Play runs: keep it, stop now, reconnect."""

    def __init__(self) -> None:
        self.keep = asyncio.Event()
        self.stop_now = asyncio.Event()
        self.reconnect = asyncio.Event()


class PlayPipeline:
    def __init__(
        self,
        *,
        client: PawpadoClient,
        tailnet: Tailnet,
        streamer: Streamer,
        store: StateStore,
        notices: NoticeBoard,
        clock: Clock,
        local: LocalSettings,
        wait_session: WaitSession,
        replan: Callable[[], None],
        confirm: Confirm | None = None,
        stopper: Stopper | None = None,
    ) -> None:
        self.client = client
        self.stopper = stopper or Stopper(client, clock, store)
        self.tailnet = tailnet
        self.streamer = streamer
        self.store = store
        self.notices = notices
        self.clock = clock
        self.local = local
        self.wait_session = wait_session
        self.replan = replan
        self.confirm = confirm
        self.controls = PlayControls()
        self._started_by_us = False  # ours, or possibly ours (a start was sent)
        self._start_pending = False  # a start was sent and no answer seen yet
        self._start_unconfirmed = False  # a start was sent and its answer lost
        self._joined = False
        self._handle: StreamHandle | None = None  # Moonlight, until it is closed
        self._wound: WindDown | None = None  # the way out, once it has run
        # Set by Core.shutdown: a session this Play only attached to is stopped too.
        self.stop_attached = False
        # Set by Core.shutdown: the user chose to keep the PC running (sign out, keep).
        self.keep_on_exit = False
        # Set by Core.shutdown: the clock's monotonic time by which the process ends.
        self.deadline: float | None = None

    # -- progress ---------------------------------------------------------------

    def _enter(self, phase: PlayPhase, *detail: Detail) -> None:
        now = self.clock.monotonic()
        play = self.store.state.play
        steps = list(play.steps)
        if steps and steps[-1].ended is None:
            steps[-1] = replace(steps[-1], ended=now)
        steps.append(PhaseStep(phase, now, detail=detail))
        self.store.update(
            play=replace(
                play,
                phase=phase,
                steps=tuple(steps),
                detail=detail,
                started_by_us=self._started_by_us,
                grace_deadline=None,
            )
        )
        log.info("play: %s %s", phase.value, " ".join(map(str, detail)))
        self.replan()  # a new phase may want a faster or slower poll

    def _detail(self, *detail: Detail) -> None:
        self.store.update(play=replace(self.store.state.play, detail=detail))

    # -- the pipeline -----------------------------------------------------------

    async def run(self, options: PlayOptions) -> PlayPhase:
        """Play to the end; returns DONE (or raises a PawpadoError / CancelledError)."""
        self.store.update(play=PlayProgress(), last_error=None)
        try:
            server = await self._preflight()
            session = await self._start()
            address = await self._boot_and_connect(session, options)
            await self._pair_if_needed(address)
            while True:
                await self._stream(address, options, server)
                if not await self._grace(options):
                    break
            return await self._finish(options)
        except BaseException as exc:
            await self._clean_up_after(exc)
            raise

    async def _preflight(self) -> Settings:
        self._enter(PlayPhase.PREFLIGHT)
        # Independent checks at once: the slowest decides, not their sum.
        checked = await all_or_nothing(
            self.client.credits(),
            self.client.settings(),
            self.streamer.check_ready(),
            self.tailnet.check_ready(),
        )
        credits: Credits = checked[0]
        server: Settings = checked[1]
        self.store.update(credits=credits)
        session = self.store.state.session
        attaching = session is not None and session.state.is_active
        if not attaching and credits.shortfall_to_start > 0:
            raise _insufficient(credits)
        return server

    async def _start(self) -> SessionStatus:
        self._enter(PlayPhase.STARTING)
        current = await self.client.poll_session()
        self.store.update(session=current)
        if current.state is SessionState.STOPPING:
            self._detail(Detail(Remark.WAITING_PREVIOUS_STOP))
            current = await self.wait_session(lambda s: s.state.can_start, STOPPED_WAIT_S)
        if current.state.is_active or current.state is SessionState.UNKNOWN:
            self._detail(Detail(Remark.ATTACHED))
            return current
        for attempt in range(1, CAPACITY_RETRIES + 2):
            # Ours from the moment it is sent: a way out before its answer still stops it.
            self._started_by_us = self._start_pending = True
            try:
                started = await self.client.start_session()
            except SessionAlreadyRunning:
                self._started_by_us = self._start_pending = False
                # Another device or a second window started it: attach, do not fail.
                self._detail(Detail(Remark.ATTACHED))
                started = await self.client.poll_session()
                self.store.update(session=started)
                return started
            except InsufficientCredits:
                self._started_by_us = self._start_pending = False
                credits = await self.client.credits()
                self.store.update(credits=credits)
                raise _insufficient(credits) from None
            except _ANSWER_LOST as error:
                started = await self._look_after_lost_answer()
                self._start_pending = False
                if not started.state.is_active:
                    # A server error with its own explanation refused the start; without
                    # one (a timeout, a cut, a bare 502) a slow server may still carry it out.
                    self._start_unconfirmed = not _explained(error)
                    raise
                # It went through; only its answer was lost.
                self._detail(Detail(Remark.START_ACCEPTED))
                return started
            except AwsCapacity as error:
                self._started_by_us = self._start_pending = False  # refused: nothing started
                if attempt > CAPACITY_RETRIES:
                    raise AwsCapacity(
                        "The Jakarta region still has no free gaming PC after {attempt} tries. "
                        "Nothing was charged. Try again in a few minutes.",
                        attempt=attempt,
                        status=error.status,
                        server_message=error.server_message,
                    ) from None
                wait = error.retry_after if error.retry_after else CAPACITY_DEFAULT_WAIT_S
                self._detail(
                    Detail(
                        Remark.CAPACITY_RETRY,
                        seconds=round(wait),
                        attempt=attempt + 1,
                        attempts=CAPACITY_RETRIES + 1,
                    )
                )
                await self.clock.sleep(wait)
                continue
            self._start_pending = False
            self.store.update(session=started)
            self._detail(Detail(Remark.START_ACCEPTED))
            return started
        raise AssertionError("unreachable")

    async def _look_after_lost_answer(self) -> SessionStatus:
        """The session after a start or stop whose answer was lost.

        Until the look succeeds the start counts as ours, so a failure from here
        on still stops (or at least reports) an instance that may be billing.
        """
        self._started_by_us = True
        current = await self.client.poll_session()
        self.store.update(session=current)
        self._started_by_us = current.state.is_active
        return current

    async def _boot_and_connect(self, session: SessionStatus, options: PlayOptions) -> str:
        # An already-running PC (attached to) is not booting: it is waited on to be ready.
        running = session.state is SessionState.RUNNING
        self._enter(PlayPhase.WAITING_READY if running else PlayPhase.BOOTING)
        join: asyncio.Task[None] | None = None
        if options.pipelined:
            join = asyncio.get_running_loop().create_task(self._join_tailnet(), name="join")
        try:
            await self._ready_unless_join_fails(join)
            if join is None:
                await self._join_tailnet()
            else:
                if not join.done():
                    self._enter(PlayPhase.CONNECTING, Detail(Remark.FINISHING_JOIN))
                await join
        finally:
            if join is not None and not join.done():
                join.cancel()
                with contextlib.suppress(asyncio.CancelledError, PawpadoError):
                    await join
        self._enter(PlayPhase.CONNECTING)
        connect = await self.client.connect_info()
        # Moonlight sends input to this host: only the cloud PC on the joined tailnet.
        now = self.store.state.session
        instance_ip = now.tailnet_ip if now else None
        return await self.tailnet.verify_stream_host(connect.address, instance_ip)

    async def _ready_unless_join_fails(self, join: asyncio.Task[None] | None) -> None:
        """Wait for the instance; a join that fails meanwhile ends the wait (and the
        billing boot) at once instead of after the whole boot."""
        if join is None:
            await self._wait_ready()
        else:  # a successful join waits on for the instance; the caller finishes it
            try:
                await first_of(self._wait_ready(), failure_of(join))
            except SessionNotRunning:
                # The session ended under the join (the start failed, or it was stopped):
                # its own state says why, which is what the user needs to read.
                await self._wait_ready()
                raise

    async def _join_tailnet(self) -> None:
        key = await self.client.tailscale_key()
        instance_ip = self.store.state.session.tailnet_ip if self.store.state.session else None
        self._joined = True  # from here on, leaving is needed even if join fails half-way
        await self.tailnet.join(key.auth_key, key.control_url, instance_ip, JOIN_DEADLINE_S)
        log.info("joined the tailnet")

    async def _wait_ready(self) -> None:
        def settled(s: SessionStatus) -> bool:
            return s.is_playable or not (s.state.is_active or s.state is SessionState.UNKNOWN)

        def phase_of(s: SessionStatus) -> None:
            if s.state is SessionState.RUNNING and self.store.state.play.phase is PlayPhase.BOOTING:
                self._enter(PlayPhase.WAITING_READY)

        unsubscribe = self.store.subscribe(
            lambda old, new: phase_of(new.session) if new.session else None
        )
        try:
            status = await self.wait_session(settled, BOOT_DEADLINE_S)
        finally:
            unsubscribe()
        if status.is_playable:
            self.notices.post(NoticeKind.SESSION_READY, Topic.SESSION_READY)
            return
        if status.state is SessionState.ERROR:
            self._started_by_us = False  # the server stopped billing it
            if status.message:
                raise StartFailed(
                    "{said} Nothing more is charged. "
                    "Try Play again; if it keeps failing, contact Pawpado support.",
                    said=sentence(status.message),
                )
            raise StartFailed(
                "The start failed. Nothing more is charged. "
                "Try Play again; if it keeps failing, contact Pawpado support."
            )
        raise SessionEnded(
            "Your session stopped while starting ({said}). Try Play again.",
            said=clause(status.message or status.raw_state),
        )

    async def _pair_if_needed(self, address: str) -> None:
        if await self.streamer.is_paired(address):
            return
        self._enter(PlayPhase.PAIRING)
        pin = await self.client.pair_pin()
        await self.streamer.pair(address, pin.pin, pin.expires_at)

    async def _stream(self, address: str, options: PlayOptions, server: Settings) -> None:
        """Stream until Moonlight exits, or until the server ends the session under us."""
        self._enter(PlayPhase.STREAMING)
        app = options.app or self.local.moonlight_app
        stream_options = StreamOptions.from_settings(server, self.local)
        handle: StreamHandle = await self.streamer.stream(address, app, stream_options)
        self._handle = handle
        # A cancel leaves Moonlight to the clean-up, which closes it after the stop and
        # the Tailscale restore.
        try:
            index, outcome = await first_of(handle.wait(), self._session_ends())
        except Exception:
            await self._close_stream()
            raise
        if index == 0:
            self._handle = None  # Moonlight exited
            failure = cast(StreamOutcome, outcome).error()  # a crash or a failure dialog
            if failure is not None:
                raise failure
        else:
            await self._close_stream()
            if (gone := cast(SessionStatus | None, outcome)) is not None:
                raise self._session_gone(gone)
        session = self.store.state.session
        if session is not None and not session.state.is_active:
            raise self._session_gone(session)

    async def _session_ends(self) -> SessionStatus | None:
        """The session once the server ends it under the stream; None if the watch gave up."""
        try:
            return await self.wait_session(lambda s: not s.state.is_active, SESSION_WATCH_S)
        except NotSignedIn:
            # Signed out elsewhere mid-game: the PC runs on, so the game does too;
            # stopping it afterwards needs a new sign-in, and the user is told.
            await never()
        except PawpadoError:
            return None

    def _session_gone(self, session: SessionStatus) -> SessionEnded:
        self._started_by_us = session.state.is_active  # stopped server-side: nothing to stop
        if session.message:
            return SessionEnded(
                "Your session was stopped by Pawpado: {said} The stream closed.",
                said=sentence(session.message),
            )
        return SessionEnded(
            "Your session was stopped by Pawpado: it is {state} now. The stream closed.",
            state=session.raw_state,
        )

    async def _grace(self, options: PlayOptions) -> bool:
        """After the stream: True to stream again (Reconnect), False to go on."""
        if options.keep_running or not (self._started_by_us or options.stop_after):
            return False  # nothing of ours to stop (an attached session is asked about)
        minutes = options.grace_minutes
        if minutes is None:
            minutes = self.local.stop_grace_minutes
        if minutes <= 0:
            return False
        deadline = self.clock.now() + timedelta(minutes=minutes)
        self._enter(PlayPhase.GRACE, Detail(Remark.GRACE, minutes=minutes))
        self.store.update(play=replace(self.store.state.play, grace_deadline=deadline))
        self.notices.post(NoticeKind.STREAM_ENDED, Topic.STREAM_ENDED, minutes=minutes)
        c = self.controls  # a choice made while streaming (e.g. Stop now) counts here too
        await first_of(c.keep.wait(), c.stop_now.wait(), c.reconnect.wait(), self._until(deadline))
        if c.reconnect.is_set() and not c.stop_now.is_set():
            c.reconnect.clear()
            return True
        if c.keep.is_set():
            self._started_by_us = False  # the user takes it over
        return False

    async def _until(self, deadline: datetime) -> None:
        """Sleep until a wall-clock moment. The computer's sleep stops monotonic time
        but not billing, so naps are short and the deadline is looked at after each."""
        while (left := (deadline - self.clock.now()).total_seconds()) > 0:
            await self.clock.sleep(min(left, MAX_NAP_S))

    async def _finish(self, options: PlayOptions) -> PlayPhase:
        keep = options.keep_running or self.controls.keep.is_set()
        attached = not (
            self._started_by_us or options.stop_after or self.controls.stop_now.is_set()
        )
        if not keep and attached:
            keep = not await self._ask(Question.STOP_ATTACHED)
        if keep:
            self._started_by_us = False  # the user keeps it
            wound = await self._wind_down(stop=False)
            self._enter(PlayPhase.DONE, Detail(Remark.KEPT_RUNNING))
            self._tell(wound.problems)
            self.notices.post(NoticeKind.WARNING, Topic.KEPT_RUNNING)
            return PlayPhase.DONE
        wound = await self._wind_down(stop=True)
        if wound.stop_error is not None:
            self._wound = wound  # the clean-up tells it; the stop is not tried twice
            raise wound.stop_error
        self._enter(PlayPhase.DONE, *wound.said)
        self._tell(wound.problems)
        return PlayPhase.DONE

    async def _ask(self, question: Question) -> bool:
        """The user's answer; no way to ask (no terminal, a broken prompt) means no."""
        if self.confirm is None:
            return False
        try:
            return await self.confirm(question)
        except Exception:
            log.exception("asking the user failed")
            return False

    async def _wind_down(self, *, stop: bool) -> WindDown:
        """Send the stop, restore Tailscale, close Moonlight, then wait for `stopped`.

        In that order, so a process with little time left (a logout, the end of the
        desktop session) gets the stop out and the user's Tailscale back first. The
        wait for `stopped` lasts only as long as `deadline` allows. Never raises a
        PawpadoError: what went wrong is in the result.
        """
        wound = WindDown()
        sending: asyncio.Task[None] | None = None
        if stop:
            self._enter(PlayPhase.STOPPING)
            sending = asyncio.get_running_loop().create_task(self._request_stop(), name="stop")
        try:
            await self._leave_tailnet()
        except PawpadoError as error:
            wound.problems.append(Detail(Remark.LEAVE_FAILED, error=error))
        await self._close_stream()
        if sending is not None:
            await self._confirm_stopped(sending, wound)
        return wound

    async def _request_stop(self) -> None:
        try:
            await self._send_stop()
        except SessionNotRunning:
            pass  # already stopping: the goal is reached
        except _ANSWER_LOST:
            if (await self._look_after_lost_answer()).state.is_active:
                raise  # the stop did not get through
        self._started_by_us = False

    async def _confirm_stopped(self, sending: asyncio.Task[None], wound: WindDown) -> None:
        sent = asyncio.Event()
        sending.add_done_callback(lambda _: sent.set())
        if not sending.done():
            await self.clock.wait_for(sent, self._time_left(STOPPED_WAIT_S))
        if not sending.done():
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sending
            wound.stop_error = NetworkError(
                "Pawpado did not confirm the stop before the app had to close."
            )
        elif (failure := sending.exception()) is not None:
            if not isinstance(failure, PawpadoError):
                raise failure
            wound.stop_error = failure
        if wound.stop_error is not None:
            wound.problems.append(Detail(Remark.STOP_FAILED, error=wound.stop_error))
            return
        # Billing ends at `stopped` (or `error`), not at `stopping`: wait while we may.
        try:
            await self.wait_session(lambda s: s.state.can_start, self._time_left(STOPPED_WAIT_S))
        except PawpadoError:
            wound.summary = Detail(Remark.STOP_ACCEPTED)
            return
        wound.summary = Detail(Remark.STOPPED)
        self.notices.post(NoticeKind.SESSION_STOPPED, Topic.STOPPED)

    def _time_left(self, cap: float) -> float:
        if self.deadline is None:
            return cap
        return max(0.0, min(cap, self.deadline - self.clock.monotonic()))

    async def _close_stream(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(Exception):
                await handle.terminate()

    def _tell(self, problems: list[Detail]) -> None:
        for problem in problems:
            self.notices.post(NoticeKind.WARNING, Topic.CHECK_SESSION, problem=problem)

    async def _send_stop(self) -> None:
        # The one stop path (core/stopper.py). Past this wait the stop goes on in the
        # background, so an outage does not hold up leaving the tailnet.
        await self.stopper.stop(wait_s=PLAY_STOP_WAIT_S)

    async def _leave_tailnet(self) -> None:
        if self._joined:
            await self.tailnet.leave()
            self._joined = False

    # -- failure paths ----------------------------------------------------------

    async def _clean_up_after(self, exc: BaseException) -> None:
        """Stop what this Play started and leave the tailnet, whatever happened.

        Runs to completion even if cancelled again while it works (a second Ctrl-C).
        """
        task = asyncio.get_running_loop().create_task(self._clean_up(exc), name="play-cleanup")
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                continue
            except Exception:
                log.exception("cleanup after a failed Play failed")
                break

    async def _clean_up(self, exc: BaseException) -> None:
        cancelled = isinstance(exc, asyncio.CancelledError | CancelledByUser | KeyboardInterrupt)
        phase = PlayPhase.CANCELLED if cancelled else PlayPhase.FAILED
        problems: list[Detail] = []
        wound = self._wound or await self._way_out(cancelled, problems)
        problems.extend(wound.problems)
        self._enter(phase, *(problems or wound.said))
        if isinstance(exc, PawpadoError):
            self.store.update(last_error=exc)
        self._tell(problems)

    async def _way_out(self, cancelled: bool, problems: list[Detail]) -> WindDown:
        """Decide whether to stop, then wind down; adds what the user must hear."""
        if self._start_pending:
            problems.extend(await self._settle_start())
        if self.keep_on_exit:
            self._started_by_us = False  # the user chose to keep it running
        stop = self._started_by_us or self.stop_attached
        active = self.store.state.session is not None and self.store.state.session.state.is_active
        if not stop and not self.keep_on_exit and cancelled and active:
            stop = await self._ask(Question.STOP_ATTACHED_ON_CANCEL)
        wound = await self._wind_down(stop=stop)
        if not stop and self._start_unconfirmed and not problems:
            problems.append(Detail(Remark.START_UNCONFIRMED))
        elif not stop and active:
            problems.append(Detail(Remark.STILL_BILLING))
        return wound

    async def _settle_start(self) -> list[Detail]:
        """A way out while a start's answer was awaited: did it go through?

        Looks for a while (the request may still be on its way); an active session
        is ours to stop. Returns what to tell the user when it stays unclear.
        """
        end = self.clock.monotonic() + self._time_left(START_SETTLE_S)
        failure: PawpadoError | None = None
        while True:
            try:
                current = await self.client.poll_session()
            except PawpadoError as error:
                failure = error
            else:
                failure = None
                self.store.update(session=current)
                if current.state.is_active or current.state is SessionState.UNKNOWN:
                    self._start_pending = False
                    return []  # it went through: ours, stopped next
            if self.clock.monotonic() + START_SETTLE_POLL_S > end:
                break
            await self.clock.sleep(START_SETTLE_POLL_S)
        self._started_by_us = self._start_pending = False
        if failure is not None:
            return [Detail(Remark.START_UNREACHABLE, error=failure)]
        self._start_unconfirmed = True
        return [Detail(Remark.START_UNCONFIRMED)]


@dataclass
class WindDown:
    """What a Play's way out achieved: a line for the user, and what went wrong."""

    summary: Detail | None = None
    problems: list[Detail] = field(default_factory=list)
    stop_error: PawpadoError | None = None

    @property
    def said(self) -> tuple[Detail, ...]:
        return (self.summary,) if self.summary is not None else ()


def _explained(error: PawpadoError) -> bool:
    """The server answered with a proper error body (a code and its message)."""
    return isinstance(error, ApiError) and bool(error.server_message)


def _insufficient(credits: Credits) -> InsufficientCredits:
    return InsufficientCredits(
        "Your balance is {balance}; starting needs "
        "at least {needed} (15 minutes of play), so {missing} is missing. "
        "Choose Top up and play in the tray, or run "
        "`pawpado-desktop play --topup {offer}`: the Play starts once the payment is credited.",
        balance=Money(credits.balance, credits.currency),
        needed=Money(credits.minimum_start_balance, credits.currency),
        missing=Money(credits.shortfall_to_start, credits.currency),
        offer=format(amount_to_play(credits), "f"),
    )


def timeline(progress: PlayProgress, now: float) -> list[tuple[PlayPhase, float]]:
    """The steps as (phase, seconds spent), for the progress window and the CLI."""
    return [
        (step.phase, (step.ended if step.ended is not None else now) - step.started)
        for step in progress.steps
    ]
