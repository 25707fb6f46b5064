"""What every platform's login item shares: the app's names, the command it runs at
login, the error and the LoginItem protocol."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from pawpado_desktop.errors import PawpadoError

APP_ID = "com.pawpado.Desktop"  # desktop file id, AppStream id, bundle id, LaunchAgent label
APP_NAME = "Pawpado"
BACKGROUND_FLAG = "--background"
FLATPAK_COMMAND = "/usr/bin/flatpak"  # on the host, where the session starts the entry


class AutostartError(PawpadoError):
    title = "Launch at login"


class LoginItem(Protocol):
    """Where the system keeps one command to run at login."""

    @property
    def where(self) -> str:
        """The place, in words a user can look up."""
        ...

    def write(self, argv: Sequence[str]) -> None: ...

    def remove(self) -> None: ...

    def read(self) -> list[str] | None:
        """The command that will run at login, or None when nothing will."""
        ...


def app_command(
    *,
    executable: str | None = None,
    frozen: bool | None = None,
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
) -> list[str]:
    """The absolute command that starts this installation of the app.

    A venv's interpreter is a symlink to the base Python, which lacks our
    packages: paths are made absolute but symlinks are kept.
    """
    env = os.environ if env is None else env
    executable = os.path.abspath(executable or sys.executable)
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    if env.get("FLATPAK_ID"):
        return [FLATPAK_COMMAND, "run", env["FLATPAK_ID"]]
    if frozen:  # a PyInstaller bundle: the executable is the app itself
        return [executable]
    scripts = Path(executable).parent
    windows = platform == "win32"
    script = scripts / ("pawpado-desktop-gui.exe" if windows else "pawpado-desktop")
    if script.is_file():
        return [str(script)]
    if windows:  # pythonw.exe runs without a console window
        windowless = scripts / "pythonw.exe"
        if windowless.is_file():
            executable = str(windowless)
    return [executable, "-m", "pawpado_desktop"]


def login_command(app: Sequence[str] | None = None) -> list[str]:
    """What runs at login: the app (`app_command()` by default), started hidden in the tray."""
    return [*(app or app_command()), BACKGROUND_FLAG]
