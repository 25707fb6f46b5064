"""Session history: recorded from the polls the app already makes, reported per day.

`HistoryRecorder` listens to the `StateStore`: a session seen starting opens a
row, every poll that sees it on fills in what was not known yet, the poll that
sees it stopped closes it, and the first balance read after that gives its cost.
A balance that rises is a top-up. Each reading of the path to the cloud PC while
streaming (`AppState.connection`) is kept with the session's row, for its path kind
and round trips. Only what was observed is written: a session
first seen already running has no "balance before", so its cost stays unknown.
The database work runs on one worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pawpado_desktop.api.models import SessionState, SessionStatus
from pawpado_desktop.clock import Clock
from pawpado_desktop.core.history_db import HistoryDb, SessionRecord, TopupRecord
from pawpado_desktop.core.state import AppState, StateStore
from pawpado_desktop.tailscale.models import ConnectionPath

log = logging.getLogger(__name__)

HISTORY_FILE = "history.sqlite3"
T = TypeVar("T")


def _open(session: SessionStatus | None) -> bool:
    """Billing, or about to stop billing: the session's row stays open."""
    return session is not None and (
        session.state.is_active or session.state is SessionState.STOPPING
    )


def _ended(session: SessionStatus | None) -> bool:
    return session is not None and session.state.can_start


