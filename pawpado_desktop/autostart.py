r"""Launch at login on Linux, Windows and macOS: one absolute command, written, then read back.

- Linux: an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/com.pawpado.Desktop.desktop`,
  with a start delay so the panel (and its tray) is up first. Inside Flatpak the
  entry goes to the host's `~/.config/autostart` and runs `flatpak run`.
- Windows: the value "Pawpado" under `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`;
  turning it on here also clears a "disabled" mark left by Task Manager.
- macOS: a LaunchAgent, `~/Library/LaunchAgents/com.pawpado.Desktop.plist` (RunAtLoad).

Every entry runs the app with BACKGROUND_FLAG (start hidden in the tray, no
windows). `set_enabled` toggles and reads the entry back, so launch at login
cannot silently do nothing: a stale entry (another install, a moved app) counts
as off. Plain file and registry I/O, no Qt; fast, but blocking, so async callers
wrap it in `asyncio.to_thread`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Protocol

from pawpado_desktop.config import atomic_write
from pawpado_desktop.errors import PawpadoError

APP_ID = "com.pawpado.Desktop"  # desktop file id, AppStream id, bundle id, LaunchAgent label
APP_NAME = "Pawpado"
BACKGROUND_FLAG = "--background"
START_DELAY_SECONDS = 10
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
STARTUP_APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
RUN_VALUE_NAME = APP_NAME
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


# -- the command --------------------------------------------------------------


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


# -- Linux: XDG autostart -------------------------------------------------------

# Characters that force an Exec argument into double quotes (Desktop Entry spec).
_EXEC_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")
_EXEC_ESCAPED_IN_QUOTES = frozenset('"`$\\')
_STRING_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_STRING_UNESCAPES = {"\\": "\\", "n": "\n", "t": "\t", "r": "\r", "s": " "}


def exec_line(argv: Sequence[str]) -> str:
    """`argv` as the value of an Exec key, quoted and escaped as the spec says."""
    parts = []
    for raw in argv:
        arg = raw.replace("%", "%%")
        if arg and not _EXEC_RESERVED.intersection(arg):
            parts.append(arg)
            continue
        quoted = "".join("\\" + c if c in _EXEC_ESCAPED_IN_QUOTES else c for c in arg)
        parts.append(f'"{quoted}"')
    return _escape_string(" ".join(parts))


def _escape_string(value: str) -> str:
    return "".join(_STRING_ESCAPES.get(c, c) for c in value)


def parse_exec(value: str) -> list[str]:
    """The argv of an Exec value as written in the file (inverse of `exec_line`)."""
    argv: list[str] = []
    arg: list[str] | None = None  # None: between arguments
    chars = iter(_unescape_string(value))
    for c in chars:
        if c in " \t\n":
            if arg is not None:
                argv.append("".join(arg))
                arg = None
            continue
        arg = [] if arg is None else arg
        if c != '"':
            arg.append(c)
            continue
        for q in chars:  # inside double quotes, up to the closing one
            if q == '"':
                break
            if q == "\\":
                escaped = next(chars, "")
                if escaped not in _EXEC_ESCAPED_IN_QUOTES:
                    raise ValueError("bad escape inside a quoted Exec argument")
                arg.append(escaped)
            else:
                arg.append(q)
        else:
            raise ValueError("unterminated quote in Exec")
    if arg is not None:
        argv.append("".join(arg))
    return [a.replace("%%", "%") for a in argv]


def _unescape_string(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for c in chars:
        if c == "\\":
            nxt = next(chars, "")
            out.append(_STRING_UNESCAPES.get(nxt, "\\" + nxt))
        else:
            out.append(c)
    return "".join(out)


def read_desktop_entry(path: Path) -> dict[str, str]:
    """The keys of the [Desktop Entry] group (empty when the file is missing)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    entry: dict[str, str] = {}
    group = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1]
        elif group == "Desktop Entry" and "=" in line:
            key, _, value = line.partition("=")
            entry.setdefault(key.strip(), value.strip())
    return entry


