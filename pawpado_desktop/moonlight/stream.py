"""A running `moonlight stream` and how it ended.

Moonlight exits 0 when the session ends and also after an error dialog is
dismissed, so "how it ended" is read from the exit code (a crash), from who
stopped it (us) and from the last dialog or log line it printed (a failure).
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from enum import StrEnum

from pawpado_desktop.moonlight.dialogs import Outcome, last_outcome
from pawpado_desktop.moonlight.errors import (
    INSTALL_URL,
    HostUnreachable,
    MoonlightError,
    StreamFailed,
)
from pawpado_desktop.moonlight.process import WatchedProcess


class StreamEndReason(StrEnum):
    ENDED = "ended"  # the session ended (exit 0, no error shown)
    STOPPED = "stopped"  # we stopped it
    FAILED = "failed"  # Moonlight showed an error and exited 0
    CRASHED = "crashed"  # a non-zero exit or a signal we did not send


@dataclass(frozen=True)
class StreamEnd:
    reason: StreamEndReason
    returncode: int
    message: str  # for the user
    outcome: Outcome | None = None  # the failure Moonlight reported, if any

    @property
    def ok(self) -> bool:
        return self.reason in (StreamEndReason.ENDED, StreamEndReason.STOPPED)

    def error(self) -> MoonlightError | None:
        """The failure as an error to raise or show; None when it ended well."""
        if self.ok:
            return None
        if self.outcome is Outcome.UNREACHABLE:
            return HostUnreachable(self.message)
        return StreamFailed(self.message)


class StreamProcess:
    """Handle on one stream; `wait()` completes when Moonlight exits, however it exits."""

    def __init__(self, watched: WatchedProcess, *, address: str, app: str) -> None:
        self._watched = watched
        self.address = address
        self.app = app

    @property
    def pid(self) -> int:
        return self._watched.pid

    @property
    def running(self) -> bool:
        return self._watched.returncode is None

    async def wait(self) -> StreamEnd:
        code = await self._watched.wait()
        return self._describe(code)

    async def terminate(self, grace: float = 5.0) -> StreamEnd:
        """End the stream: close Moonlight (SIGTERM), killing it after `grace` seconds."""
        code = await self._watched.stop(grace)
        return self._describe(code)

    def _describe(self, code: int) -> StreamEnd:
        if self._watched.stopped_by_us:
            return StreamEnd(StreamEndReason.STOPPED, code, "The stream was stopped.")
        if code != 0:
            return StreamEnd(StreamEndReason.CRASHED, code, _crash_message(code))
        found = last_outcome(list(self._watched.lines))
        if found is not None:
            message = self._failure_message(found[0])
            if message:
                return StreamEnd(StreamEndReason.FAILED, code, message, found[0])
        return StreamEnd(StreamEndReason.ENDED, code, "The stream ended.")

    def _failure_message(self, outcome: Outcome) -> str | None:
        if outcome is Outcome.UNREACHABLE:
            return (
                f"Moonlight could not reach your cloud PC at {self.address}. Check that "
                "Tailscale is connected and the PC is ready, then play again."
            )
        if outcome is Outcome.NOT_PAIRED:
            return (
                "Moonlight is not paired with your cloud PC any more. Pair again "
                "(Play does it for you), then play."
            )
        if outcome is Outcome.APP_NOT_FOUND:
            return (
                f'Your cloud PC has no app named "{self.app}". Choose another app '
                "(for example Desktop) in Settings."
            )
        return None


def _crash_message(code: int) -> str:
    if code < 0:
        try:
            how = f"signal {signal.Signals(-code).name}"
        except ValueError:
            how = f"signal {-code}"
    else:
        how = f"exit code {code}"
    return (
        f"Moonlight quit unexpectedly ({how}). Play again; if it keeps happening, "
        f"update Moonlight from {INSTALL_URL}."
    )
