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

from pawpado_desktop.core.history import History
from pawpado_desktop.present.history import cells, headings
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
        columns = headings()
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
            for column, text in enumerate(cells(line)):
                # Plain items: server text (an end message) is never rich text here.
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