class HistoryRecorder:
    """Writes what the StateStore shows into the history database."""

    def __init__(self, db: HistoryDb, server: str, clock: Clock) -> None:
        self.db = db
        self.server = server
        self.clock = clock
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history")
        self._row: int | None = None  # the open session's row
        self._awaiting_cost: int | None = None  # ended; its balance after not read yet
        self._adopted = False  # the open row of an earlier run has been looked at
        self._pending: list[Future[Any]] = []

    def attach(self, store: StateStore) -> Callable[[], None]:
        self._submit(self.db.prune, self.clock.now())
        state = store.state
        if state.signed_in and state.session is not None:  # known already: no change comes
            self._adopted = True
            self._submit(self._adopt, _open(state.session), self.clock.now())
            if _open(state.session):
                self._submit(self._on, self._details(state, self.clock.now()), None)
        return store.subscribe(self.observe)

    async def aclose(self) -> None:
        """Finish the writes under way, then close the file."""
        await asyncio.get_running_loop().run_in_executor(self._worker, self.db.close)
        self._worker.shutdown(wait=False)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """A read on the history's own thread (for reports while recording)."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, work, *args)

    async def drain(self) -> None:
        """Wait until every write submitted so far is done (tests, shutdown)."""
        await self.run(lambda: None)

    # -- observing --------------------------------------------------------------

    def observe(self, old: AppState, new: AppState) -> None:
        if not new.signed_in:
            return  # nothing to attribute; rows stay as they are
        now = self.clock.now()
        if new.credits is not None and new.credits is not old.credits:
            self._credits_changed(old, new, now)
        elif new.credits is not None and new.credits_read_at != old.credits_read_at:
            # Read again and unchanged: still the balance after a session that just ended.
            self._submit(self._maybe_cost, new.credits.balance)
        if new.session is not None and new.session is not old.session:
            self._session_changed(old, new, now)
        if new.connection is not None and new.connection is not old.connection:
            self._submit(self._path, now, new.connection)

    def _session_changed(self, old: AppState, new: AppState, now: datetime) -> None:
        session = new.session
        assert session is not None
        if not self._adopted:
            self._adopted = True
            self._submit(self._adopt, _open(session), now)
        if _open(session):
            seen_start = _ended(old.session) or new.play.started_by_us
            credits = new.credits
            balance = credits.balance if credits and seen_start else None
            self._submit(self._on, self._details(new, now), balance)
        elif _ended(session) and (self._row is not None or _open(old.session)):
            self._submit(self._end, now, session.raw_state, session.message)

    @staticmethod
    def _details(state: AppState, now: datetime) -> dict[str, Any]:
        session, credits = state.session, state.credits
        assert session is not None
        return {
            "seen": now,
            "instance_id": session.instance_id,
            "started_at": session.started_at,
            "started_here": state.play.started_by_us,
            "currency": credits.currency if credits else None,
            "rate": credits.rate_per_minute if credits else None,
        }

    def _credits_changed(self, old: AppState, new: AppState, now: datetime) -> None:
        credits, before = new.credits, old.credits
        assert credits is not None
        if before is not None and before.currency == credits.currency:
            rise = credits.balance - before.balance
            if rise > 0:
                self._submit(
                    self.db.topup,
                    self.server,
                    seen=now,
                    currency=credits.currency,
                    amount=rise,
                    balance=credits.balance,
                )
        self._submit(self._maybe_cost, credits.balance)

    # -- on the worker thread ---------------------------------------------------

    def _adopt(self, session_open: bool, now: datetime) -> None:
        """An earlier run's row: carry it on, or mark that it ended while we were away."""
        earlier = self.db.open_session(self.server)
        if earlier is None:
            return
        if session_open:
            self._row = earlier.id
        else:
            self.db.end(earlier.id, ended_at=None, state="unobserved", message=None)

    def _on(self, details: dict[str, Any], balance: Decimal | None) -> None:
        if self._row is None:
            self._row = self.db.begin(self.server, balance=balance, **details)
        self.db.seen(self._row, balance_before=balance, **details)

    def _end(self, now: datetime, state: str, message: str | None) -> None:
        row = self._row
        if row is None:  # another process opened it: close its row
            earlier = self.db.open_session(self.server)
            row = earlier.id if earlier is not None else None
        if row is None:
            return
        self.db.end(row, ended_at=now, state=state, message=message)
        self._row = None
        self._awaiting_cost = row

    def _path(self, now: datetime, path: ConnectionPath) -> None:
        if self._row is not None:  # the streaming session's row
            self.db.path_sample(
                self._row,
                seen=now,
                kind=path.kind.value,
                relay_code=path.relay_code,
                rtt_ms=path.rtt_ms,
            )

    def _maybe_cost(self, balance: Decimal) -> None:
        if self._awaiting_cost is not None:
            self.db.balance_after(self._awaiting_cost, balance)
            self._awaiting_cost = None

    def _submit(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        future = self._worker.submit(work, *args, **kwargs)
        future.add_done_callback(_log_failure)


def _log_failure(future: Future[Any]) -> None:
    error = future.exception()
    if error is not None:  # the history is a convenience: never break the app for it
        log.warning("could not write the session history: %s", error)


def history_path(folder: Path) -> Path:
    return folder / HISTORY_FILE


# -- reports ----------------------------------------------------------------------


class Ending(StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"
    BY_PAWPADO = "stopped-by-pawpado"  # the server's reason is in the end message
    FAILED = "failed"
    UNOBSERVED = "unobserved"  # it ended while no Pawpado process was watching


@dataclass(frozen=True)
class SessionLine:
    """One session as reported: every unknown is None."""

    record: SessionRecord
    cost: Decimal | None
    minutes: int | None

    @property
    def ending(self) -> Ending:
        """How the session ended; the renderers word it (with `record.end_message`)."""
        state = self.record.end_state
        if state is None:
            return Ending.RUNNING
        if state == "unobserved":
            return Ending.UNOBSERVED
        if state == "error":
            return Ending.FAILED
        return Ending.BY_PAWPADO if self.record.end_message else Ending.STOPPED

    @property
    def duration(self) -> timedelta | None:
        end = self.record.end
        return None if end is None else max(timedelta(0), end - self.record.start)


@dataclass(frozen=True)
class DaySpend:
    day: date
    spent: Decimal  # the known costs of the sessions that started that day
    topped_up: Decimal
    balance: Decimal | None  # the last balance known that day (after a session or top-up)
    unknown: int  # sessions that day whose cost was not observed


@dataclass(frozen=True)
class History:
    sessions: list[SessionLine]
    topups: list[TopupRecord]
    days: list[DaySpend]
    currency: str | None

    @property
    def total_spent(self) -> Decimal:
        return sum((line.cost for line in self.sessions if line.cost is not None), Decimal(0))

    @property
    def total_topped_up(self) -> Decimal:
        return sum((t.amount for t in self.topups), Decimal(0))


def report(
    sessions: list[SessionRecord],
    topups: list[TopupRecord],
    *,
    today: date,
    days: int,
    tz: tzinfo,
) -> History:
    """Sessions with their costs (top-ups seen during a session added back), per day."""
    lines = [_line(record, topups) for record in sessions]
    first = today - timedelta(days=days - 1)
    per_day: dict[date, list[SessionLine]] = {}
    for line in lines:
        per_day.setdefault(line.record.start.astimezone(tz).date(), []).append(line)
    topped: dict[date, list[TopupRecord]] = {}
    for topup in topups:
        topped.setdefault(topup.seen_at.astimezone(tz).date(), []).append(topup)
    spend = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        day_lines, day_topups = per_day.get(day, []), topped.get(day, [])
        spend.append(
            DaySpend(
                day=day,
                spent=sum((ln.cost for ln in day_lines if ln.cost is not None), Decimal(0)),
                topped_up=sum((t.amount for t in day_topups), Decimal(0)),
                balance=_last_balance(day_lines, day_topups),
                unknown=sum(1 for ln in day_lines if ln.cost is None and ln.record.end_state),
            )
        )
    currencies = {r.currency for r in sessions if r.currency} | {t.currency for t in topups}
    return History(
        lines,
        topups,
        spend,
        currencies.pop() if len(currencies) == 1 else None,
    )


def _line(record: SessionRecord, topups: list[TopupRecord]) -> SessionLine:
    cost = record.cost
    if cost is not None and record.ended_at is not None:
        during = [t for t in topups if record.start <= t.seen_at <= record.ended_at]
        if during:
            before, after = record.balance_before, record.balance_after
            assert before is not None and after is not None
            cost = max(Decimal(0), before + sum((t.amount for t in during), Decimal(0)) - after)
    minutes = None
    rate = record.rate_per_minute
    if cost is not None and rate is not None and rate > 0:
        minutes = int(cost / rate)
    return SessionLine(record, cost, minutes)


def _last_balance(lines: list[SessionLine], topups: list[TopupRecord]) -> Decimal | None:
    known: list[tuple[datetime, Decimal]] = [(t.seen_at, t.balance_after) for t in topups]
    for line in lines:
        end, after = line.record.ended_at, line.record.balance_after
        if end is not None and after is not None:
            known.append((end, after))
    return max(known, key=lambda item: item[0])[1] if known else None


def month_spent(history: History, today: date) -> Decimal:
    """The known spending of the calendar month of `today` (the report must reach back to
    its first day)."""
    return sum(
        (d.spent for d in history.days if (d.day.year, d.day.month) == (today.year, today.month)),
        Decimal(0),
    )


async def load_report(recorder: HistoryRecorder, now: datetime, days: int) -> History:
    """The last `days` days, read on the history's own thread."""
    local = now.astimezone()
    assert local.tzinfo is not None
    today = local.date()
    since = datetime.combine(today, datetime.min.time(), local.tzinfo) - timedelta(days - 1)
    sessions = await recorder.run(recorder.db.sessions, recorder.server, since)
    topups = await recorder.run(recorder.db.topups, recorder.server, since)
    return report(sessions, topups, today=today, days=days, tz=local.tzinfo)
