"""Find the Moonlight executable the way each platform installs it.

A GUI launch (macOS above all) gets a minimal PATH, so besides PATH we look in
every known install location by absolute path. Platform, environment and the
filesystem root are parameters: tests lay out each platform in a temporary
directory and run the same search.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePath

from pawpado_desktop.config import LocalSettings
from pawpado_desktop.errors import Phrase
from pawpado_desktop.moonlight.errors import INSTALL_URL, MoonlightNotInstalled

FLATPAK_APP_ID = "com.moonlight_stream.Moonlight"
ENV_OVERRIDE = "PAWPADO_MOONLIGHT"
_POSIX_NAMES = ("moonlight", "moonlight-qt")  # the binary name depends on the packager
_WINDOWS_NAMES = ("Moonlight.exe", "moonlight.exe")
_WINDOWS_INSTALL = ("Moonlight Game Streaming", "Moonlight.exe")
_MAC_BUNDLE_BINARY = ("Contents", "MacOS", "Moonlight")


class InstallKind(StrEnum):
    CONFIGURED = "configured"  # the setting or PAWPADO_MOONLIGHT
    PATH = "path"  # a `moonlight`/`moonlight-qt` found on PATH or in a bin directory
    FLATPAK = "flatpak"
    SNAP = "snap"
    MACOS_APP = "macos-app"
    WINDOWS = "windows"


@dataclass(frozen=True)
class MoonlightExecutable:
    """How to run Moonlight: `argv` is the prefix the action's arguments follow."""

    argv: tuple[str, ...]
    path: Path  # the file found (for Flatpak, its exported launcher)
    kind: InstallKind
    cwd: Path | None = None  # Windows: where portable.dat is looked for

    def command(self, *args: str) -> list[str]:
        return [*self.argv, *args]


@dataclass(frozen=True)
class SearchRoots:
    """Where the searched filesystem starts; `/` and the user's home in real use."""

    root: Path = Path("/")
    home: Path | None = None  # None: HOME (or USERPROFILE) from the environment


def locate_moonlight(
    settings: LocalSettings,
    env: Mapping[str, str],
    platform: str,
    roots: SearchRoots | None = None,
) -> MoonlightExecutable:
    """The Moonlight to run, or `MoonlightNotInstalled` saying where to get it.

    An explicit location (the setting, then PAWPADO_MOONLIGHT) wins and is never
    silently replaced by another install: if it is wrong, the user hears so.
    """
    roots = roots or SearchRoots()
    home = roots.home or Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    for value, source in (
        (settings.moonlight_path, Phrase("the Moonlight location in Settings")),
        (env.get(ENV_OVERRIDE, ""), Phrase("the {env} environment variable", env=ENV_OVERRIDE)),
    ):
        if value.strip():
            return _configured(value.strip(), source, home, platform)
    found = next(_candidates(env, platform, roots.root, home), None)
    if found is not None:
        return found
    raise MoonlightNotInstalled(
        "Moonlight is not installed, or not where Pawpado looks for it. "
        "Install it from {url}, or set its location in Settings "
        "(or in the {env} environment variable).",
        url=INSTALL_URL,
        env=ENV_OVERRIDE,
    )


def _configured(value: str, source: Phrase, home: Path, platform: str) -> MoonlightExecutable:
    path = Path(value)
    if value.startswith("~"):
        path = home / value.lstrip("~").lstrip("/\\")
    if path.suffix == ".app" and path.is_dir():  # a macOS bundle: run the inner binary
        path = path.joinpath(*_MAC_BUNDLE_BINARY)
    if not _is_runnable(path, platform):
        raise MoonlightNotInstalled(
            "Moonlight was not found at {path} ({source}). Correct or clear that "
            "location, or install Moonlight from {url}.",
            path=value,
            source=source,
            url=INSTALL_URL,
        )
    return _native(path, InstallKind.CONFIGURED, platform)


