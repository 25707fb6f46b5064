"""Build the core for one CLI command and close it afterwards."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator

from pawpado_desktop.core.play import Confirm
from pawpado_desktop.core.service import Core


@contextlib.asynccontextmanager
async def open_core(
    args: argparse.Namespace, *, poll: bool = True, confirm: Confirm | None = None
) -> AsyncIterator[Core]:
    from pawpado_desktop.core.factory import build_core  # the wiring of every real service

    core = await build_core(demo=bool(getattr(args, "demo", False)), confirm=confirm)
    try:
        await core.start(poll=poll)
        yield core
    finally:
        await core.aclose()
