"""`pawpado-desktop history` as a user runs it: text, JSON and CSV tell the same."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pawpado_desktop.core.history import history_path
from pawpado_desktop.core.history_db import HistoryDb
from pawpado_desktop.errors import ExitCode
from tests.support.cli import Cli


def seed(cli: Cli) -> None:
    db = HistoryDb(history_path(Path(cli.env["PAWPADO_CONFIG_DIR"])))
    start = datetime.now().astimezone() - timedelta(hours=3)
    row = db.begin(
        cli.sim.base_url,
        seen=start,
        instance_id="i-1",
        started_at=start,
        started_here=True,
        currency="IDR",
        rate=Decimal("500.00"),
        balance=Decimal("100000.00"),
    )
    for second, rtt in enumerate((95.0, 99.0, 97.0)):  # streamed relayed through Singapore
        seen = start + timedelta(seconds=5 * second)
        db.path_sample(row, seen=seen, kind="relayed", relay_code="sin", rtt_ms=rtt)
    db.end(row, ended_at=start + timedelta(minutes=42), state="stopped", message=None)
    db.balance_after(row, Decimal("79000.00"))
    other = db.begin(
        cli.sim.base_url,
        seen=start + timedelta(hours=1),
        instance_id="i-2",
        started_at=None,
        started_here=False,
        currency="IDR",
        rate=Decimal("500.00"),
        balance=None,
    )
    db.end(other, ended_at=start + timedelta(hours=2), state="stopped", message="Idle too long")
    db.close()


def test_history_in_text_json_and_csv(cli: Cli) -> None:
    seed(cli)
    text = cli.call("history")
    assert text.returncode == ExitCode.OK, text.stderr
    assert "42 min" in text.stdout and "Rp 21.000" in text.stdout
    assert "When" in text.stdout and "Cost" in text.stdout  # the History window's columns
    [other] = [row for row in text.stdout.splitlines() if "Idle too long" in row]
    assert "stopped by Pawpado: Idle too long" in other and "unknown" in other
    assert "Spent: Rp 21.000 (1 with a cost not observed)" in text.stdout

    as_json = json.loads(cli.call("history", "--json", "--days", "7").stdout)
    assert as_json["days"] == 7 and len(as_json["daily"]) == 7
    assert as_json["totalSpent"] == "21000.00"
    rows = list(csv.DictReader(io.StringIO(cli.call("history", "--csv").stdout)))
    assert [r["cost"] for r in rows] == [s["cost"] or "" for s in as_json["sessions"]]
    assert [r["minutes"] for r in rows] == ["42", ""]
    assert rows[1]["endedHow"] == "stopped by Pawpado: Idle too long"


def test_history_tells_how_each_session_was_reached(cli: Cli) -> None:
    seed(cli)
    [row] = [row for row in cli.call("history").stdout.splitlines() if "42 min" in row]
    assert row.split("  ")[-1] == "Relayed via Singapore · 97 ms"  # the last column
    first, other = json.loads(cli.call("history", "--json").stdout)["sessions"]
    assert first["connection"] == {
        "path": "relayed",
        "relayCode": "sin",
        "relayRegion": "Singapore",
        "medianRttMs": 97.0,
        "lastRttMs": 97.0,
        "readings": 3,
    }
    assert other["connection"] is None  # never streamed while the app watched
    rows = list(csv.DictReader(io.StringIO(cli.call("history", "--csv").stdout)))
    assert [(r["path"], r["medianRttMs"]) for r in rows] == [("relayed", "97.0"), ("", "")]


def test_history_with_nothing_recorded_and_bad_days(cli: Cli) -> None:
    empty = cli.call("history")
    assert empty.returncode == ExitCode.OK
    assert "No sessions or top-ups recorded" in empty.stdout
    bad = cli.call("history", "--days", "0")
    assert bad.returncode == ExitCode.USAGE and "between 1 and 366" in bad.stderr
