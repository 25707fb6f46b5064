"""The History window: this month's spending, a 30-day chart and the sessions.

Everything shown comes from the local history (`core.history`): what this
computer's polls observed. A figure that was not observed reads "unknown".
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pawpado_desktop.core.history import Ending, History, SessionLine
from pawpado_desktop.core.history_db import PathSummary
from pawpado_desktop.core.types import region_name
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.ui.spend_chart import SpendChart
from pawpado_desktop.ui.windows.common import demo_banner, label, prepare

CHART_DAYS = 30


class HistoryWindow(QWidget):
    def __init__(self, *, demo: bool) -> None:
        super().__init__()
        prepare(self, tr("History"), demo=demo)
        self.setMinimumSize(560, 460)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(label(tr("History"), "heading"))
        if demo:
            layout.addWidget(demo_banner())
        self.summary = label()
        layout.addWidget(self.summary)
        self.chart = SpendChart()
        layout.addWidget(self.chart)
        layout.addWidget(
            label(tr("Bars: spent per day · line: balance · green marks: top-ups"), "muted")
        )
        columns = [tr("When"), tr("Length"), tr("Cost"), tr("How it ended"), tr("Connection")]
        self.table = QTableWidget(0, len(columns))
        self.table.setHorizontalHeaderLabels(columns)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)

    def show_history(self, history: History, month_spent: str) -> None:
        self.summary.setText(
            tr("Spent this month: {amount}", amount=month_spent)
            if month_spent
            else tr("No spending recorded on this computer this month yet.")
        )
        self.chart.show_days(history.days[-CHART_DAYS:])
        lines = list(reversed(history.sessions))  # newest first
        self.table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            for column, text in enumerate(_cells(line)):
                # Plain items: server text (an end message) is never rich text here.
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()


def _cells(line: SessionLine) -> tuple[str, str, str, str, str]:
    record = line.record
    when = fmt.moment(record.start)
    duration = line.duration
    length = (
        fmt.minutes(int(duration.total_seconds() // 60))
        if duration is not None
        else tr("still running")
        if record.end_state is None
        else tr("unknown")
    )
    cost = (
        fmt.money(line.cost, record.currency)
        if line.cost is not None and record.currency
        else tr("unknown")
    )
    return when, length, cost, _ended(line), _connection(record.connection)


def _connection(summary: PathSummary | None) -> str:
    """The path while it streamed here, with the median round trip; a dash if it never did."""
    if summary is None:
        return "–"
    region = region_name(summary.relay_code) if summary.relay_code else ""
    if summary.kind == "direct":
        text = tr("Direct")
    elif summary.kind == "relayed":
        text = tr("Relayed via {region}", region=region) if region else tr("Relayed")
    elif summary.kind == "mixed":
        text = tr("Direct and relayed")
    else:
        return tr("Connection path unknown")
    rtt = summary.median_rtt_ms
    return text if rtt is None else tr("{path} · {ms} ms", path=text, ms=round(rtt))


def _ended(line: SessionLine) -> str:
    reason = line.record.end_message or ""
    return {
        Ending.RUNNING: tr("running"),
        Ending.STOPPED: tr("stopped"),
        Ending.BY_PAWPADO: tr("stopped by Pawpado: {reason}", reason=reason),
        Ending.FAILED: tr("failed: {reason}", reason=reason) if reason else tr("failed"),
        Ending.UNOBSERVED: tr("ended while the app was closed"),
    }[line.ending]
