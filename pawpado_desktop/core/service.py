"""The core service: one object the tray and the CLI both drive.

It owns the observable state, the notices, the poller and the budget guard, and
offers every user action as a method with a typed result (sign in/out, status,
Play, cancel, stop, top up, settings, delete account, debug info). The tray and
the CLI call only these; the API client, the services and the poller are private.
It never imports Qt; renderers subscribe to `store` and `notices`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Protocol, TypeVar

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.api.errors import (
    InsufficientCredits,
    NetworkError,
    ProtocolError,
    ServerError,
    ValidationFailed,
)
from pawpado_desktop.api.models import (
    AccountDeletion,
    Credits,
    Identity,
    SessionStatus,
    Settings,
    TopupCheckout,
)
from pawpado_desktop.auth.errors import CredentialStoreError
from pawpado_desktop.clock import SYSTEM_CLOCK, Clock
from pawpado_desktop.concurrency import within
from pawpado_desktop.config import LocalSettings
from pawpado_desktop.core.budget import BudgetGuard, attention, runs_out_at
from pawpado_desktop.core.checkout import (
    MAX_WATCH_S,
    SETTLE_WAIT_S,
    ReturnListener,
    TopupNotCompleted,
    TopupOutcome,
    TopupResult,
    amount_to_play,
)
from pawpado_desktop.core.connection import ConnectionWatcher, path_for_status
from pawpado_desktop.core.facts import Param
from pawpado_desktop.core.health import HEALTH_EVERY_S, ServiceHealth, check_service
from pawpado_desktop.core.history import History, HistoryRecorder
from pawpado_desktop.core.notices import NoticeBoard, NoticeKind, Topic
from pawpado_desktop.core.ownership import PlayClaim, Role
from pawpado_desktop.core.play import Confirm, PlayOptions, PlayPipeline, SessionEnded, Timeout
from pawpado_desktop.core.polling import CREDITS_TOPUP_S, Poller, PollPlan, poll_plan
from pawpado_desktop.core.ports import Streamer, Tailnet
from pawpado_desktop.core.settings import (
    FieldError,
    SettingsInvalid,
    SettingsUpdate,
    SettingsView,
    checked_local,
    checked_server,
    copy_into,
    server_refusal,
)
from pawpado_desktop.core.state import AppState, PlayPhase, StateStore
from pawpado_desktop.core.stop_policy import SIGN_OUT_STOP_WAIT_S, TRAY_STOP_WAIT_S
from pawpado_desktop.core.stopper import PendingStop, StopMarker, Stopper
from pawpado_desktop.errors import ExitCode, Money, NotSignedIn, PawpadoError, Phrase
from pawpado_desktop.tailscale.models import ConnectionPath

log = logging.getLogger(__name__)

T = TypeVar("T")

STORAGE_EVERY_S = 60 * 60.0  # the storage tier and billing period change rarely
# Sign-out with a PC to stop: how long to wait for it to reach `stopped` (after the
# stop is accepted it gets there on its own; the wait only makes the answer exact).
_TRANSIENT = (NetworkError, ProtocolError, ServerError)
UNREADABLE = (
    "The app could not read Pawpado's answer (an internal problem, written to the log). "
    "It keeps trying."
)


class SignInFlow(Protocol):
    """A device flow under way (`pawpado_desktop.auth.device_flow.DeviceFlow`): the code
    to show, the checked pages to open, and the wait for the user's approval."""

    @property
    def user_code(self) -> str: ...

    @property
    def verification_uri(self) -> str: ...

    @property
    def verification_uri_complete(self) -> str | None: ...

    @property
    def browser_uri(self) -> str: ...

    @property
    def expires_at(self) -> datetime: ...

    async def wait(self) -> object: ...

    def cancel(self) -> None: ...


class SignIn(Protocol):
    """What the core needs from `pawpado_desktop.auth.manager.AuthManager`."""

    @property
    def is_signed_in(self) -> bool: ...

    async def load(self) -> bool: ...

    async def start_sign_in(self) -> SignInFlow: ...

    async def sign_out(self) -> None: ...

    async def issuer_reachable(self) -> bool: ...


class BusyError(PawpadoError):
    title = "Already playing"


class StillRunning(PawpadoError):
    """Signing out would leave a gaming PC billing with nothing here able to stop it."""

    title = "Still signed in"
    exit_code = ExitCode.SESSION_RUNNING


