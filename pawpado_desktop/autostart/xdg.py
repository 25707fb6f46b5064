"""Linux: an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/com.pawpado.Desktop.desktop`,
with a start delay so the panel (and its tray) is up first. Inside Flatpak the entry
goes to the host's `~/.config/autostart` and runs `flatpak run`."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from pawpado_desktop.atomic_file import atomic_write
from pawpado_desktop.autostart.common import APP_ID, APP_NAME

START_DELAY_SECONDS = 10

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
