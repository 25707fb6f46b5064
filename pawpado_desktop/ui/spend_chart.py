"""A month of spending at a glance: daily bars, the balance line, top-ups marked.

The geometry is computed apart from the painting (`layout`), so what is drawn
can be checked against the data it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from pawpado_desktop.core.history import DaySpend

BAR = QColor("#7c3aed")
LINE = QColor("#38bdf8")
TOPUP = QColor("#22c55e")
AXIS = QColor("#343a4a")
MARGIN = 8.0
TOPUP_BAND = 12.0  # the strip above the bars where top-up marks sit


@dataclass(frozen=True)
class ChartLayout:
    bars: list[QRectF]  # one per day, zero height on a day without spending
    balance: list[QPointF]  # the last known balance of each day that has one
    topups: list[QPointF]  # the tip of each top-up mark
    plot: QRectF


def layout(days: list[DaySpend], width: float, height: float) -> ChartLayout:
    """Bars scaled to the busiest day; the balance on its own scale, over the same days."""
    plot = QRectF(MARGIN, MARGIN + TOPUP_BAND, width - 2 * MARGIN, height - 2 * MARGIN - TOPUP_BAND)
    count = max(1, len(days))
    slot = plot.width() / count
    top_spend = max((d.spent for d in days), default=Decimal(0))
    bars = []
    for index, day in enumerate(days):
        share = float(day.spent / top_spend) if top_spend > 0 else 0.0
        bar_height = plot.height() * share
        left = plot.left() + index * slot + slot * 0.15
        bars.append(QRectF(left, plot.bottom() - bar_height, slot * 0.7, bar_height))
    known = [(i, d.balance) for i, d in enumerate(days) if d.balance is not None]
    balance: list[QPointF] = []
    if known:
        low = min(b for _, b in known)
        high = max(b for _, b in known)
        span = high - low
        for index, amount in known:
            # Inset from the edges, so the line does not run along the bars' tops or the axis.
            share = 0.1 + 0.8 * float((amount - low) / span) if span > 0 else 0.5
            x = plot.left() + (index + 0.5) * slot
            balance.append(QPointF(x, plot.bottom() - plot.height() * share))
    topups = [
        QPointF(plot.left() + (index + 0.5) * slot, MARGIN + TOPUP_BAND - 2)
        for index, day in enumerate(days)
        if day.topped_up > 0
    ]
    return ChartLayout(bars, balance, topups, plot)


class SpendChart(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.days: list[DaySpend] = []
        self.setMinimumSize(QSize(360, 140))

    def show_days(self, days: list[DaySpend]) -> None:
        self.days = list(days)
        self.update()

    def geometry_now(self) -> ChartLayout:
        return layout(self.days, float(self.width()), float(self.height()))

    def paintEvent(self, event: QPaintEvent) -> None:
        shape = self.geometry_now()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(AXIS, 1))
        painter.drawLine(shape.plot.bottomLeft(), shape.plot.bottomRight())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BAR)
        for bar in shape.bars:
            if bar.height() > 0:
                painter.drawRoundedRect(bar, 2, 2)
        if len(shape.balance) > 1:
            path = QPainterPath(shape.balance[0])
            for point in shape.balance[1:]:
                path.lineTo(point)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(LINE, 2))
            painter.drawPath(path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(TOPUP)
        for tip in shape.topups:
            painter.drawPolygon(
                QPolygonF(
                    [tip, QPointF(tip.x() - 5, tip.y() - 8), QPointF(tip.x() + 5, tip.y() - 8)]
                )
            )
        painter.end()
