"""The session history on disk: SQLite, migrated from day one, kept for a year.

Pawpado has no history endpoint, so the app keeps what its own polls observed:
each session's start and end, its rate, the balance before and after, and the
top-ups seen. A value that was not observed is NULL and shown as unknown;
nothing is estimated here. Several processes (the tray, a CLI command) may write
at once: SQLite serialises them, and a session is one row per server however
many processes saw it.

Every method is blocking: `history.HistoryRecorder` calls them on one worker
thread, never on the event loop.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

KEEP_DAYS = 366
# A server's session that has no end yet (the newest, should two processes race).
_OPEN_ROW = (
    "SELECT * FROM sessions WHERE server = ? AND ended_at IS NULL AND end_state IS NULL "
    "ORDER BY first_seen DESC LIMIT 1"
)
BUSY_TIMEOUT_S = 5.0

# Each entry moves the schema one version up; applied in order, never edited.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        server TEXT NOT NULL,
        instance_id TEXT,
        started_at TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        ended_at TEXT,
        end_state TEXT,
        end_message TEXT,
        started_here INTEGER NOT NULL DEFAULT 0,
        currency TEXT,
        rate_per_minute TEXT,
        balance_before TEXT,
        balance_after TEXT
    );
    CREATE INDEX sessions_by_time ON sessions (server, first_seen);
    CREATE TABLE topups (
        id INTEGER PRIMARY KEY,
        server TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        currency TEXT NOT NULL,
        amount TEXT NOT NULL,
        balance_after TEXT NOT NULL
    );
    CREATE INDEX topups_by_time ON topups (server, seen_at);
    """,
    # The path to the cloud PC, one reading every few seconds while streaming.
    """
    CREATE TABLE path_samples (
        session INTEGER NOT NULL,
        seen_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        relay_code TEXT,
        rtt_ms REAL
    );
    CREATE INDEX path_samples_by_session ON path_samples (session, seen_at);
    """,
)


@dataclass(frozen=True)
class PathSummary:
    """How a session was reached, from the readings taken while it streamed here."""

    kind: str  # "direct", "relayed", "mixed" (both seen) or "unknown" (never told)
    relay_code: str | None  # the last DERP region code seen, when relayed at all
    median_rtt_ms: float | None  # None: no reading had a round trip
    last_rtt_ms: float | None
    readings: int


@dataclass(frozen=True)
class SessionRecord:
    id: int
    instance_id: str | None
    started_at: datetime | None  # the server's start, when it said
    first_seen: datetime
    last_seen: datetime
    ended_at: datetime | None  # None: still running, or it ended unobserved
    end_state: str | None  # "stopped", "error", or "unobserved" (the app was not running)
    end_message: str | None
    started_here: bool
    currency: str | None
    rate_per_minute: Decimal | None
    balance_before: Decimal | None
    balance_after: Decimal | None
    connection: PathSummary | None = None  # None: it never streamed while the app watched

    @property
    def cost(self) -> Decimal | None:
        """What the balance fell by across the session; None unless both ends were seen."""
        if self.balance_before is None or self.balance_after is None:
            return None
        return max(Decimal(0), self.balance_before - self.balance_after)

    @property
    def minutes_billed(self) -> int | None:
        cost, rate = self.cost, self.rate_per_minute
        if cost is None or rate is None or rate <= 0:
            return None
        return int(cost / rate)

    @property
    def start(self) -> datetime:
        return self.started_at or self.first_seen

    @property
    def end(self) -> datetime | None:
        return self.ended_at


@dataclass(frozen=True)
class TopupRecord:
    seen_at: datetime
    currency: str
    amount: Decimal
    balance_after: Decimal


