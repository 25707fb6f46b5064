"""What the tray does when the user acts: each flow is a few calls into the core,
with the window that asks or answers (from the window manager) around them.

Flows are functions of the running `TrayApp`; they decide nothing about sessions
or money. A `PawpadoError` they raise reaches the user as a notice
(`reporting`).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from pawpado_desktop.core.notices import Notice, NoticeKind, Topic
from pawpado_desktop.errors import CancelledByUser, PawpadoError

if TYPE_CHECKING:
    from pawpado_desktop.ui.shell import TrayApp


async def reporting(app: TrayApp, work: Awaitable[object]) -> None:
    """Run an action; a PawpadoError becomes a notification, not a crash."""
    try:
        await work
    except CancelledByUser:
        pass
    except PawpadoError as error:
        app.notifier.post(Notice(NoticeKind.ERROR, Topic.FAILED, error=error))
