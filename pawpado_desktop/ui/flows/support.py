"""For Pawpado support: the redacted debug info (copied) and the debug bundle (saved)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication

from pawpado_desktop.config import config_dir, log_dir
from pawpado_desktop.errors import SaveFailed
from pawpado_desktop.present import i18n
from pawpado_desktop.present.i18n import tr

if TYPE_CHECKING:
    from pawpado_desktop.ui.shell import TrayApp


def debug_info(app: TrayApp) -> str:
    from pawpado_desktop.diagnostics import debug_info

    now, _ = app.now()
    extra = {
        "Tray": "none (window instead)" if app.presenter.no_tray else "system tray",
        "Notifications": app.notifier.channel,
        "Language": i18n.language(),
    }
    if app.core is not None:
        return app.core.debug_info(extra)
    return debug_info(app.state, now, extra)


def copy_debug_info(app: TrayApp) -> str:
    text = debug_info(app)
    QGuiApplication.clipboard().setText(text)
    app.say(tr("Debug info copied"), tr("Paste it into your message to Pawpado support."))
    return text


async def save_debug_bundle(app: TrayApp) -> Path:
    """Zip the redacted summary, logs and state files into Downloads, and show it."""
    from pawpado_desktop.diagnostics import write_bundle

    downloads = Path.home() / "Downloads"
    folder = downloads if downloads.is_dir() else Path.home()
    now, _ = app.now()
    try:
        if app.core is not None:
            path = await app.core.save_debug_bundle(folder, summary=debug_info(app), logs=log_dir())
        else:  # the core could not start: the bundle is what support needs most
            path = await asyncio.to_thread(
                write_bundle,
                folder,
                summary=debug_info(app),
                config=config_dir(),
                logs=log_dir(),
                now=now,
            )
    except OSError as exc:
        raise SaveFailed(
            "The debug bundle could not be saved in {folder} ({reason}). Free some "
            "disk space, or save it from a terminal: pawpado-desktop debug-bundle PATH",
            folder=str(folder),
            reason=exc.strerror or type(exc).__name__,
        ) from None
    app.say(
        tr("Debug bundle saved"),
        tr(
            "{name} is in {folder}. Attach it to your message to Pawpado support.",
            name=path.name,
            folder=str(folder),
        ),
    )
    app.options.open_path(folder)
    return path
