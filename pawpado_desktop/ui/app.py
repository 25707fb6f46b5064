"""Start the tray: show the icon first, then build the core behind it.

The icon appears before httpx, the auth stack or the simulator are imported, so
the user sees the app at once; the rest loads while the event loop runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from logging.handlers import RotatingFileHandler
from typing import TYPE_CHECKING

from pawpado_desktop.config import config_dir, log_dir

if TYPE_CHECKING:
    from pawpado_desktop.core.play import Confirm
    from pawpado_desktop.core.service import Core

log = logging.getLogger(__name__)

LOG_FILE = "pawpado-desktop.log"
DEMO_STREAM_WINDOW = "PAWPADO_FAKE_STREAM_WINDOW"


def configure_file_logging(verbose: int) -> None:
    handler = RotatingFileHandler(log_dir() / LOG_FILE, maxBytes=1_000_000, backupCount=3)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(
        min(root.level or logging.WARNING, logging.DEBUG if verbose > 1 else logging.INFO)
    )


def core_factory(demo: bool):  # type: ignore[no-untyped-def]
    async def build(confirm: Confirm) -> Core:
        from pawpado_desktop.core.factory import build_core

        if demo:
            os.environ[DEMO_STREAM_WINDOW] = "1"  # the fake Moonlight shows a stream window
        return await build_core(demo=demo, confirm=confirm, demo_stream_seconds=None)

    return build


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    demo = bool(getattr(args, "demo", False))
    configure_file_logging(int(getattr(args, "verbose", 0)))
    from PySide6.QtWidgets import QApplication

    from pawpado_desktop.ui.single_instance import SingleInstance, instance_name

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Pawpado")
    app.setDesktopFileName("pawpado-desktop")
    app.setQuitOnLastWindowClosed(False)
    folder = config_dir()
    instance = SingleInstance(instance_name(folder, demo=demo), folder)
    if not instance.acquire():
        if instance.forward("show"):
            print("Pawpado is already running; it has been brought forward.", file=sys.stderr)
            return 0
        print("Another Pawpado is starting; try again in a moment.", file=sys.stderr)
        return 1

    import qasync

    from pawpado_desktop.ui.shell import ShellOptions, TrayApp

    shell = TrayApp(app, core_factory(demo), ShellOptions(demo=demo))
    instance.activated.connect(shell.bring_forward)
    log.info("tray shown %.3f s after start", time.monotonic() - started)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, shell.shutdown_now)
        except (NotImplementedError, RuntimeError):  # Windows
            signal.signal(signum, lambda *_: shell.shutdown_now())
    try:
        with loop:
            code = int(loop.run_until_complete(shell.run()))
    finally:
        instance.release()
    # Everything is closed and saved. Leave without the interpreter's final garbage
    # collection of Qt objects, which PySide6 can crash in (a refcount bug at exit).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
