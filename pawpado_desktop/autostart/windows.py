r"""Windows: the value "Pawpado" under `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`;
turning it on here also clears a "disabled" mark left by Task Manager."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Protocol

from pawpado_desktop.autostart.common import APP_NAME, AutostartError

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
STARTUP_APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
RUN_VALUE_NAME = APP_NAME


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
