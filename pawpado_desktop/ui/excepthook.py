"""Unexpected errors: logged with their traceback, shown to the user without one."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import TracebackType

from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.present.errors import error_text, error_title
from pawpado_desktop.present.i18n import tr

log = logging.getLogger("pawpado_desktop.ui")

Show = Callable[[str, str], None]


def install(show: Show) -> None:
    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        if isinstance(error, PawpadoError):  # expected: its message is for the user
            log.warning("%s: %s", error.title, error.message)
            show(error_title(error), error_text(error))
            return
        log.error("unexpected error", exc_info=(kind, error, trace))
        try:
            show(
                tr("Something went wrong"),
                tr(
                    "Pawpado hit an unexpected problem and carried on. If something looks "
                    "wrong, quit and start it again. Details are in the log folder "
                    "(Help ▸ Open log folder)."
                ),
            )
        except Exception:  # showing must never raise from inside the hook
            log.exception("could not show the error")

    sys.excepthook = hook
