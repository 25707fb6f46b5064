"""The start-progress window: each phase with its time, the countdown, and what to do."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from pawpado_desktop.core.play import timeline
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.errors import error_text
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.menu import Act, Entry, primary_actions
from pawpado_desktop.present.progress import detail_text, phase_label
from pawpado_desktop.present.status import (
    balance_line,
    connection_line,
    cost_line,
    status_line,
)
from pawpado_desktop.ui.windows.common import button, demo_banner, label, plain_label, prepare

FINAL = (PlayPhase.DONE, PlayPhase.FAILED, PlayPhase.CANCELLED)


class ProgressWindow(QWidget):
    act = Signal(object)  # the Entry chosen

    def __init__(self, *, demo: bool) -> None:
        super().__init__()
        prepare(self, tr("Play"), demo=demo)
        self.setMinimumWidth(440)
        self.heading = label("", "heading")
        self.connection = label("", "muted")
        self.connection.setObjectName("connection")
        self.detail = label("", "muted")
        self.steps = QGridLayout()
        self.steps.setHorizontalSpacing(12)
        self.money = label("", "muted")
        self.buttons = QHBoxLayout()
        self.hide_button = button(tr("&Hide"))
        self.hide_button.clicked.connect(self.hide)
        self._buttons_for: tuple[tuple[str, str, bool], ...] = ()
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        if demo:
            layout.addWidget(demo_banner())
        layout.addWidget(self.heading)
        layout.addWidget(self.connection)
        layout.addLayout(self.steps)
        layout.addWidget(self.detail)
        layout.addWidget(self.money)
        layout.addLayout(self.buttons)

    def show_state(self, state: AppState, now: datetime, mono: float, *, playing: bool) -> None:
        play = state.play
        self.heading.setText(status_line(state, now, mono) or phase_label(play.phase))
        connection = connection_line(state) or ""
        self.connection.setText(connection)
        self.connection.setVisible(bool(connection))
        self._render_steps(state, mono)
        detail = detail_text(play.detail)
        if play.phase is PlayPhase.FAILED and state.last_error is not None:
            detail = error_text(state.last_error)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        money = [line for line in (cost_line(state, now), balance_line(state)) if line]
        self.money.setText("\n".join(money))
        actions = primary_actions(state, playing=playing) if playing else []
        self._render_buttons([e for e in actions if e.act is not Act.PROGRESS])  # shown already

    def _render_steps(self, state: AppState, mono: float) -> None:
        while self.steps.count():
            item = self.steps.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        rows = timeline(state.play, mono)
        for index, (phase, seconds) in enumerate(rows):
            last = index == len(rows) - 1
            if phase is PlayPhase.FAILED:
                mark = "✕"
            elif not last or phase in FINAL:
                mark = "✓"
            else:
                mark = "●"
            cells = (mark, phase_label(phase), "" if phase in FINAL else fmt.clock(seconds))
            for column, text in enumerate(cells):
                cell = plain_label(text)
                cell.setProperty("role", "" if last else "muted")
                self.steps.addWidget(cell, index, column)
        self.steps.setColumnStretch(1, 1)

    def _render_buttons(self, entries: list[Entry]) -> None:
        signature = tuple((e.act or "", e.text, e.enabled) for e in entries)
        if signature == self._buttons_for:
            return
        self._buttons_for = signature
        while self.buttons.count():
            item = self.buttons.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not self.hide_button:
                widget.deleteLater()
        for index, entry in enumerate(entries):
            widget = button(entry.text, "primary" if index == 0 else "")
            widget.setEnabled(entry.enabled)
            widget.setObjectName(f"act:{entry.act}")
            widget.clicked.connect(lambda _checked=False, e=entry: self.act.emit(e))
            self.buttons.addWidget(widget)
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.hide_button)