class HistoryDb:
    """One SQLite file; one connection, used from one thread at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def open(self) -> HistoryDb:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
            if hasattr(self.path, "chmod"):
                self.path.chmod(0o600)  # spending is private
            db.execute("PRAGMA journal_mode=WAL")  # the tray and a command may write at once
            self._db = db
            self._migrate()
        return self

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self.open()._db
        assert db is not None
        with db:  # one transaction: committed, or rolled back on an error
            yield db

    def _migrate(self) -> None:
        db = self._db
        assert db is not None
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with db:
                db.executescript(script)
                db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        db = self.open()._db
        assert db is not None
        return int(db.execute("PRAGMA user_version").fetchone()[0])

    # -- writes -----------------------------------------------------------------

    def open_session(self, server: str) -> SessionRecord | None:
        """The session of `server` that has no end yet, if any."""
        rows = self._select(
            _OPEN_ROW,
            (server,),
        )
        return rows[0] if rows else None

    def begin(
        self,
        server: str,
        *,
        seen: datetime,
        instance_id: str | None,
        started_at: datetime | None,
        started_here: bool,
        currency: str | None,
        rate: Decimal | None,
        balance: Decimal | None,
    ) -> int:
        """Open a row for a session seen active, or join the open one another process made."""
        with self._write() as db:
            found = db.execute(_OPEN_ROW, (server,)).fetchone()  # its id is the first column
            if found is not None:
                return int(found[0])
            cursor = db.execute(
                "INSERT INTO sessions (server, instance_id, started_at, first_seen, last_seen, "
                "started_here, currency, rate_per_minute, balance_before) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    server,
                    instance_id,
                    _iso(started_at),
                    _iso(seen),
                    _iso(seen),
                    int(started_here),
                    currency,
                    _text(rate),
                    _text(balance),
                ),
            )
            return int(cursor.lastrowid or 0)

    def seen(
        self,
        row: int,
        *,
        seen: datetime,
        instance_id: str | None,
        started_at: datetime | None,
        started_here: bool,
        currency: str | None,
        rate: Decimal | None,
        balance_before: Decimal | None = None,
    ) -> None:
        """A poll saw the session still on: fill in what was not known before."""
        with self._write() as db:
            db.execute(
                "UPDATE sessions SET last_seen = MAX(last_seen, ?), "
                "instance_id = COALESCE(instance_id, ?), started_at = COALESCE(started_at, ?), "
                "started_here = MAX(started_here, ?), currency = COALESCE(currency, ?), "
                "rate_per_minute = COALESCE(?, rate_per_minute), "
                "balance_before = COALESCE(balance_before, ?) WHERE id = ?",
                (
                    _iso(seen),
                    instance_id,
                    _iso(started_at),
                    int(started_here),
                    currency,
                    _text(rate),
                    _text(balance_before),
                    row,
                ),
            )

    def end(self, row: int, *, ended_at: datetime | None, state: str, message: str | None) -> None:
        """The session was seen stopped (or, with ended_at None, found ended unobserved;
        a process that did see the end later still writes it)."""
        with self._write() as db:
            db.execute(
                "UPDATE sessions SET ended_at = ?, end_state = ?, end_message = ? "
                "WHERE id = ? AND (end_state IS NULL OR end_state = 'unobserved')",
                (_iso(ended_at), state, message, row),
            )

    def balance_after(self, row: int, balance: Decimal) -> None:
        """The first balance read after the end: what the session finally cost."""
        with self._write() as db:
            db.execute(
                "UPDATE sessions SET balance_after = ? WHERE id = ? AND balance_after IS NULL",
                (_text(balance), row),
            )

    def topup(
        self, server: str, *, seen: datetime, currency: str, amount: Decimal, balance: Decimal
    ) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO topups (server, seen_at, currency, amount, balance_after) "
                "VALUES (?, ?, ?, ?, ?)",
                (server, _iso(seen), currency, _text(amount), _text(balance)),
            )

    def path_sample(
        self, row: int, *, seen: datetime, kind: str, relay_code: str | None, rtt_ms: float | None
    ) -> None:
        """One reading of the path to the cloud PC while the session streamed."""
        with self._write() as db:
            db.execute(
                "INSERT INTO path_samples (session, seen_at, kind, relay_code, rtt_ms) "
                "VALUES (?, ?, ?, ?, ?)",
                (row, _iso(seen), kind, relay_code or None, rtt_ms),
            )

    def prune(self, now: datetime) -> None:
        """Forget what is older than a year."""
        cutoff = _iso(now - timedelta(days=KEEP_DAYS))
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE first_seen < ?", (cutoff,))
            db.execute("DELETE FROM topups WHERE seen_at < ?", (cutoff,))
            db.execute("DELETE FROM path_samples WHERE session NOT IN (SELECT id FROM sessions)")

    # -- reads ------------------------------------------------------------------

    def sessions(self, server: str, since: datetime) -> list[SessionRecord]:
        return self._select(
            "SELECT * FROM sessions WHERE server = ? AND (last_seen >= ? OR ended_at >= ?) "
            "ORDER BY first_seen",
            (server, _iso(since), _iso(since)),
        )

    def topups(self, server: str, since: datetime) -> list[TopupRecord]:
        db = self.open()._db
        assert db is not None
        rows = db.execute(
            "SELECT seen_at, currency, amount, balance_after FROM topups "
            "WHERE server = ? AND seen_at >= ? ORDER BY seen_at",
            (server, _iso(since)),
        ).fetchall()
        found = []
        for seen_at, currency, amount, balance in rows:
            when, value, after = _time(seen_at), _money(amount), _money(balance)
            if when is not None and value is not None and after is not None:
                found.append(TopupRecord(when, str(currency), value, after))
        return found

    def _select(self, sql: str, args: tuple[object, ...]) -> list[SessionRecord]:
        db = self.open()._db
        assert db is not None
        db.row_factory = sqlite3.Row
        try:
            rows = db.execute(sql, args).fetchall()
        finally:
            db.row_factory = None
        records = [record for row in rows if (record := _session(row)) is not None]
        return [replace(r, connection=self._path_summary(db, r.id)) for r in records]

    @staticmethod
    def _path_summary(db: sqlite3.Connection, row: int) -> PathSummary | None:
        samples = db.execute(
            "SELECT kind, relay_code, rtt_ms FROM path_samples WHERE session = ? ORDER BY seen_at",
            (row,),
        ).fetchall()
        if not samples:
            return None
        kinds = {kind for kind, _, _ in samples if kind in ("direct", "relayed")}
        relays = [code for kind, code, _ in samples if kind == "relayed" and code]
        rtts = [float(rtt) for _, _, rtt in samples if isinstance(rtt, int | float)]
        return PathSummary(
            kind="mixed" if len(kinds) > 1 else kinds.pop() if kinds else "unknown",
            relay_code=relays[-1] if relays else None,
            median_rtt_ms=statistics.median(rtts) if rtts else None,
            last_rtt_ms=rtts[-1] if rtts else None,
            readings=len(samples),
        )


def _session(row: sqlite3.Row) -> SessionRecord | None:
    first_seen, last_seen = _time(row["first_seen"]), _time(row["last_seen"])
    if first_seen is None or last_seen is None:
        return None  # a damaged row: skipped, never shown as made-up figures
    return SessionRecord(
        id=int(row["id"]),
        instance_id=row["instance_id"],
        started_at=_time(row["started_at"]),
        first_seen=first_seen,
        last_seen=last_seen,
        ended_at=_time(row["ended_at"]),
        end_state=row["end_state"],
        end_message=row["end_message"],
        started_here=bool(row["started_here"]),
        currency=row["currency"],
        rate_per_minute=_money(row["rate_per_minute"]),
        balance_before=_money(row["balance_before"]),
        balance_after=_money(row["balance_after"]),
    )


def _iso(value: datetime | None) -> str | None:
    """UTC, so that the text order is the time order."""
    return None if value is None else value.astimezone(UTC).isoformat()


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _time(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _money(raw: object) -> Decimal | None:
    if not isinstance(raw, str):
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