def xdg_autostart_dir(env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """The user's autostart folder; in Flatpak the host's (shared with the sandbox)."""
    env = os.environ if env is None else env
    home = home or Path(env.get("HOME") or Path.home())
    config = env.get("XDG_CONFIG_HOME")
    # Flatpak points XDG_CONFIG_HOME into ~/.var/app; the session reads ~/.config.
    if env.get("FLATPAK_ID") or not config or not os.path.isabs(config):
        return home / ".config" / "autostart"
    return Path(config) / "autostart"


def xdg_system_autostart_dirs(env: Mapping[str, str] | None = None) -> list[Path]:
    env = os.environ if env is None else env
    dirs = env.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    return [Path(d) / "autostart" for d in dirs.split(":") if os.path.isabs(d)]


class XdgAutostart:
    """An entry in the user's autostart folder; it shadows a system-wide one of the same name."""

    def __init__(self, directory: Path, system_dirs: Sequence[Path] = ()) -> None:
        self.path = directory / f"{APP_ID}.desktop"
        self.system_paths = [d / f"{APP_ID}.desktop" for d in system_dirs]

    @property
    def where(self) -> str:
        return str(self.path)

    def write(self, argv: Sequence[str]) -> None:
        atomic_write(self.path, self.entry(argv), mode=0o644)

    @staticmethod
    def entry(argv: Sequence[str]) -> str:
        lines = [
            "[Desktop Entry]",
            "Type=Application",
            f"Name={APP_NAME}",
            "Comment=Start Pawpado in the system tray when you log in",
            f"Exec={exec_line(argv)}",
            # A plain path, not Exec-quoted; the session skips the entry once it is gone.
            f"TryExec={_escape_string(argv[0])}",
            f"Icon={APP_ID}",
            "Terminal=false",
            "StartupNotify=false",
            "X-GNOME-Autostart-enabled=true",
            f"X-GNOME-Autostart-Delay={START_DELAY_SECONDS}",
            f"X-MATE-Autostart-Delay={START_DELAY_SECONDS}",
            "X-KDE-autostart-phase=2",  # KDE: after the panel is up
        ]
        return "\n".join(lines) + "\n"

    def remove(self) -> None:
        if any(path.is_file() for path in self.system_paths):
            # Deleting ours would let the system-wide entry through: hide it instead.
            atomic_write(
                self.path,
                f"[Desktop Entry]\nType=Application\nName={APP_NAME}\nHidden=true\n",
                mode=0o644,
            )
        else:
            self.path.unlink(missing_ok=True)

    def read(self) -> list[str] | None:
        existing = [p for p in (self.path, *self.system_paths) if p.is_file()]
        entry = read_desktop_entry(existing[0]) if existing else {}
        if entry.get("Hidden", "").lower() == "true":
            return None
        if entry.get("X-GNOME-Autostart-enabled", "").lower() == "false":
            return None
        try:
            argv = parse_exec(entry.get("Exec", ""))
        except ValueError:
            return None
        return argv or None


# -- Windows: the Run key -------------------------------------------------------


class Registry(Protocol):
    """The few HKEY_CURRENT_USER operations the Run key needs."""

    def get(self, key: str, name: str) -> str | bytes | None: ...

    def set_string(self, key: str, name: str, value: str) -> None: ...

    def delete(self, key: str, name: str) -> None:
        """Remove a value; nothing happens when it is missing."""
        ...


def _winreg() -> ModuleType:
    if sys.platform != "win32":
        raise AutostartError("The Windows registry exists only on Windows.")
    import winreg

    return winreg


class WinRegistry:
    """HKEY_CURRENT_USER through winreg."""

    def get(self, key: str, name: str) -> str | bytes | None:
        winreg = _winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as handle:
                value, _kind = winreg.QueryValueEx(handle, name)
        except FileNotFoundError:
            return None
        return value if isinstance(value, str | bytes) else None

    def set_string(self, key: str, name: str, value: str) -> None:
        winreg = _winreg()
        with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as handle:
            winreg.SetValueEx(handle, name, 0, winreg.REG_SZ, value)

    def delete(self, key: str, name: str) -> None:
        winreg = _winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as handle:
                winreg.DeleteValue(handle, name)
        except FileNotFoundError:
            pass


def split_windows_command(line: str) -> list[str]:
    """Split a command line the way the Microsoft C runtime does (inverse of list2cmdline)."""
    argv: list[str] = []
    current: list[str] | None = None
    quoted = False
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            run = len(line[i:]) - len(line[i:].lstrip("\\"))
            i += run
            current = current if current is not None else []
            if i < len(line) and line[i] == '"':
                current.append("\\" * (run // 2))
                if run % 2:  # an escaped quote
                    current.append('"')
                    i += 1
            else:
                current.append("\\" * run)
            continue
        if c == '"':
            quoted = not quoted
            current = current if current is not None else []
        elif c in " \t" and not quoted:
            if current is not None:
                argv.append("".join(current))
                current = None
        else:
            current = current if current is not None else []
            current.append(c)
        i += 1
    if current is not None:
        argv.append("".join(current))
    return argv


class WindowsRunKey:
    """The Run value; Task Manager's StartupApproved mark counts (odd first byte: disabled)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    @property
    def where(self) -> str:
        return f"HKEY_CURRENT_USER\\{RUN_KEY}, value {RUN_VALUE_NAME}"

    def write(self, argv: Sequence[str]) -> None:
        self.registry.set_string(RUN_KEY, RUN_VALUE_NAME, subprocess.list2cmdline(argv))
        # The user asked for it here, so lift a "disabled" left by Task Manager.
        self.registry.delete(STARTUP_APPROVED_KEY, RUN_VALUE_NAME)

    def remove(self) -> None:
        self.registry.delete(RUN_KEY, RUN_VALUE_NAME)
        self.registry.delete(STARTUP_APPROVED_KEY, RUN_VALUE_NAME)

    def read(self) -> list[str] | None:
        line = self.registry.get(RUN_KEY, RUN_VALUE_NAME)
        if not isinstance(line, str) or not line.strip():
            return None
        approved = self.registry.get(STARTUP_APPROVED_KEY, RUN_VALUE_NAME)
        if isinstance(approved, bytes) and approved and approved[0] & 1:
            return None
        return split_windows_command(line)


# -- macOS: a LaunchAgent -------------------------------------------------------


class LaunchAgent:
    def __init__(self, directory: Path) -> None:
        self.path = directory / f"{APP_ID}.plist"

    @property
    def where(self) -> str:
        return str(self.path)

    def write(self, argv: Sequence[str]) -> None:
        agent = {
            "Label": APP_ID,
            "ProgramArguments": list(argv),
            "RunAtLoad": True,
            "ProcessType": "Interactive",  # a user-facing app: no throttling
            "LimitLoadToSessionType": "Aqua",  # only in a graphical login
        }
        import plistlib  # macOS only; kept off the tray's path to its icon (~20 ms)

        atomic_write(self.path, plistlib.dumps(agent), mode=0o644)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def read(self) -> list[str] | None:
        import plistlib
        from xml.parsers.expat import ExpatError

        try:
            agent = plistlib.loads(self.path.read_bytes())
        except (OSError, plistlib.InvalidFileException, ValueError, ExpatError):
            return None  # missing or unreadable: launchd would not load it either
        if not isinstance(agent, dict) or agent.get("Label") != APP_ID:
            return None
        if agent.get("Disabled") is True or agent.get("RunAtLoad") is not True:
            return None
        argv = agent.get("ProgramArguments")
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            return None
        return argv or None


# -- the switch -----------------------------------------------------------------


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
            f"Pawpado could not change its start-at-login entry ({item.where}): "
            f"{exc.strerror or type(exc).__name__}. Check that the folder is yours and "
            "writable, then try again, or add Pawpado to your startup apps by hand."
        ) from exc
    if enabled and found != argv:
        raise AutostartError(
            f"Pawpado wrote its start-at-login entry ({item.where}) but it does not read "
            "back as written, so it would not start at login. Check the entry, or add "
            "Pawpado to your startup apps by hand."
        )
    if not enabled and found is not None:
        raise AutostartError(
            f"Pawpado removed its start-at-login entry, but something still starts it "
            f"at login ({item.where}). Remove it from your startup apps by hand."
        )
    return found is not None