@dataclass
class Services:
    """Everything the core talks to, built by `pawpado_desktop.core.factory`."""

    client: PawpadoClient
    auth: SignIn
    tailnet: Tailnet
    streamer: Streamer
    clock: Clock
    local: LocalSettings
    open_url: Callable[[str], Awaitable[bool | None]]  # False: no browser could be opened
    config_dir: Path  # settings, state files, the history
    demo: bool = False
    role: Role = Role.CLI  # which process this is, named to a second Play it refuses
    warning: Phrase | str = ""  # set up with a caveat the user should see (e.g. no keyring)
    keeps_sign_in: bool = True  # False: the sign-in lives in memory for this run only
    history: HistoryRecorder | None = None  # the session history, where one is kept
    # Released in reverse order by Core.aclose (the HTTP client, the demo world, ...).
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


class Core:
    def __init__(self, services: Services, *, confirm: Confirm | None = None) -> None:
        self._services = services
        self._client = services.client
        self.clock = services.clock
        self.confirm = confirm
        self.store = StateStore(AppState(demo=services.demo, warning=services.warning))
        self.notices = NoticeBoard()
        self.budget = BudgetGuard()
        # Every stop goes through it. No deadline: the tray's; the CLI sets 10 minutes.
        self.stopper = Stopper(
            self._client, self.clock, self.store, marker=StopMarker(services.config_dir)
        )
        self._pending_stop_task: asyncio.Task[None] | None = None
        self._poller = Poller(
            self.clock,
            self._plan,
            self.refresh_session,
            self.refresh_credits,
            on_failure=self._poll_failed,
        )
        # Why each read last failed; the app is offline while any is set.
        self._trouble: dict[str, Phrase | str] = {}
        self.pipeline: PlayPipeline | None = None
        self._play_task: asyncio.Task[PlayPhase] | None = None
        self._topup_task: asyncio.Task[TopupResult] | None = None  # while watching
        self._last_topup: asyncio.Task[TopupResult] | None = None  # kept for its result
        self._topup_baseline: Decimal | None = None
        self._storage_read_at: float | None = None
        self._health_task: asyncio.Task[ServiceHealth] | None = None
        self._health_checked_at: float | None = None
        self._play_claim = PlayClaim(services.role, services.config_dir)
        self._sign_in_flow: SignInFlow | None = None
        # The path to the cloud PC, read while a Play streams (core/connection.py).
        self.connection = ConnectionWatcher(
            self.store,
            self.notices,
            self.clock,
            services.tailnet.connection_path,
            playing=lambda: self.playing,
        )
        self.connection.attach()

    # -- lifecycle --------------------------------------------------------------

    async def start(self, *, poll: bool = True, pending_wait_s: float | None = None) -> AppState:
        """Load the sign-in, restore a crashed tailnet join, find a running session.

        A stop left unconfirmed by an earlier run is sent again; a CLI command waits for
        it at most `pending_wait_s` (None: its stopper's deadline), and a stop still
        unconfirmed then keeps its marker for the next start.
        """
        try:
            restored = await self._services.tailnet.restore_after_crash()
        except PawpadoError as error:
            log.warning("could not restore the Tailscale profile: %s", error.message)
            restored = False
        if restored:
            self.notices.post(NoticeKind.WARNING, Topic.TAILSCALE_RESTORED)
        try:  # a Moonlight left running by a Pawpado process that died
            await self._services.streamer.close_orphans()
        except Exception as error:  # never a reason not to start
            log.warning("could not close orphaned Moonlight processes: %s", error)
        signed_in = await self._services.auth.load()
        self.store.update(signed_in=signed_in)
        if signed_in:
            await self._on_signed_in()
            if self.store.state.offline == "" and self.store.state.signed_in:
                self._poller.mark_fresh()  # _on_signed_in just read both: no second read now
        await self._carry_out_pending_stop(pending_wait_s)
        if poll:
            self._poller.start()
        return self.store.state

    async def connection_for_status(self) -> ConnectionPath | None:
        """The path to the running cloud PC for `status`: this process's reading, or
        one taken now while another process's Play owns the session."""
        return await path_for_status(self.store.state, self._services.tailnet)

    async def aclose(self) -> None:
        await self.connection.aclose()
        await self.stopper.aclose()
        await self._poller.stop()
        for task in (self._topup_task, self._pending_stop_task, self._health_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._client.aclose()
        for close in reversed(self._services.closers):
            try:
                await close()
            except Exception:  # closing must go on whatever one part does
                log.exception("closing a service failed")

    async def _on_signed_in(self) -> None:
        try:
            identity = await self._client.whoami()
            self.store.update(identity=identity)
            await self.refresh_settings()
            await self.refresh_session()
            await self.refresh_credits()
        except NotSignedIn:
            self._signed_out()
            return
        except _TRANSIENT as error:
            self._set_trouble("session", error.phrase)  # nothing after it was read
            return
        session = self.store.state.session
        if session is not None and session.state.is_active and not self.playing:
            self.notices.post(NoticeKind.SESSION_FOUND, Topic.SESSION_FOUND, **self.running_facts())

    def running_facts(self) -> dict[str, Param]:
        """The running session for the recovery offer (Topic.SESSION_FOUND's parameters):
        its state as the server says it, minutes since its start, its cost so far."""
        state = self.store.state
        session, credits = state.session, state.credits
        minutes: int | None = None
        if session is not None and session.started_at is not None:
            minutes = max(0, int((self.clock.now() - session.started_at).total_seconds() // 60))
        cost = state.cost_so_far(self.clock.now())
        money = Money(cost, credits.currency) if cost is not None and credits else None
        return {
            "state": session.raw_state if session is not None else None,
            "minutes": minutes,
            "cost": money,
        }

    def signed_out_by_server(self, why: NotSignedIn | None) -> None:
        """The sign-in ended on its own (revoked, expired): say so, stop polling."""
        error = why or NotSignedIn()
        self._signed_out()
        self.store.update(last_error=error)
        self.notices.post(NoticeKind.ERROR, Topic.FAILED, error=error)

    def _signed_out(self) -> None:
        self._trouble.clear()
        self._storage_read_at = None
        self.store.update(
            signed_in=False,
            identity=None,
            credits=None,
            session=None,
            offline="",
            service="",
            storage=None,
            topup_offer=None,
        )
        self._poller.replan()

    # -- polling ----------------------------------------------------------------

    def _plan(self) -> PollPlan:
        return poll_plan(self.store.state, watching_topup=self._topup_task is not None)

    async def _fetch(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """One API read: a lost sign-in signs out; any other failure shows the app offline
        (what it last showed was not confirmed) until a read of `what` succeeds again."""
        try:
            result = await call()
        except NotSignedIn:
            self._signed_out()
            raise
        except PawpadoError as error:
            self._set_trouble(what, error.phrase)
            raise
        except Exception:
            self._set_trouble(what, Phrase(UNREADABLE))
            raise
        self._set_trouble(what, "")
        return result

    def _set_trouble(self, what: str, why: Phrase | str) -> None:
        if why:
            self._trouble[what] = why
        else:
            self._trouble.pop(what, None)
        offline = next(iter(self._trouble.values()), "")
        if offline:
            self.store.update(offline=offline)
        else:
            self.store.update(offline="", service="")
        if offline:
            self._check_service_soon()
        else:
            self._health_checked_at = None  # the next trouble is a new episode: check it

    def _check_service_soon(self) -> None:
        """While offline, ask Pawpado's health (at most once a minute, one at a time)."""
        now = self.clock.monotonic()
        recent = self._health_checked_at is not None and (
            now - self._health_checked_at < HEALTH_EVERY_S
        )
        if recent or (self._health_task is not None and not self._health_task.done()):
            return
        self._health_checked_at = now
        self._health_task = asyncio.get_running_loop().create_task(
            self.check_service(), name="service-health"
        )

    async def service_health(self) -> str:
        """While offline, the health check's answer (the one under way, or a new one);
        "" when online."""
        if not self.store.state.offline:
            return ""
        task = self._health_task
        if task is None:
            self._check_service_soon()
            task = self._health_task
        if task is not None:
            with contextlib.suppress(Exception):
                await task
        return self.store.state.service

    async def check_service(self) -> ServiceHealth:
        """Tell "Pawpado is down or unreachable" from "you are offline" (core/health.py)."""
        health = await check_service(self._client, self._services.auth.issuer_reachable)
        self._health_checked_at = self.clock.monotonic()
        if self.store.state.offline:  # a read may have succeeded meanwhile
            self.store.update(service=health.value)
        return health

    def _poll_failed(self, what: str, error: Exception) -> None:
        """The poller's report: a failure that escaped `_fetch` still means offline."""
        if isinstance(error, NotSignedIn) or what in self._trouble:
            return
        self._set_trouble(what, error.message if isinstance(error, PawpadoError) else UNREADABLE)

    async def refresh_session(self) -> SessionStatus | None:
        if not self.store.state.signed_in:
            return None
        status = await self._fetch("session", self._client.poll_session)
        old = self.store.state.session
        self.store.update(session=status)
        ended = old is not None and old.state.is_active and not status.state.is_active
        if ended and status.message and not self.playing:
            self.notices.post(NoticeKind.WARNING, Topic.STOPPED_BY_SERVER, message=status.message)
        began = old is not None and not old.state.is_active and status.state.is_active
        if began and not self.playing:
            # Started elsewhere, or by a start whose answer was lost: it bills, so say so.
            self.notices.post(NoticeKind.SESSION_FOUND, Topic.SESSION_FOUND, **self.running_facts())
        self._update_money()
        self._poller.replan()
        return status

    async def refresh_credits(self) -> Credits | None:
        if not self.store.state.signed_in:
            return None
        credits = await self._fetch("credits", self._client.credits)
        self.store.update(credits=credits, credits_read_at=self.clock.now())
        self._update_money()
        await self._refresh_storage_if_due()
        return credits

    async def _refresh_storage_if_due(self) -> None:
        """The storage tier and period, with the balance once an hour (not every poll).

        A failed read keeps what was shown and is tried again with the next balance
        read; it is not a reason to show the app offline.
        """
        now = self.clock.monotonic()
        if self._storage_read_at is not None and now - self._storage_read_at < STORAGE_EVERY_S:
            return
        try:
            storage = await self._client.storage_billing()
        except PawpadoError as error:  # a lost sign-in shows on the next session read
            log.info("could not read the storage billing: %s", error.message)
            return
        self._storage_read_at = now
        self.store.update(storage=storage)

    async def refresh_settings(self) -> None:
        settings = await self._client.settings()
        self.store.update(low_balance_alert_minutes=settings.low_balance_alert_minutes)

    def _update_money(self) -> None:
        state = self.store.state
        if state.credits is None:
            return
        session_on = state.session is not None and state.session.state.is_active
        self.store.update(
            attention=attention(state.credits, state.low_balance_alert_minutes),
            runs_out_at=runs_out_at(state.credits, self.clock.now()) if session_on else None,
        )
        alert = self.budget.observe(
            state.credits, state.low_balance_alert_minutes, during_session=session_on
        )
        if alert is not None:
            self.notices.post(NoticeKind.LOW_BALANCE, alert.topic, minutes=alert.minutes_left)

    async def wait_session(
        self, predicate: Callable[[SessionStatus], bool], deadline_s: float
    ) -> SessionStatus:
        """Wait until a polled session status satisfies `predicate`.

        Raises NotSignedIn once the sign-in is gone: no poll could ever satisfy it.
        """
        changed = asyncio.Event()
        unsubscribe = self.store.subscribe(
            lambda old, new: changed.set() if new.session is not old.session else None
        )
        end = self.clock.monotonic() + deadline_s
        try:
            self._poller.poke(credits=False)
            while True:
                if not self.store.state.signed_in:
                    raise self._sign_in_gone()
                session = self.store.state.session
                if session is not None and predicate(session):
                    return session
                left = end - self.clock.monotonic()
                if left <= 0:
                    raise Timeout(
                        "Your gaming PC did not reach the expected state in time. "
                        "Check the session in the tray; stop it if it is stuck."
                    )
                changed.clear()
                await self.clock.wait_for(changed, left)
        finally:
            unsubscribe()

    def _sign_in_gone(self) -> NotSignedIn:
        last = self.store.state.last_error  # why, when the server ended it
        if isinstance(last, NotSignedIn):
            return NotSignedIn(last.template, **last.params)
        return NotSignedIn()

    # -- actions ----------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._play_task is not None and not self._play_task.done()

    async def play(self, options: PlayOptions | None = None) -> PlayPhase:
        if self.playing:
            raise BusyError("A Play is already under way. Cancel it first, or wait for it.")
        if not self.store.state.signed_in:
            raise NotSignedIn()
        await self._play_claim.take()  # one Play per user: the tray or one command
        self._poller.start()  # the pipeline waits on polled session states
        self.pipeline = PlayPipeline(
            client=self._client,
            tailnet=self._services.tailnet,
            streamer=self._services.streamer,
            store=self.store,
            notices=self.notices,
            clock=self.clock,
            local=self._services.local,
            wait_session=self.wait_session,
            replan=self._poller.replan,
            confirm=self.confirm,
            stopper=self.stopper,
        )
        task = asyncio.get_running_loop().create_task(self.pipeline.run(options or PlayOptions()))
        self._play_task = task
        self.store.update(topup_offer=None)
        try:
            phase = await task
            await self.refresh_all()  # the balance and the session changed: show them now
            return phase
        except PawpadoError as error:
            self.store.update(last_error=error)
            offer = await self._topup_offer(error)
            if offer is None:
                self.notices.post(NoticeKind.ERROR, Topic.FAILED, error=error)
            else:
                self.store.update(topup_offer=offer)
                self.notices.post(NoticeKind.NEEDS_CREDIT, Topic.FAILED, error=error)
            raise
        finally:
            self._play_claim.release()
            self._poller.poke()

    async def _topup_offer(self, error: PawpadoError) -> Decimal | None:
        """The amount "Top up and play" offers when credit is what stopped the Play: a start
        refused for credit, or a session the server stopped because the balance ran out."""
        if not isinstance(error, InsufficientCredits | SessionEnded):
            return None
        if isinstance(error, SessionEnded):
            with contextlib.suppress(*_TRANSIENT):
                await self.refresh_credits()
        credits = self.store.state.credits
        session = self.store.state.session
        if credits is None or credits.shortfall_to_start <= 0:
            return None
        if session is not None and session.state.is_active:
            return None  # still running: not a question of credit
        return amount_to_play(credits)

    async def refresh_all(self) -> None:
        """Session and balance now, ignoring a passing network problem (shown as a warning)."""
        for refresh in (self.refresh_session, self.refresh_credits):
            with contextlib.suppress(*_TRANSIENT):
                await refresh()

    def cancel_play(self) -> bool:
        if self.playing and self._play_task is not None:
            self._play_task.cancel()
            return True
        return False

    async def shutdown(
        self, *, deadline_s: float, stop_attached: bool = False, keep_running: bool = False
    ) -> None:
        """Every way out of the app ends here (Quit, SIGTERM, logout, OS shutdown).

        A Play under way is cancelled, so its clean-up stops an instance it started
        (or may have started: a start whose answer is still awaited), restores
        Tailscale and closes Moonlight; a session it only attached to is stopped only
        with `stop_attached`, and none is stopped with `keep_running` (the user chose
        to keep it). Waits at most `deadline_s` (what the process may still live);
        the clean-up waits for `stopped` only within that time.
        """
        task = self._play_task
        if task is None or task.done():
            return
        if self.pipeline is not None:
            self.pipeline.stop_attached = stop_attached
            self.pipeline.keep_on_exit = keep_running
            self.pipeline.deadline = self.clock.monotonic() + deadline_s
            self.pipeline.confirm = None  # no questions on the way out: stop_attached decides
        task.cancel()
        # The process's remaining life is real time; the clean-up goes on if it passes.
        with contextlib.suppress(asyncio.CancelledError, TimeoutError, PawpadoError):
            await within(SYSTEM_CLOCK, deadline_s, asyncio.shield(task))

    def keep_running(self) -> None:
        if self.pipeline is not None:
            self.pipeline.controls.keep.set()

    def stop_now(self) -> None:
        if self.pipeline is not None:
            self.pipeline.controls.stop_now.set()

    def reconnect(self) -> None:
        if self.pipeline is not None:
            self.pipeline.controls.reconnect.set()

    async def stop_session(self, *, wait_s: float | None = None) -> SessionStatus | None:
        """Stop the running session (outside a Play, or to end one).

        Retried until Pawpado confirms it (core/stopper.py); returns the confirmed
        status. Waits at most `wait_s` (None: the stopper's deadline, or
        TRAY_STOP_WAIT_S without one); raises StopNotConfirmed when it was not
        confirmed in that time (without a deadline the stop goes on in the background).
        """
        if self.playing and self.pipeline is not None:
            self.pipeline.controls.stop_now.set()
        if wait_s is None and self.stopper.deadline_s is None:
            wait_s = TRAY_STOP_WAIT_S  # a tray action ends; the stop itself goes on
        try:
            return await self.stopper.stop(wait_s=wait_s)
        finally:
            self._poller.poke()

    async def _carry_out_pending_stop(self, wait_s: float | None = None) -> None:
        """A stop left unconfirmed by an earlier run (a crash, a kill): send it again.

        The tray does so in the background; a CLI command (a stopper deadline) first.
        """
        pending = self.stopper.pending()
        if pending is None:
            return
        state = self.store.state
        if not state.signed_in:
            self.notices.post(NoticeKind.WARNING, Topic.STOP_UNCONFIRMED_SIGNED_OUT)
            return
        user = state.identity.huudis_user_id if state.identity else None
        if pending.user_id and user and pending.user_id != user:
            self.notices.post(NoticeKind.WARNING, Topic.STOP_UNCONFIRMED_OTHER_ACCOUNT)
            return
        session = state.session
        if state.offline == "" and session is not None and pending.fulfilled_by(session):
            self.stopper.forget(pending)  # it went through after all, or that session ended
            return
        self.notices.post(NoticeKind.WARNING, Topic.FINISHING_STOP)
        if self.stopper.deadline_s is None:
            self._pending_stop_task = asyncio.get_running_loop().create_task(
                self._finish_pending_stop(pending), name="pending-stop"
            )
        else:
            await self._finish_pending_stop(pending, wait_s)

    async def _finish_pending_stop(self, pending: PendingStop, wait_s: float | None = None) -> None:
        try:
            await self.stopper.resume(pending, wait_s=wait_s)
        except PawpadoError as error:
            self.notices.post(NoticeKind.WARNING, Topic.FAILED, error=error)
            return
        finally:
            self._poller.poke()
        self.notices.post(NoticeKind.SESSION_STOPPED, Topic.PENDING_STOP_DONE)

    async def topup(self, amount: Decimal, *, open_browser: bool = True) -> TopupCheckout:
        """Create a checkout, open it, and watch the balance until it rises.

        The watch ends when the credit lands, when the browser comes back from a
        cancelled checkout (its returnUrl, served on loopback), or once the checkout's
        `expiresAt` has passed; `topup_result()` says which, and a notice says it too.
        """
        credits = await self.refresh_credits()  # a fresh baseline: a session may be billing
        listener = ReturnListener()
        try:
            checkout = await self._client.topup(amount, return_url=await listener.start())
        except BaseException:
            await listener.aclose()
            raise
        if open_browser:
            await self._services.open_url(checkout.checkout_url)
        self._topup_baseline = credits.balance if credits else None
        if self._topup_task is not None:
            self._topup_task.cancel()
        self._topup_task = self._last_topup = asyncio.get_running_loop().create_task(
            self._watch_topup(checkout, listener), name="topup-watch"
        )
        self._poller.start()  # the watch relies on the poller's 5 s balance reads
        self._poller.replan()
        return checkout

    async def wait_for_topup(self) -> Credits | None:
        """The credited balance, or None when the watch ended without a rise."""
        result = await self.topup_result()
        return result.credits if result.outcome is TopupOutcome.CREDITED else None

    async def topup_result(self) -> TopupResult:
        """How the last top-up's watch ended (it may end cancelled: replaced, or closing)."""
        task = self._last_topup
        if task is None:
            return TopupResult(TopupOutcome.STOPPED, None)
        # A cancel of the caller (Ctrl-C) goes on up; the watch's own cancel is an outcome.
        await asyncio.wait({task})
        if task.cancelled():
            return TopupResult(TopupOutcome.STOPPED, self.store.state.credits)
        return task.result()

    async def topup_and_play(
        self,
        amount: Decimal,
        options: PlayOptions | None = None,
        *,
        show: Callable[[TopupCheckout], Awaitable[None]] | None = None,
    ) -> PlayPhase:
        """Top up, wait for the credit, then Play: "Top up and play".

        `show` presents the checkout (opens the browser, prints the link); without it
        the browser is opened. A checkout that ends without a credit (cancelled,
        expired) raises TopupNotCompleted and nothing is started.
        """
        if self.playing:
            raise BusyError("A Play is already under way. Cancel it first, or wait for it.")
        checkout = await self.topup(amount, open_browser=show is None)
        if show is not None:
            await show(checkout)
        result = await self.topup_result()
        if result.outcome is not TopupOutcome.CREDITED:
            self.store.update(topup_offer=amount)  # still short: the offer stands
            raise _not_completed(result)
        self.store.update(topup_offer=None)
        return await self.play(options)

    async def _watch_topup(self, checkout: TopupCheckout, listener: ReturnListener) -> TopupResult:
        """Wait for the balance to rise (the poller reads it every 5 s meanwhile), for the
        browser to come back from a cancelled checkout, or for the checkout to expire."""
        baseline = self._topup_baseline
        changed = asyncio.Event()
        listener.on_return = changed.set
        unsubscribe = self.store.subscribe(
            lambda old, new: changed.set() if new.credits is not old.credits else None
        )
        # Wall-clock, like expiresAt itself: a computer asleep past it finds it expired.
        end = min(checkout.expires_at, self.clock.now() + timedelta(seconds=MAX_WATCH_S))
        settling = False  # the browser said "paid": wait for the settlement past the expiry
        try:
            while True:
                credits = self.store.state.credits
                if credits and baseline is not None and credits.balance > baseline:
                    return self._topup_ended(
                        TopupOutcome.CREDITED,
                        credits,
                        added=Money(credits.balance - baseline, credits.currency),
                        balance=Money(credits.balance, credits.currency),
                    )
                said = listener.status
                if said in ("cancelled", "expired"):
                    return self._cancelled_or_expired(
                        TopupOutcome.CANCELLED if said == "cancelled" else TopupOutcome.EXPIRED
                    )
                if said is not None and not settling:
                    settling = True
                    end = max(end, self.clock.now() + timedelta(seconds=SETTLE_WAIT_S))
                    self._poller.poke(session=False)
                left = (end - self.clock.now()).total_seconds()
                if left <= 0:
                    if settling:
                        return self._topup_ended(TopupOutcome.NOT_CREDITED, credits)
                    return self._cancelled_or_expired(TopupOutcome.EXPIRED)
                changed.clear()
                # An unchanged balance changes no state: look again at the poll's pace.
                await self.clock.wait_for(changed, min(left, CREDITS_TOPUP_S))
        finally:
            unsubscribe()
            await listener.aclose()
            if self._topup_task is asyncio.current_task():
                self._topup_task = None
            self._poller.replan()

    def _cancelled_or_expired(self, outcome: TopupOutcome) -> TopupResult:
        return self._topup_ended(outcome, self.store.state.credits)

    def _topup_ended(
        self, outcome: TopupOutcome, credits: Credits | None, **params: Param
    ) -> TopupResult:
        """Tell the outcome (a notice, worded by the presenter) and return it."""
        if outcome is TopupOutcome.CREDITED:
            self.notices.post(NoticeKind.TOPUP_CREDITED, Topic.TOPUP_CREDITED, **params)
        else:
            topic = {
                TopupOutcome.CANCELLED: Topic.TOPUP_CANCELLED,
                TopupOutcome.EXPIRED: Topic.TOPUP_EXPIRED,
            }.get(outcome, Topic.TOPUP_NOT_CREDITED)
            self.notices.post(NoticeKind.WARNING, topic)
        return TopupResult(outcome, credits)

    async def start_sign_in(self, *, must_keep: bool = False) -> SignInFlow:
        """Start the device flow: show its code, then `complete_sign_in(flow)`.

        `must_keep` (a command that ends right after): refuse when the sign-in could only
        be kept in memory, since it would be forgotten at once."""
        if must_keep and not self.keeps_sign_in:
            raise CredentialStoreError(
                "There is nowhere to keep your sign-in, so it would be forgotten as soon as "
                "this command finishes. Fix the keyring (see the warning above), or set "
                "PAWPADO_CREDENTIAL_STORE=file to keep it in a plain file."
            )
        self.cancel_sign_in()
        flow = await self._services.auth.start_sign_in()
        self._sign_in_flow = flow
        return flow

    async def complete_sign_in(self, flow: SignInFlow) -> Identity | None:
        """Wait for the user to approve `flow` (the flow polls Huudis), then load the
        account. Raises CancelledByUser after `cancel_sign_in`, a PawpadoError when the
        code expired or was refused. The identity is None when it could not be read yet."""
        try:
            await flow.wait()
        finally:
            if self._sign_in_flow is flow:
                self._sign_in_flow = None
        await self.load_sign_in()
        return self.store.state.identity

    def cancel_sign_in(self) -> bool:
        """End the sign-in flow under way, if any."""
        flow, self._sign_in_flow = self._sign_in_flow, None
        if flow is None:
            return False
        flow.cancel()
        return True

    async def load_sign_in(self) -> None:
        """A sign-in was just stored: load the account and its state, and start polling."""
        self.store.update(signed_in=True)
        await self._on_signed_in()
        self._poller.poke()

    async def whoami(self) -> Identity:
        """Who is signed in, read from Pawpado now. Raises NotSignedIn."""
        if not self.store.state.signed_in:
            raise NotSignedIn()
        identity = await self._client.whoami()
        self.store.update(identity=identity)
        return identity

    async def status(self) -> AppState:
        """The state, with the session and the balance read now where signed in."""
        await self.refresh_all()
        return self.store.state

    @property
    def keeps_sign_in(self) -> bool:
        """False when the sign-in lives in memory only (no usable keyring)."""
        return self._services.keeps_sign_in

    @property
    def api_url(self) -> str:
        return self._client.base_url

    async def open_in_browser(self, url: str) -> bool:
        """Open a checked address (a checkout, the sign-in page) in the browser; False
        when no browser could be opened (the caller shows the address instead)."""
        return await self._services.open_url(url) is not False

    def refresh_soon(self) -> None:
        """Read the session and the balance now (after a wake-up from sleep)."""
        self._poller.poke()

    # -- settings, account, diagnostics -------------------------------------------

    @property
    def local_settings(self) -> LocalSettings:
        """A copy of this computer's settings; change them with `update_settings`."""
        return replace(self._services.local)

    async def settings(self) -> SettingsView:
        """The local settings, and the account's when signed in and reachable."""
        local = self.local_settings
        if not self.store.state.signed_in:
            return SettingsView(local, None, Phrase("Sign in to change your account's settings."))
        try:
            server = await self._client.settings()
        except NotSignedIn:
            self._signed_out()
            return SettingsView(local, None, Phrase("Sign in to change your account's settings."))
        except PawpadoError as error:
            return SettingsView(local, None, error.phrase)
        return SettingsView(local, server)

    async def update_settings(self, update: SettingsUpdate) -> SettingsView:
        """Check every value first (SettingsInvalid names each bad key; nothing is
        changed), then change the account's settings, launch at login, and the local
        file, in that order; a refusal at a step keeps the steps after it undone."""
        local = checked_local(self._services.local, update.local)
        patch = checked_server(update.server) if update.server else None
        server: Settings | None = None
        if patch:
            if not self.store.state.signed_in:
                raise NotSignedIn()
            try:
                server = await self._client.update_settings(patch)
            except ValidationFailed as error:
                refusal = server_refusal(error.server_message, error.phrase)
                raise SettingsInvalid([refusal]) from None
            self.store.update(low_balance_alert_minutes=server.low_balance_alert_minutes)
        current = self._services.local
        if local.launch_at_login != current.launch_at_login:
            from pawpado_desktop import autostart  # platform code, only when it changes

            try:  # set, then read back: an entry that silently did nothing is an error
                await asyncio.to_thread(autostart.set_enabled, local.launch_at_login)
            except PawpadoError as error:
                raise SettingsInvalid([FieldError("launch_at_login", error.phrase)]) from None
        if local != current:
            await asyncio.to_thread(local.save, self._services.config_dir)
            copy_into(current, local)  # Moonlight and the next Play read this object
        return SettingsView(self.local_settings, server)

    async def delete_account(self) -> AccountDeletion:
        """Schedule the account's deletion, then sign out (a running PC is stopped first)."""
        if not self.store.state.signed_in:
            raise NotSignedIn()
        deletion = await self._client.delete_account()
        await self.sign_out(stop=True)
        return deletion

    def debug_info(self, extra: Mapping[str, str] | None = None) -> str:
        """The redacted summary for support (no secret, no e-mail address)."""
        from pawpado_desktop.diagnostics import debug_info

        details = {"Pawpado API": self.api_url, **(extra or {})}
        return debug_info(self.store.state, self.clock.now(), details)

    async def save_debug_bundle(self, folder: Path, *, summary: str, logs: Path) -> Path:
        """Zip the summary, the logs' tails and the state files into `folder`."""
        from pawpado_desktop.diagnostics import write_bundle

        return await asyncio.to_thread(
            write_bundle,
            folder,
            summary=summary,
            config=self._services.config_dir,
            logs=logs,
            now=self.clock.now(),
        )

    async def history_report(self, days: int) -> History | None:
        """The local session history of the last `days` days, where one is kept."""
        recorder = self._services.history
        if recorder is None:
            return None
        from pawpado_desktop.core.history import load_report

        return await load_report(recorder, self.clock.now(), days)

    async def sign_out(
        self, *, stop: bool, deadline_s: float = SIGN_OUT_STOP_WAIT_S
    ) -> SessionStatus | None:
        """Sign out; `stop` says what to do about a running gaming PC.

        With `stop` the PC is stopped before the sign-in is revoked (a Play's own, one
        it attached to, or one found running), since nothing here could stop it later;
        if that cannot be done or confirmed, the sign-in is kept and StillRunning is
        raised. Without `stop` it keeps running (and billing), as the user chose.
        Returns the session as last seen before the sign-in ended.
        """
        if self.playing:
            await self.shutdown(deadline_s=deadline_s, stop_attached=stop, keep_running=not stop)
        if stop and self.store.state.signed_in:
            await self._stop_before_sign_out(deadline_s)
        last = self.store.state.session
        await self._services.auth.sign_out()
        self._signed_out()
        return last

    async def _stop_before_sign_out(self, deadline_s: float) -> None:
        try:
            session = await self.refresh_session()
            if session is not None and session.state.is_active:
                session = await self.stop_session()
        except NotSignedIn:
            return  # the sign-in is gone already: nothing left to revoke or to stop with
        except PawpadoError as error:
            raise StillRunning(
                "Your gaming PC could not be stopped or checked ({reason}), so you are "
                "still signed in: signing out would leave nothing here to stop it. Try again "
                "in a moment, or sign out and keep it running on purpose.",
                reason=error.phrase,
            ) from None
        if session is None or session.state.can_start:
            return
        self._poller.start()  # the wait reads polled states
        with contextlib.suppress(PawpadoError):
            await self.wait_session(lambda s: s.state.can_start, deadline_s)


def _not_completed(result: TopupResult) -> TopupNotCompleted:
    """A "Top up and play" whose top-up ended without a credit: nothing was started."""
    if result.outcome is TopupOutcome.CANCELLED:
        return TopupNotCompleted(
            "The checkout was cancelled; nothing was charged. Nothing was started."
        )
    if result.outcome is TopupOutcome.EXPIRED:
        return TopupNotCompleted(
            "The checkout expired before a payment was credited; it can no longer be paid. "
            "If you paid at the last moment, your balance still rises once it is settled. "
            "Nothing was started."
        )
    if result.outcome is TopupOutcome.NOT_CREDITED:
        return TopupNotCompleted(
            "Your payment has not been credited yet. It shows in your balance once Plugipay "
            "settles it; if it does not, contact Pawpado support. Nothing was started."
        )
    return TopupNotCompleted(
        "The app stopped watching this top-up; a payment still shows in your balance. "
        "Nothing was started."
    )
