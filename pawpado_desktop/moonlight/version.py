"""Which Moonlight is installed, read without opening a window where possible.

`moonlight --version` prints "Moonlight 6.1.0" on Linux and macOS. On Windows
v6.1.0 shows it in a modal message box instead, so there we read the version
resource of Moonlight.exe; for a macOS bundle, its Info.plist.
"""

from __future__ import annotations

import asyncio
import plistlib
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.concurrency import within
from pawpado_desktop.moonlight.errors import INSTALL_URL, MoonlightUnusable
from pawpado_desktop.moonlight.locate import InstallKind, MoonlightExecutable
from pawpado_desktop.moonlight.process import run_captured

# ASCII digits, a sane number of them: int() refuses more than 4300 digits.
_VERSION_RE = re.compile(r"(?<![0-9])([0-9]{1,9})\.([0-9]{1,9})(?:\.([0-9]{1,9}))?")


class MoonlightVersion(NamedTuple):
    major: int
    minor: int
    patch: int = 0

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


# `pair --pin` and `list` arrived together in 4.2.0.
MIN_VERSION = MoonlightVersion(4, 2, 0)


def parse_version(text: str) -> MoonlightVersion | None:
    """The first dotted version in `text` ("Moonlight 6.1.0" -> 6.1.0)."""
    match = _VERSION_RE.search(text)
    if match is None:
        return None
    major, minor, patch = match.groups()
    return MoonlightVersion(int(major), int(minor), int(patch or 0))


async def read_version(
    executable: MoonlightExecutable, *, time_limit: float, env: Mapping[str, str] | None
) -> MoonlightVersion:
    found = await asyncio.to_thread(_version_without_running, executable)
    if found is None:
        found = await _ask_version(executable, time_limit=time_limit, env=env)
    return found


def _version_without_running(executable: MoonlightExecutable) -> MoonlightVersion | None:
    """From a macOS bundle's Info.plist or a Windows version resource, if there is one."""
    bundle_plist = _bundle_plist(executable.path)
    if bundle_plist is not None:
        return _plist_version(bundle_plist)
    if sys.platform == "win32" and executable.kind is not InstallKind.FLATPAK:
        return _windows_file_version(executable.path)
    return None


async def _ask_version(
    executable: MoonlightExecutable, *, time_limit: float, env: Mapping[str, str] | None
) -> MoonlightVersion:
    try:
        asked = run_captured(executable.command("--version"), env=env, cwd=executable.cwd)
        done = await within(SYSTEM_CLOCK, time_limit, asked)
    except TimeoutError:
        raise MoonlightUnusable(
            "Moonlight at {path} did not report its version within "
            "{seconds:g} seconds. Close any Moonlight window it opened, or reinstall "
            "it from {url}.",
            path=executable.path,
            seconds=time_limit,
            url=INSTALL_URL,
        ) from None
    version = parse_version(done.stdout) or parse_version(done.stderr)
    if done.returncode != 0 or version is None:
        raise MoonlightUnusable(
            "The program at {path} did not answer `--version` like Moonlight "
            "(exit code {code}). Reinstall Moonlight from {url}, or "
            "correct its location in Settings.",
            path=executable.path,
            code=done.returncode,
            url=INSTALL_URL,
        )
    return version


def _bundle_plist(binary: Path) -> Path | None:
    contents = binary.parent.parent  # Moonlight.app/Contents/MacOS/Moonlight
    if binary.parent.name == "MacOS" and contents.name == "Contents":
        plist = contents / "Info.plist"
        return plist if plist.is_file() else None
    return None


def _plist_version(path: Path) -> MoonlightVersion | None:
    try:
        with path.open("rb") as handle:
            info = plistlib.load(handle)
    except (OSError, plistlib.InvalidFileException, ValueError):
        return None
    value = info.get("CFBundleShortVersionString") or info.get("CFBundleVersion")
    return parse_version(value) if isinstance(value, str) else None


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    def _windows_file_version(path: Path) -> MoonlightVersion | None:
        """The fixed file version of an .exe (VS_FIXEDFILEINFO), or None."""
        api = ctypes.WinDLL("version.dll")
        size = api.GetFileVersionInfoSizeW(str(path), None)
        if not size:
            return None
        buffer = ctypes.create_string_buffer(size)
        if not api.GetFileVersionInfoW(str(path), 0, size, buffer):
            return None
        info = ctypes.c_void_p()
        length = wintypes.UINT()
        if not api.VerQueryValueW(buffer, "\\", ctypes.byref(info), ctypes.byref(length)):
            return None
        words = ctypes.cast(info, ctypes.POINTER(wintypes.DWORD * 4)).contents
        # VS_FIXEDFILEINFO: signature, struct version, file version MS, file version LS.
        most, least = words[2], words[3]
        return MoonlightVersion(most >> 16, most & 0xFFFF, least >> 16)

else:

    def _windows_file_version(path: Path) -> MoonlightVersion | None:
        return None
