"""Start the tray: show the icon first, then build the core behind it.

The icon appears before the core, the auth stack or the simulator are built, so
the user sees the app at once; the rest loads while the event loop runs.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pawpado_desktop.config import config_dir

if TYPE_CHECKING:
    import qasync

    from pawpado_desktop.core.play import Confirm
    from pawpado_desktop.core.service import Core
    from pawpado_desktop.ui.shell import TrayApp

log = logging.getLogger(__name__)

BACKGROUND_TRAY_WAIT_S = 120.0


def process_age() -> float | None:
    """Seconds since this process started (Linux), for the start-up figure in the log."""
    try:
        stat = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - int(stat[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def core_factory(demo: bool) -> Callable[[Confirm], Awaitable[Core]]:
    """Builds the tray's core once the icon shows; the environment is read then, once."""

    async def build(confirm: Confirm) -> Core:
        # The HTTP stack, auth and tailscale (~0.1 s of imports) load on a worker
        # thread after the icon is shown: the menu stays responsive meanwhile.
        await asyncio.to_thread(importlib.import_module, "pawpado_desktop.core.factory")
        from pawpado_desktop.cli.wiring import demo_wiring, wiring_from_env
        from pawpado_desktop.core.factory import build_core
        from pawpado_desktop.core.ownership import Role

        if demo:  # the pretend stream is a window the user closes
            wiring = await demo_wiring(
                os.environ, role=Role.TRAY, stream_seconds=None, stream_window=True
            )
        else:
            wiring = wiring_from_env(os.environ, role=Role.TRAY)
        return await build_core(wiring, confirm=confirm)

    return build


EXIT_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")  # Ctrl-C, kill/logout, the terminal closed


def handle_exit_signals(loop: asyncio.AbstractEventLoop, shell: TrayApp) -> None:
    """Each exit signal runs the tray's shutdown (no questions) instead of killing it."""
    for name in EXIT_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is None:  # no SIGHUP on Windows
            continue
        why = name
        try:
            loop.add_signal_handler(signum, shell.shutdown_now, why)
        except (NotImplementedError, RuntimeError):  # Windows
            signal.signal(signum, lambda *_, why=why: shell.shutdown_now(why))


def run_until_closed(loop: qasync.QEventLoop, shell: TrayApp) -> int:
    """Run the tray until its shutdown has finished, returning its exit code.

    Qt's loop can end before that (QApplication.exit(), or a quit that slipped
    past the shell's filter): the shell hears aboutToQuit and starts its
    shutdown, and the loop is run again until the clean-up is done, instead of
    leaving with "Event loop stopped before Future completed" and nothing stopped.
    """
    done = asyncio.ensure_future(shell.run(), loop=loop)
    done.add_done_callback(lambda _: loop.stop())
    while not done.done():
        loop.run_forever()
    return int(done.result())


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    demo = bool(getattr(args, "demo", False))
    from PySide6.QtWidgets import QApplication

    from pawpado_desktop.ui.source_cache import forget_checked_sources

    forget_checked_sources()  # before the app's own modules load: 10 MiB less
    from pawpado_desktop.autostart import APP_ID
    from pawpado_desktop.instance_channel import instance_name
    from pawpado_desktop.ui.single_instance import SingleInstance

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Pawpado")
    app.setDesktopFileName(APP_ID)  # the .desktop file, the AppStream and Wayland app id
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

    options = ShellOptions(demo=demo)
    if getattr(args, "background", False):  # launched at login: the panel may come late
        options.tray_wait_s = BACKGROUND_TRAY_WAIT_S
    shell = TrayApp(app, core_factory(demo), options)
    instance.activated.connect(shell.bring_forward)
    age = process_age()
    log.info(
        "tray shown %.3f s after run() (%s after the process started)",
        time.monotonic() - started,
        f"{age:.2f} s" if age is not None else "unknown",
    )
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    handle_exit_signals(loop, shell)
    try:
        with loop:
            code = run_until_closed(loop, shell)
    finally:
        instance.release()
    # Everything is closed and saved. Leave without the interpreter's final garbage
    # collection of Qt objects, which PySide6 can crash in (a refcount bug at exit).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
