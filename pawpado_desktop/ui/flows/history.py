"""The History window and this month's spending in the menu, from the local history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pawpado_desktop.present import format as fmt
from pawpado_desktop.ui.window_manager import present

if TYPE_CHECKING:
    from pawpado_desktop.core.history import History
    from pawpado_desktop.ui.shell import TrayApp
    from pawpado_desktop.ui.windows.history import HistoryWindow

HISTORY_DAYS = 30  # the History window's chart


async def show_history(app: TrayApp) -> HistoryWindow:
    """The History window, filled from the local session history."""
    window = app.windows.history_window()
    history = await load_history(app)
    if history is not None:
        window.show_history(history, app.presenter.month_spent or "")
    present(window)
    return window


async def load_history(app: TrayApp) -> History | None:
    """Read the history and update this month's total (in the menu)."""
    core = app.core
    if core is None:
        return None
    from pawpado_desktop.core.history import month_spent

    today = core.clock.now().astimezone().date()
    history = await core.history_report(max(HISTORY_DAYS, today.day))
    if history is None:
        return None
    credits = app.state.credits
    currency = history.currency or (credits.currency if credits else "")
    spent = month_spent(history, today)
    # Only a figure that was observed: no "Rp 0" before any session's cost is known.
    app.presenter.month_spent = fmt.money(spent, currency) if currency and spent > 0 else None
    app.presenter.render_soon()
    return history