def _candidates(
    env: Mapping[str, str], platform: str, root: Path, home: Path
) -> Iterator[MoonlightExecutable]:
    if platform == "win32":
        yield from _windows(env)
        return
    names = _POSIX_NAMES
    for directory in _path_dirs(env, platform):
        for name in names:
            if _is_runnable(directory / name, platform):
                yield _native(directory / name, InstallKind.PATH, platform)
    if platform == "darwin":
        for apps in (root / "Applications", home / "Applications"):
            binary = apps.joinpath("Moonlight.app", *_MAC_BUNDLE_BINARY)
            if _is_runnable(binary, platform):
                yield _native(binary, InstallKind.MACOS_APP, platform)
        return
    # Linux and other Unixes: usual bin directories, then Flatpak, then Snap.
    for directory in (root / "usr/bin", root / "usr/local/bin", home / ".local/bin"):
        for name in names:
            if _is_runnable(directory / name, platform):
                yield _native(directory / name, InstallKind.PATH, platform)
    data_home = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else home / ".local/share"
    for exports in (data_home / "flatpak", root / "var/lib/flatpak"):
        launcher = exports / "exports" / "bin" / FLATPAK_APP_ID
        if _is_runnable(launcher, platform):
            yield _flatpak(launcher, env, platform, root)
    snap = root / "snap" / "bin" / "moonlight"
    if _is_runnable(snap, platform):
        yield _native(snap, InstallKind.SNAP, platform)


def _windows(env: Mapping[str, str]) -> Iterator[MoonlightExecutable]:
    for directory in _path_dirs(env, "win32"):
        for name in _WINDOWS_NAMES:
            if _is_runnable(directory / name, "win32"):
                yield _native(directory / name, InstallKind.PATH, "win32")
    bases = [env[k] for k in ("ProgramW6432", "ProgramFiles", "ProgramFiles(x86)") if env.get(k)]
    if env.get("LOCALAPPDATA"):  # a per-user install
        bases.append(str(Path(env["LOCALAPPDATA"]) / "Programs"))
    for base in bases or [r"C:\Program Files"]:
        exe = Path(base).joinpath(*_WINDOWS_INSTALL)
        if _is_runnable(exe, "win32"):
            yield _native(exe, InstallKind.WINDOWS, "win32")


def _flatpak(
    launcher: Path, env: Mapping[str, str], platform: str, root: Path
) -> MoonlightExecutable:
    flatpak = next(
        (
            d / "flatpak"
            for d in (*_path_dirs(env, platform), root / "usr/bin")
            if _is_runnable(d / "flatpak", platform)
        ),
        None,
    )
    # The exported launcher runs `flatpak run` itself; prefer the explicit form.
    argv: tuple[str, ...] = (str(flatpak), "run", FLATPAK_APP_ID) if flatpak else (str(launcher),)
    if env.get("FLATPAK_ID"):  # we are sandboxed ourselves: run it on the host
        argv = ("flatpak-spawn", "--host", *argv)
    return MoonlightExecutable(argv=argv, path=launcher, kind=InstallKind.FLATPAK)


def _native(path: Path, kind: InstallKind, platform: str) -> MoonlightExecutable:
    # Windows: portable.dat is looked up in the working directory, so run it
    # from its own folder where a portable copy keeps its settings.
    cwd = path.parent if platform == "win32" else None
    return MoonlightExecutable(argv=(str(path),), path=path, kind=kind, cwd=cwd)


def _path_dirs(env: Mapping[str, str], platform: str) -> list[Path]:
    separator = ";" if platform == "win32" else ":"
    return [Path(p) for p in env.get("PATH", "").split(separator) if p.strip()]


def _is_runnable(path: PurePath, platform: str) -> bool:
    candidate = Path(path)
    try:
        if not candidate.is_file():
            return False
    except OSError:
        return False
    return platform == "win32" or os.access(candidate, os.X_OK)
