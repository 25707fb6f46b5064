"""Terminal rendering of the core's state: a live line on a TTY, plain lines otherwise."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import TextIO

from pawpado_desktop.cli.terminal import plain
from pawpado_desktop.clock import Clock
from pawpado_desktop.core.facts import Detail
from pawpado_desktop.core.notices import Notice, NoticeKind
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.notices import notice_text, notice_title
from pawpado_desktop.present.progress import detail_text, phase_label

SPINNER = "|/-\\"


def _about(notice: Notice, error: PawpadoError) -> bool:
    held = notice.params.get("error")
    return isinstance(held, PawpadoError) and (
        held is error or (held.title, held.message) == (error.title, error.message)
    )


class ProgressPrinter:
    """Prints each Play phase with its elapsed time; spins while waiting on a TTY."""

    def __init__(self, clock: Clock, stream: TextIO | None = None) -> None:
        self.clock = clock
        self.out = stream or sys.stdout
        self.live = self.out.isatty()
        self._phase = PlayPhase.IDLE
        self._detail: tuple[Detail, ...] = ()
        self._phase_started = clock.monotonic()
        self._play_started = clock.monotonic()
        self._spin_task: asyncio.Task[None] | None = None
        self._line_open = False
        self._held: list[Notice] = []  # a Play's failure, said once by the command's exit

    def on_state(self, old: AppState, new: AppState) -> None:
        play = new.play
        if play.phase is not self._phase:
            self._close_line()
            now = self.clock.monotonic()
            if self._phase is PlayPhase.IDLE:
                self._play_started = now
            self._phase, self._phase_started, self._detail = play.phase, now, play.detail
            self._print_phase()
        elif play.detail != self._detail and play.detail:
            self._detail = play.detail
            self._close_line()
            self._print_phase()

    def on_notice(self, notice: Notice) -> None:
        if notice.kind is NoticeKind.NEEDS_CREDIT:
            return  # the same text ends the command, with how to top up and play
        if notice.kind is NoticeKind.ERROR and not self._phase.is_running:
            # The Play ended with this error: the command reports it (on stderr, with
            # its exit code), so it is held here rather than printed twice.
            self._held.append(notice)
            return
        self._say(notice)

    def _say(self, notice: Notice) -> None:
        self._close_line()
        said = f"  * {notice_title(notice)}: {notice_text(notice)}"
        print(plain(said), file=self.out, flush=True)

    def reported(self, error: PawpadoError) -> None:
        """`error` ends the command and is reported by it: not printed here as well."""
        self._held = [n for n in self._held if not _about(n, error)]

    def _print_phase(self) -> None:
        total = self.clock.monotonic() - self._play_started
        label = phase_label(self._phase)
        detail = f" ({plain(detail_text(self._detail))})" if self._detail else ""
        if self.live and self._phase.is_running:
            self.out.write(f"[{total:6.1f}s] {label}{detail} ")
            self.out.flush()
            self._line_open = True
        else:
            print(f"[{total:6.1f}s] {label}{detail}", file=self.out, flush=True)

    def _close_line(self) -> None:
        if self._line_open:
            elapsed = self.clock.monotonic() - self._phase_started
            done = tr("done in {seconds}s", seconds=f"{elapsed:.1f}")
            self.out.write(f"\b {done}\n")
            self.out.flush()
            self._line_open = False

    def start(self) -> None:
        if self.live:
            self._spin_task = asyncio.get_running_loop().create_task(self._spin())

    async def stop(self) -> None:
        if self._spin_task is not None:
            self._spin_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._spin_task
        self._close_line()
        held, self._held = self._held, []
        for notice in held:  # held for a failure that was not reported after all
            self._say(notice)

    async def _spin(self) -> None:
        i = 0
        while True:
            await asyncio.sleep(0.2)
            if self._line_open:
                self.out.write("\b" + SPINNER[i % len(SPINNER)])
                self.out.flush()
                i += 1
