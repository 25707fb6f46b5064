"""The history database's schema and the per-day report, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pawpado_desktop.core.history import Ending, report
from pawpado_desktop.core.history_db import MIGRATIONS, HistoryDb

SERVER = "https://api.pawpado.example"
T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def played(db: HistoryDb, start: datetime, minutes: int, before: str, after: str) -> int:
    row = db.begin(
        SERVER,
        seen=start,
        instance_id="i-1",
        started_at=start,
        started_here=True,
        currency="IDR",
        rate=Decimal("500"),
        balance=Decimal(before),
    )
    db.end(row, ended_at=start + timedelta(minutes=minutes), state="stopped", message=None)
    db.balance_after(row, Decimal(after))
    return row


def test_a_new_file_is_migrated_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    db = HistoryDb(path).open()
    assert db.schema_version == len(MIGRATIONS)
    db.close()
    assert path.stat().st_mode & 0o077 == 0
    HistoryDb(path).open().close()  # opening again runs no migration twice
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")
    assert {name for (name,) in tables} == {"sessions", "topups", "path_samples"}


def test_a_first_version_file_gains_the_connection_and_keeps_its_sessions(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    old = sqlite3.connect(path)
    with old:
        old.executescript(MIGRATIONS[0])
        old.execute("PRAGMA user_version = 1")
    old.close()
    db = HistoryDb(path)
    row = played(db, T0, 30, "100000", "85000")  # written by the first schema's columns
    assert db.schema_version == len(MIGRATIONS)
    [before] = db.sessions(SERVER, T0 - timedelta(days=1))
    assert before.id == row and before.connection is None  # never streamed while watched

    for second, (kind, code, rtt) in enumerate(
        [("direct", "", 20.0), ("unknown", "", None), ("relayed", "sin", 90.0), ("direct", "", 30.0)]
    ):
        seen = T0 + timedelta(seconds=5 * second)
        db.path_sample(row, seen=seen, kind=kind, relay_code=code, rtt_ms=rtt)
    [record] = db.sessions(SERVER, T0 - timedelta(days=1))
    summary = record.connection
    assert summary is not None
    assert (summary.kind, summary.relay_code, summary.readings) == ("mixed", "sin", 4)
    assert (summary.median_rtt_ms, summary.last_rtt_ms) == (30.0, 30.0)

    db.prune(T0 + timedelta(days=400))  # the session goes, and its readings with it
    assert db.sessions(SERVER, T0 - timedelta(days=1)) == []
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM path_samples").fetchone() == (0,)
    db.close()


def test_costs_per_day_with_a_top_up_during_a_session(tmp_path: Path) -> None:
    db = HistoryDb(tmp_path / "h.sqlite3")
    played(db, T0, 30, "100000", "85000")  # 30 min at 500
    played(db, T0 + timedelta(days=1), 10, "85000", "130000")  # topped up 50k meanwhile
    db.topup(
        SERVER,
        seen=T0 + timedelta(days=1, minutes=5),
        currency="IDR",
        amount=Decimal("50000"),
        balance=Decimal("135000"),
    )
    since = T0 - timedelta(days=1)
    history = report(
        db.sessions(SERVER, since),
        db.topups(SERVER, since),
        today=date(2026, 12, 2),
        days=3,
        tz=UTC,
    )
    first, second = history.sessions
    assert first.cost == Decimal("15000") and first.minutes == 30
    assert second.cost == Decimal("5000") and second.minutes == 10  # 85k + 50k - 130k
    assert [d.spent for d in history.days] == [Decimal(0), Decimal("15000"), Decimal("5000")]
    assert [d.topped_up for d in history.days] == [0, 0, Decimal("50000")]
    assert history.days[2].balance == Decimal("130000")  # the session ended after the top-up
    assert history.total_spent == Decimal("20000")
    assert history.currency == "IDR"


def test_unknown_stays_unknown_and_old_rows_are_pruned(tmp_path: Path) -> None:
    db = HistoryDb(tmp_path / "h.sqlite3")
    row = db.begin(
        SERVER,
        seen=T0,
        instance_id=None,
        started_at=None,
        started_here=False,
        currency="IDR",
        rate=Decimal("500"),
        balance=None,
    )
    db.end(row, ended_at=None, state="unobserved", message=None)
    played(db, T0 - timedelta(days=400), 5, "10000", "7500")
    db.prune(T0)
    [only] = db.sessions(SERVER, T0 - timedelta(days=500))
    line = report([only], [], today=T0.date(), days=1, tz=UTC).sessions[0]
    assert line.cost is None and line.minutes is None and line.duration is None
    assert line.ending is Ending.UNOBSERVED
    assert db.sessions("https://other.example", T0 - timedelta(days=1)) == []
