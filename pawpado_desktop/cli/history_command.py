"""`pawpado-desktop history`: past sessions, what they cost, and the spend per day.

It reads the local history only (what this computer's polls observed), so it
works offline and never calls Pawpado.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pawpado_desktop.cli.terminal import plain
from pawpado_desktop.config import Endpoints, config_dir
from pawpado_desktop.core.history import History, SessionLine, history_path, report
from pawpado_desktop.core.history_db import HistoryDb, PathSummary
from pawpado_desktop.core.types import region_name
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.history import cells, ended, headings
from pawpado_desktop.present.i18n import tr

MAX_DAYS = 366


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "history",
        help=tr("past sessions, their minutes and cost, and the spend per day"),
        description=tr(
            "Sessions this computer saw (started here or elsewhere), what each "
            "cost, and the spend and top-ups per day. Only what the app observed is shown; "
            "a figure it did not see is 'unknown'. Kept for a year."
        ),
    )
    parser.add_argument(
        "--days",
        type=_days,
        default=30,
        metavar="N",
        help=tr("how many days back, today included (default: 30, at most {most})", most=MAX_DAYS),
    )
    form = parser.add_mutually_exclusive_group()
    form.add_argument(
        "--json",
        action="store_true",
        help=tr(
            "print one JSON object instead of the table: days, currency, sessions, topups, "
            "daily, totalSpent, totalToppedUp (amounts as decimal strings)"
        ),
    )
    form.add_argument(
        "--csv", action="store_true", help=tr("print one CSV row per session, with a header row")
    )
    parser.set_defaults(handler=history_command)


def _days(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            tr("{text} is not a whole number of days", text=repr(raw))
        ) from None
    if not 1 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(tr("the days must be between 1 and {most}", most=MAX_DAYS))
    return value


def load(days: int, now: datetime) -> History:
    """The report for the last `days` days (blocking: the CLI runs it on a thread)."""
    local = now.astimezone()
    today = local.date()
    since = datetime.combine(today, datetime.min.time(), local.tzinfo) - timedelta(days - 1)
    server = Endpoints.from_env().base_url
    db = HistoryDb(history_path(config_dir()))
    try:
        sessions = db.sessions(server, since)
        topups = db.topups(server, since)
    finally:
        db.close()
    assert local.tzinfo is not None
    return report(sessions, topups, today=today, days=days, tz=local.tzinfo)


async def history_command(args: argparse.Namespace) -> int:
    history = await asyncio.to_thread(load, args.days, datetime.now().astimezone())
    if args.json:
        print(json.dumps(as_json(history, args.days), indent=2))
    elif args.csv:
        write_csv(history, sys.stdout)
    else:
        print_history(history, args.days)
    return int(ExitCode.OK)


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else format(amount, "f")


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def session_json(line: SessionLine) -> dict[str, Any]:
    record = line.record
    return {
        "start": _when(record.start),
        "end": _when(record.end),
        "minutes": line.minutes,
        "cost": _money(line.cost),
        "currency": record.currency,
        "ratePerMinute": _money(record.rate_per_minute),
        "balanceBefore": _money(record.balance_before),
        "balanceAfter": _money(record.balance_after),
        "endedHow": ended(line, english=True),
        "startedHere": record.started_here,
        "connection": connection_json(record.connection),
    }


def connection_json(summary: PathSummary | None) -> dict[str, Any] | None:
    """How the session was reached while it streamed here; null when it never did."""
    if summary is None:
        return None
    code = summary.relay_code
    return {
        "path": summary.kind,
        "relayCode": code,
        "relayRegion": region_name(code) if code else None,
        "medianRttMs": _ms(summary.median_rtt_ms),
        "lastRttMs": _ms(summary.last_rtt_ms),
        "readings": summary.readings,
    }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def as_json(history: History, days: int) -> dict[str, Any]:
    return {
        "days": days,
        "currency": history.currency,
        "sessions": [session_json(line) for line in history.sessions],
        "topups": [
            {
                "seenAt": _when(t.seen_at),
                "amount": _money(t.amount),
                "currency": t.currency,
                "balanceAfter": _money(t.balance_after),
            }
            for t in history.topups
        ],
        "daily": [
            {
                "day": d.day.isoformat(),
                "spent": _money(d.spent),
                "toppedUp": _money(d.topped_up),
                "balance": _money(d.balance),
                "unknownCosts": d.unknown,
            }
            for d in history.days
        ],
        "totalSpent": _money(history.total_spent),
        "totalToppedUp": _money(history.total_topped_up),
    }


CSV_FIELDS = (
    "start",
    "end",
    "minutes",
    "cost",
    "currency",
    "ratePerMinute",
    "balanceBefore",
    "balanceAfter",
    "endedHow",
    "startedHere",
    "path",
    "medianRttMs",
)


def write_csv(history: History, out: Any) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for line in history.sessions:
        row = session_json(line)
        connection = row.pop("connection") or {}
        row.update(path=connection.get("path"), medianRttMs=connection.get("medianRttMs"))
        writer.writerow({k: "" if v is None else v for k, v in row.items()})


def print_history(history: History, days: int) -> None:
    """The History window's table and totals, as text (the cells are `present.history`'s)."""
    period = tr("today") if days == 1 else tr("the last {days} days", days=days)
    if not history.sessions and not history.topups:
        print(tr("No sessions or top-ups recorded on this computer in {period}.", period=period))
        return
    print(tr("Sessions in {period} (local time):", period=period))
    if history.sessions:
        rows = [headings(), *(cells(line) for line in history.sessions)]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        for row in rows:
            text = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            print(plain(f"  {text}".rstrip()))  # an end message is the server's text
    currency = history.currency
    if currency:
        unknown = sum(1 for ln in history.sessions if ln.cost is None and ln.record.end_state)
        spent = fmt.money(history.total_spent, currency)
        print(
            tr("Spent: {amount} ({count} with a cost not observed)", amount=spent, count=unknown)
            if unknown
            else tr("Spent: {amount}", amount=spent)
        )
        if history.topups:
            print(tr("Topped up: {amount}", amount=fmt.money(history.total_topped_up, currency)))
