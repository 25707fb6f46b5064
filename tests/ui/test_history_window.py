"""The History window and the month's total in the menu, from the local history."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from PySide6.QtGui import QColor, QImage

from pawpado_desktop.config import config_dir
from pawpado_desktop.core.history import history_path
from pawpado_desktop.core.history_db import HistoryDb
from pawpado_desktop.present.menu import Act
from pawpado_desktop.ui.spend_chart import BAR
from pawpado_desktop.ui.windows.history import HistoryWindow
from tests.support.ui import UiRig

# (days ago, minutes played at Rp 500 a minute); the rig's balance is Rp 100.000.
PLAYED = [(3, 60), (2, 20), (0, 40)]
# Path readings while streaming (days ago -> kind and round trip of each).
PATHS = {0: [("relayed", 95.0), ("relayed", 97.0), ("relayed", 90.0)], 2: [("direct", 18.0)]}


def seed(rig: UiRig) -> None:
    db = HistoryDb(history_path(config_dir()))
    now = datetime.now().astimezone().replace(hour=12, minute=0)
    balance = Decimal("200000")
    for days_ago, minutes in PLAYED:
        start = now - timedelta(days=days_ago)
        row = db.begin(
            rig.sim.base_url,
            seen=start,
            instance_id=f"i-{days_ago}",
            started_at=start,
            started_here=True,
            currency="IDR",
            rate=Decimal("500"),
            balance=balance,
        )
        balance -= 500 * minutes
        for second, (kind, rtt) in enumerate(PATHS.get(days_ago, [])):
            seen = start + timedelta(seconds=5 * second)
            db.path_sample(row, seen=seen, kind=kind, relay_code="sin", rtt_ms=rtt)
        db.end(row, ended_at=start + timedelta(minutes=minutes), state="stopped", message=None)
        db.balance_after(row, balance)
    db.close()


def bar_heights(image: QImage, xs: list[float], top: int, bottom: int) -> list[int]:
    """Each column's span of the bar colour, read from the drawn image (the balance line
    may cross a bar, so the span, not the count)."""

    def close(color: QColor) -> bool:
        return abs(color.red() - BAR.red()) + abs(color.green() - BAR.green()) < 40

    heights = []
    for x in xs:
        ys = [y for y in range(top, bottom + 1) if close(image.pixelColor(int(x), y))]
        heights.append(max(ys) - min(ys) + 1 if ys else 0)
    return heights


def test_history_window_draws_the_days_it_was_given(rig: UiRig) -> None:
    seed(rig)
    rig.choose(Act.HISTORY)
    rig.until(
        lambda: (
            isinstance(rig.app.windows.history, HistoryWindow) and rig.app.windows.history.isVisible()
        ),
        what="the History window",
    )
    window = rig.app.windows.history
    assert window is not None
    texts = [
        [window.table.item(r, c).text() for c in range(window.table.columnCount())]
        for r in range(window.table.rowCount())
    ]
    assert [row[2] for row in texts] == ["Rp 20.000", "Rp 10.000", "Rp 30.000"]  # newest first
    assert [row[1] for row in texts] == ["40 min", "20 min", "1 h"]
    assert all(row[3] == "stopped" for row in texts)
    assert [row[4] for row in texts] == ["Relayed via Singapore · 95 ms", "Direct · 18 ms", "–"]
    month = sum(
        500 * m
        for d, m in PLAYED
        if (datetime.now() - timedelta(days=d)).month == datetime.now().month
    )
    assert f"{month:,}".replace(",", ".") in window.summary.text()

    # The chart, drawn offscreen: each day's bar is as tall as its total says.
    chart = window.chart
    chart.resize(600, 200)
    image = chart.grab().toImage()
    shape = chart.geometry_now()
    days = chart.days
    tallest = max(d.spent for d in days)
    xs = [bar.center().x() for bar in shape.bars]
    drawn = bar_heights(image, xs, int(shape.plot.top()), int(shape.plot.bottom()))
    for day, height in zip(days, drawn, strict=True):
        expected = float(day.spent / tallest) * shape.plot.height()
        assert abs(height - expected) <= 2, (day, height, expected)
    assert sum(1 for h in drawn if h > 0) == len(PLAYED)

    # The menu carries this month's total.
    items = dict(rig.menu_items())
    assert any(text.startswith("History… (Rp ") for text in items), items
