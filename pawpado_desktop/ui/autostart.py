"""Launch at login: an absolute command, a start delay, checked after writing.

Linux: an XDG autostart entry. Windows: the HKCU Run key. macOS: a LaunchAgent.
Each `enable()` reads back what it wrote, so "it silently did nothing" cannot
happen without the user being told.
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import shlex
import shutil
import sys
from pathlib import Path

from pawpado_desktop.config import atomic_write
from pawpado_desktop.errors import PawpadoError

ENTRY = "pawpado-desktop"
DELAY_S = 10  # let the panel come up first


class AutostartFailed(PawpadoError):
    title = "Could not set up launch at login"


def command() -> list[str]:
    """The absolute command that starts the tray quietly (no window unless it must)."""
    script = shutil.which("pawpado-desktop")
    if script:
        return [str(Path(script).resolve()), "--background"]
    return [str(Path(sys.executable).resolve()), "-m", "pawpado_desktop", "--background"]


def _xdg_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "autostart" / f"{ENTRY}.desktop"


def _launch_agent() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / "com.pawpado.desktop.plist"


def desktop_entry(argv: list[str]) -> str:
    return (
        "[Desktop Entry]\nType=Application\nName=Pawpado\n"
        "Comment=Play on your Pawpado cloud gaming PC\n"
        f"Exec=sh -c {shlex.quote(f'sleep {DELAY_S}; exec {shlex.join(argv)}')}\n"
        "Icon=pawpado-desktop\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
        f"X-GNOME-Autostart-Delay={DELAY_S}\n"
    )


def is_enabled() -> bool:
    if sys.platform == "win32":
        return _windows_value() is not None
    if sys.platform == "darwin":
        return _launch_agent().exists()
    return _xdg_file().exists()


def enable() -> None:
    argv = command()
    if sys.platform == "win32":
        _windows_set(subprocess_line(argv))
    elif sys.platform == "darwin":
        plist = {"Label": "com.pawpado.desktop", "ProgramArguments": argv, "RunAtLoad": True}
        atomic_write(_launch_agent(), plistlib.dumps(plist), mode=0o644)
    else:
        atomic_write(_xdg_file(), desktop_entry(argv), mode=0o644)
    if not is_enabled():
        raise AutostartFailed(
            "Pawpado could not register itself to start at login. Check that your "
            "autostart folder is writable, or add Pawpado to your startup apps by hand."
        )


def disable() -> None:
    if sys.platform == "win32":
        _windows_set(None)
    else:
        path = _launch_agent() if sys.platform == "darwin" else _xdg_file()
        path.unlink(missing_ok=True)


def apply(enabled: bool) -> None:
    if enabled:
        enable()
    elif is_enabled():
        disable()


def subprocess_line(argv: list[str]) -> str:
    import subprocess

    return subprocess.list2cmdline(argv)


def _windows_value() -> str | None:
    if sys.platform != "win32":
        return None
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
            return str(winreg.QueryValueEx(key, "Pawpado")[0])
    except OSError:
        return None


def _windows_set(line: str | None) -> None:
    if sys.platform != "win32":
        return
    import winreg

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
        if line is None:
            with contextlib.suppress(OSError):
                winreg.DeleteValue(key, "Pawpado")
        else:
            winreg.SetValueEx(key, "Pawpado", 0, winreg.REG_SZ, line)


_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
