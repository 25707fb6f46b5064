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


@contextlib.asynccontextmanager
async def open_core(
    args: argparse.Namespace, *, poll: bool = True, confirm: Confirm | None = None
) -> AsyncIterator[Core]:
    from pawpado_desktop.core.factory import build_core  # the wiring of every real service

    core = await build_core(demo=bool(getattr(args, "demo", False)), confirm=confirm)
    core.stopper.deadline_s = CLI_STOP_DEADLINE_S  # a command keeps a stop going this long
    core.stopper.subscribe(lambda line: print(line, file=sys.stderr, flush=True))
    try:
        await core.start(poll=poll)
        try:
            yield core
        except PawpadoError:
            await core.stopper.settle()  # e.g. a failed Play whose stop is still retrying
            raise
        await core.stopper.settle()
    finally:
        await core.aclose()
