"""logind (Linux): the computer's shutdown and sleep around a Play of ours.

While a Play runs the tray holds a delay inhibitor, so a shutdown or a sleep
waits for its clean-up; on `PrepareForShutdown` the tray shuts down, on
`PrepareForSleep` it ends the Play and stays, and after a wake-up it refreshes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pawpado_desktop.present.i18n import tr
from pawpado_desktop.ui.inhibitor import DelayInhibitor
from pawpado_desktop.ui.wake import WakeWatcher

if TYPE_CHECKING:
    from pawpado_desktop.core.service import Core
    from pawpado_desktop.ui.shell import TrayApp

SHUTDOWN_MARGIN_S = 1.0  # released this long before logind stops waiting for us


class PowerWatch:
    def __init__(self, app: TrayApp, bus: str) -> None:
        self.app = app
        self.wake = WakeWatcher(self._woke, bus=bus, on_prepare=self._preparing)
        self.inhibitor = DelayInhibitor(
            "Stops the gaming PC Pawpado started and restores your Tailscale login", bus=bus
        )

    def hold(self, wanted: bool) -> None:
        """Hold a logind delay inhibitor exactly while a Play of ours runs."""
        inhibitor = self.inhibitor
        if self.app.closing or inhibitor.wanted == wanted:
            return
        inhibitor.wanted = wanted  # at once: a change right after this one is not skipped
        self.app.tasks.spawn(inhibitor.want(wanted))

    def _preparing(self, what: str) -> None:
        """logind: the computer is about to shut down or sleep (we may be holding it)."""
        app = self.app
        core = app.core
        if core is None or not core.playing:
            return
        deadline = max(self.inhibitor.delay_s - SHUTDOWN_MARGIN_S, 1.0)
        if what == "shutdown":
            app.shutdown_now("the computer shuts down", deadline)
            return
        # Sleep: the stream cannot survive it and nothing watches the bill while the
        # computer sleeps, so the Play ends as on quit; the tray stays.
        app.say(
            tr("Your computer is going to sleep"),
            tr(
                "Pawpado ended the Play so that your gaming PC does not bill while this "
                "computer sleeps."
            ),
        )
        app.tasks.spawn(self._sleep(core, deadline))

    async def _sleep(self, core: Core, deadline_s: float) -> None:
        await self.app.end_play(core, deadline_s, stop_attached=False)
        await self.inhibitor.want(False)  # let the computer sleep now

    def _woke(self) -> None:
        app = self.app
        if app.core is not None:
            app.core.refresh_soon()
        self.hold(app.state.play.phase.is_running)  # released for the sleep
