"""Launch at login on Linux, Windows and macOS: one absolute command, written, then read back.

- `xdg`: Linux, an XDG autostart entry (started after a delay; Flatpak-aware);
- `windows`: the HKCU Run value (and Task Manager's "disabled" mark);
- `macos`: a LaunchAgent;
- `common`: the app's names, the command, `AutostartError` and `LoginItem`.

Every entry runs the app with BACKGROUND_FLAG (start hidden in the tray, no
windows). `set_enabled` toggles and reads the entry back, so launch at login
cannot silently do nothing: a stale entry (another install, a moved app) counts
as off. Plain file and registry I/O, no Qt; fast, but blocking, so async callers
wrap it in `asyncio.to_thread`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from pawpado_desktop.autostart.common import (
    APP_ID,
    APP_NAME,
    BACKGROUND_FLAG,
    FLATPAK_COMMAND,
    AutostartError,
    LoginItem,
    app_command,
    login_command,
)
from pawpado_desktop.autostart.macos import LaunchAgent
from pawpado_desktop.autostart.windows import (
    RUN_KEY,
    RUN_VALUE_NAME,
    STARTUP_APPROVED_KEY,
    Registry,
    WindowsRunKey,
    WinRegistry,
    split_windows_command,
)
from pawpado_desktop.autostart.xdg import (
    START_DELAY_SECONDS,
    XdgAutostart,
    exec_line,
    parse_exec,
    read_desktop_entry,
    xdg_autostart_dir,
    xdg_system_autostart_dirs,
)

__all__ = [
    "APP_ID",
    "APP_NAME",
    "BACKGROUND_FLAG",
    "FLATPAK_COMMAND",
    "RUN_KEY",
    "RUN_VALUE_NAME",
    "STARTUP_APPROVED_KEY",
    "START_DELAY_SECONDS",
    "AutostartError",
    "LaunchAgent",
    "LoginItem",
    "Registry",
    "WinRegistry",
    "WindowsRunKey",
    "XdgAutostart",
    "app_command",
    "default_login_item",
    "exec_line",
    "is_enabled",
    "login_command",
    "parse_exec",
    "read_desktop_entry",
    "set_enabled",
    "split_windows_command",
    "xdg_autostart_dir",
    "xdg_system_autostart_dirs",
]


def default_login_item(
    *,
    platform: str = sys.platform,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> LoginItem:
    """This platform's login item; `env` and `home` redirect it (tests)."""
    env = os.environ if env is None else env
    if platform == "win32":
        return WindowsRunKey(WinRegistry())
    home = home or Path(env.get("HOME") or Path.home())
    if platform == "darwin":
        return LaunchAgent(home / "Library" / "LaunchAgents")
    return XdgAutostart(xdg_autostart_dir(env, home), xdg_system_autostart_dirs(env))


def is_enabled(item: LoginItem | None = None, argv: Sequence[str] | None = None) -> bool:
    """True when this installation starts at login (an entry for another command is off)."""
    item = item or default_login_item()
    return item.read() == list(argv or login_command())


def set_enabled(
    enabled: bool, *, item: LoginItem | None = None, argv: Sequence[str] | None = None
) -> bool:
    """Turn launch at login on or off, read it back and return the verified state.

    Raises AutostartError, with where and what to do, when the system refused the
    change or the entry reads back differently from what was asked.
    """
    item = item or default_login_item()
    argv = list(argv or login_command())
    try:
        if enabled:
            item.write(argv)
        else:
            item.remove()
        found = item.read()
    except OSError as exc:
        raise AutostartError(
            "Pawpado could not change its start-at-login entry ({where}): "
            "{reason}. Check that the folder is yours and "
            "writable, then try again, or add Pawpado to your startup apps by hand.",
            where=item.where,
            reason=exc.strerror or type(exc).__name__,
        ) from exc
    if enabled and found != argv:
        raise AutostartError(
            "Pawpado wrote its start-at-login entry ({where}) but it does not read "
            "back as written, so it would not start at login. Check the entry, or add "
            "Pawpado to your startup apps by hand.",
            where=item.where,
        )
    if not enabled and found is not None:
        raise AutostartError(
            "Pawpado removed its start-at-login entry, but something still starts it "
            "at login ({where}). Remove it from your startup apps by hand.",
            where=item.where,
        )
    return found is not None
