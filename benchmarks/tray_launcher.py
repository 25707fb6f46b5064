"""Launch the tray exactly as `pawpado-desktop` does, printing start-up markers.

`python -m benchmarks.tray_launcher [app arguments]` runs
`pawpado_desktop.cli.main.main()`. Before that it only registers an import hook
(nothing of the app is imported early, so the import order is the app's own).
When `pawpado_desktop.ui.shell` loads, the hook wraps `TrayApp`:

- `PAWPADO-BENCH tray-shown <epoch>` when `TrayApp.__init__` returns (the icon is
  rendered and shown; the app logs "tray shown" at the same point);
- `PAWPADO-BENCH first-state <epoch>` after the first `TrayPresenter.render()`
  with the core started (signed in, balance and session known), i.e. the first
  real menu.

Markers go to stderr, so with `-X importtime` they sit in order among the
import lines. The offscreen platform has no system tray, so the hook also tells
the tray presenter that one exists: the app then behaves as on a desktop panel (the icon
is shown, no fallback window, no timer looking for a tray).
"""

from __future__ import annotations

import importlib.machinery
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the launcher imports next to nothing before the app does
    from collections.abc import Callable, Sequence
    from types import ModuleType
    from typing import Any

MARKER = "PAWPADO-BENCH"
SHELL = "pawpado_desktop.ui.shell"
PRESENTER = "pawpado_desktop.ui.tray_presenter"  # imported by the shell


def mark(event: str) -> None:
    print(f"{MARKER} {event} {time.time():.6f}", file=sys.stderr, flush=True)


class AfterImport:
    """A meta path finder running `then(module)` right after `name` is executed.

    A plain class, not importlib.abc.MetaPathFinder: that module would pull in
    importlib.resources and more ahead of the app's own imports.
    """

    def __init__(self, name: str, then: Callable[[ModuleType], None]) -> None:
        self.name = name
        self.then = then

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader: Any = spec.loader
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            self.then(module)

        loader.exec_module = exec_module
        return spec


def instrument(shell: ModuleType) -> None:
    presenter: Any = sys.modules[PRESENTER]
    tray_app: Any = shell.TrayApp
    tray_presenter: Any = presenter.TrayPresenter
    init, render = tray_app.__init__, tray_presenter.render
    fired = {"first-state": False}

    def init_and_mark(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        mark("tray-shown")

    def render_and_mark(self: Any) -> None:
        render(self)
        app = self.app
        if not fired["first-state"] and not app.loading and app.core is not None:
            fired["first-state"] = True
            mark("first-state")

    tray_app.__init__ = init_and_mark
    tray_presenter.render = render_and_mark

    class PanelTray(presenter.QSystemTrayIcon):  # type: ignore[misc]
        @staticmethod
        def isSystemTrayAvailable() -> bool:
            return True

    presenter.QSystemTrayIcon = PanelTray


def main() -> int:
    sys.meta_path.insert(0, AfterImport(SHELL, instrument))
    from pawpado_desktop.cli.main import main as app_main

    return app_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
