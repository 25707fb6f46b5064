"""A running `moonlight stream` and how it ended.

Moonlight exits 0 when the session ends and also after an error dialog is
dismissed, so "how it ended" is read from the exit code (a crash), from who
stopped it (us) and from the last dialog or log line it printed (a failure).
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from enum import StrEnum

from pawpado_desktop.errors import Phrase
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
    text: Phrase  # for the user
    outcome: Outcome | None = None  # the failure Moonlight reported, if any

    @property
    def message(self) -> str:
        return str(self.text)

    @property
    def ok(self) -> bool:
        return self.reason in (StreamEndReason.ENDED, StreamEndReason.STOPPED)

    def error(self) -> MoonlightError | None:
        """The failure as an error to raise or show; None when it ended well."""
        if self.ok:
            return None
        if self.outcome is Outcome.UNREACHABLE:
            return HostUnreachable(self.text.template, **self.text.params)
        return StreamFailed(self.text.template, **self.text.params)


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
            return StreamEnd(StreamEndReason.STOPPED, code, Phrase("The stream was stopped."))
        if code != 0:
            return _crashed(code)
        found = last_outcome(list(self._watched.lines))
        if found is not None:
            outcome = found[0]
            if outcome is Outcome.UNREACHABLE:
                return StreamEnd(
                    StreamEndReason.FAILED,
                    code,
                    Phrase(
                        "Moonlight could not reach your cloud PC at {address}. Check that "
                        "Tailscale is connected and the PC is ready, then play again.",
                        address=self.address,
                    ),
                    outcome,
                )
            if outcome is Outcome.NOT_PAIRED:
                return StreamEnd(
                    StreamEndReason.FAILED,
                    code,
                    Phrase(
                        "Moonlight is not paired with your cloud PC any more. Pair again "
                        "(Play does it for you), then play."
                    ),
                    outcome,
                )
            if outcome is Outcome.APP_NOT_FOUND:
                return StreamEnd(
                    StreamEndReason.FAILED,
                    code,
                    Phrase(
                        'Your cloud PC has no app named "{app}". Choose another app '
                        "(for example Desktop) in Settings.",
                        app=self.app,
                    ),
                    outcome,
                )
        return StreamEnd(StreamEndReason.ENDED, code, Phrase("The stream ended."))


def _crashed(code: int) -> StreamEnd:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return StreamEnd(
            StreamEndReason.CRASHED,
            code,
            Phrase(
                "Moonlight quit unexpectedly (signal {signal}). Play again; if it keeps "
                "happening, update Moonlight from {url}.",
                signal=name,
                url=INSTALL_URL,
            ),
        )
    return StreamEnd(
        StreamEndReason.CRASHED,
        code,
        Phrase(
            "Moonlight quit unexpectedly (exit code {code}). Play again; if it keeps "
            "happening, update Moonlight from {url}.",
            code=code,
            url=INSTALL_URL,
        ),
    )
