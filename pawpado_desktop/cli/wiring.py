"""Build the core for one CLI command and close it afterwards."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator

from pawpado_desktop.core.play import Confirm
from pawpado_desktop.core.service import Core
from pawpado_desktop.core.stopper import CLI_STOP_DEADLINE_S
from pawpado_desktop.errors import PawpadoError

READ_ONLY_STOP_WAIT_S = 15.0


@contextlib.asynccontextmanager
async def open_core(
    args: argparse.Namespace,
    *,
    poll: bool = True,
    confirm: Confirm | None = None,
    read_only: bool = False,
) -> AsyncIterator[Core]:
    """The core for one command. `read_only` (status): a stop left pending by an earlier
    run is sent again but waited for only briefly, so a report never hangs for minutes;
    its marker stays for the next command or the tray."""
    from pawpado_desktop.core.factory import build_core  # the wiring of every real service

    core = await build_core(demo=bool(getattr(args, "demo", False)), confirm=confirm)
    core.stopper.deadline_s = CLI_STOP_DEADLINE_S  # a command keeps a stop going this long
    core.stopper.subscribe(lambda line: print(line, file=sys.stderr, flush=True))
    try:
        await core.start(poll=poll, pending_wait_s=READ_ONLY_STOP_WAIT_S if read_only else None)
        try:
            yield core
        except PawpadoError:
            if not read_only:
                await core.stopper.settle()  # e.g. a failed Play whose stop is still retrying
            raise
        if not read_only:
            await core.stopper.settle()
    finally:
        await core.aclose()
