"""The desktop files validate, and every packaging recipe names the same app.

The bundle itself is built and run by .ci/package (too slow for the test suite).
"""

from __future__ import annotations

import configparser
import importlib.metadata
import json
import plistlib
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from pawpado_desktop import __version__
from pawpado_desktop.autostart import (
    APP_ID,
    APP_NAME,
    BACKGROUND_FLAG,
    RUN_KEY,
    RUN_VALUE_NAME,
    WindowsRunKey,
    is_enabled,
    split_windows_command,
)
from tests.packaging.conftest import Validate
from tests.support.packaging import MemoryRegistry

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "pawpado_desktop" / "resources"
LINUX = RESOURCES / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
PACKAGING = ROOT / "packaging"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SCRIPT = "pawpado-desktop"


def desktop_entry(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def test_desktop_file_is_valid(desktop_file_validate: Validate) -> None:
    result = desktop_file_validate(DESKTOP)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""  # not even a hint


def test_metainfo_is_valid(appstream_validate: Validate) -> None:
    result = appstream_validate(METAINFO)
    assert result.returncode == 0, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert problems == []


def test_desktop_file_runs_the_installed_script_with_the_themed_icon() -> None:
    entry = desktop_entry(DESKTOP)["Desktop Entry"]
    assert PYPROJECT["project"]["scripts"][SCRIPT] == "pawpado_desktop.cli.main:main"
    assert entry["Exec"].split()[0] == SCRIPT
    assert entry["Icon"] == APP_ID
    for size in (48, 128, 256):
        assert (RESOURCES / "icons/hicolor" / f"{size}x{size}/apps/{APP_ID}.png").is_file()
    assert (RESOURCES / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg").is_file()


def test_metainfo_names_the_app_its_desktop_file_and_this_version() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == SCRIPT
    assert root.find("releases/release").get("version") == __version__  # type: ignore[union-attr]


def test_gui_script_starts_the_same_main_without_a_console() -> None:
    gui = PYPROJECT["project"]["gui-scripts"]
    assert gui == {"pawpado-desktop-gui": PYPROJECT["project"]["scripts"][SCRIPT]}


# -- macOS ------------------------------------------------------------------------


def test_info_plist_is_a_menu_bar_app_with_hidpi_and_our_bundle_id() -> None:
    info = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    assert info["CFBundleIdentifier"] == APP_ID
    assert info["CFBundleName"] == APP_NAME
    assert info["LSUIElement"] is True
    assert info["NSHighResolutionCapable"] is True
    assert info["CFBundleShortVersionString"] == info["CFBundleVersion"] == __version__


# -- PyInstaller ------------------------------------------------------------------


def test_spec_lists_every_keyring_backend_keyring_ships() -> None:
    spec = (PACKAGING / "pyinstaller" / "pawpado-desktop.spec").read_text()
    backends = importlib.metadata.entry_points(group="keyring.backends")
    assert backends
    for backend in backends:
        assert f'"{backend.value}"' in spec, f"{backend.value} missing from hiddenimports"
    assert 'copy_metadata("keyring")' in spec  # the entry points themselves


def test_the_bundle_answers_dash_m_for_our_modules_only(tmp_path: Path) -> None:
    """The runtime hook, run as PyInstaller runs it: before the entry script."""
    hook = PACKAGING / "pyinstaller" / "rthook_python_m.py"
    code = (
        "import runpy, sys\n"
        "sys.argv = ['pawpado-desktop', *sys.argv[1:]]\n"
        f"runpy.run_path({str(hook)!r})\n"
        "print('entry script runs', sys.argv[1:])\n"
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            check=False,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )

    ours = run("-m", "pawpado_desktop", "--version")
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.strip() == f"pawpado-desktop {__version__}"
    foreign = run("-m", "http.server")
    assert foreign.stdout.strip() == "entry script runs ['-m', 'http.server']"
    plain = run("--version")
    assert plain.stdout.strip() == "entry script runs ['--version']"


# -- Windows (Inno Setup) -----------------------------------------------------------


def inno() -> tuple[dict[str, str], str]:
    text = (PACKAGING / "windows" / "pawpado.iss").read_text()
    defines = dict(re.findall(r'^\s*#define (\w+) "([^"]*)"', text, re.M))
    expanded = re.sub(r"\{#(\w+)\}", lambda m: defines[m.group(1)], text)
    return defines, expanded


def test_installer_login_task_writes_what_the_app_reads_as_enabled() -> None:
    defines, text = inno()
    assert defines["RunValueName"] == RUN_VALUE_NAME
    assert defines["RunKey"] == RUN_KEY
    line = next(
        row
        for row in text.splitlines()
        if row.startswith("Root: HKCU") and "Tasks: startatlogin" in row
    )
    value = re.search(r'ValueData: "((?:[^"]|"")*)"', line)
    assert value is not None
    install_dir = r"C:\Users\Dewi Lestari\AppData\Local\Programs\Pawpado"
    data = value.group(1).replace('""', '"').replace("{app}", install_dir)
    exe = rf"{install_dir}\{defines['AppExe']}"
    assert split_windows_command(data) == [exe, BACKGROUND_FLAG]

    registry = MemoryRegistry()
    registry.set_string(RUN_KEY, RUN_VALUE_NAME, data)
    assert is_enabled(WindowsRunKey(registry), [exe, BACKGROUND_FLAG]) is True


def test_installer_packs_the_bundle_the_spec_builds_and_has_a_start_menu_entry() -> None:
    defines, text = inno()
    spec = (PACKAGING / "pyinstaller" / "pawpado-desktop.spec").read_text()
    assert defines["AppExe"] == f"{APP_NAME}.exe"
    assert "executable(APP_NAME, console=False" in spec  # the windowed Pawpado.exe
    assert 'name="pawpado-desktop",\n)' in spec  # COLLECT's folder
    assert r'Source: "..\..\dist\pawpado-desktop\*"' in text
    assert re.search(
        r'^Name: "\{autoprograms\}\\Pawpado"; Filename: "\{app\}\\Pawpado.exe"', text, re.M
    )
    assert re.search(r'^Name: "startatlogin";.*Flags: unchecked', text, re.M)  # optional
    icon = re.search(r"^SetupIconFile=(.+)$", text, re.M)
    assert icon is not None
    assert (PACKAGING / "windows" / icon.group(1).replace("\\", "/")).resolve().is_file()


# -- Flatpak -------------------------------------------------------------------------


def flatpak_manifest() -> dict[str, object]:
    data = yaml.safe_load((PACKAGING / "flatpak" / f"{APP_ID}.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_flatpak_has_the_permissions_the_tray_needs() -> None:
    manifest = flatpak_manifest()
    assert manifest["id"] == APP_ID
    assert manifest["command"] == SCRIPT
    args = manifest["finish-args"]
    assert isinstance(args, list)
    for needed in (
        "--talk-name=org.kde.StatusNotifierWatcher",  # tray
        "--talk-name=org.freedesktop.Notifications",
        "--talk-name=org.freedesktop.secrets",  # keyring
        "--talk-name=org.freedesktop.Flatpak",  # flatpak-spawn --host tailscale / moonlight
        "--filesystem=xdg-config/autostart:create",  # launch at login
        "--share=network",
    ):
        assert needed in args
    # Owning names under org.kde. would let the app pose as any KDE service on the bus.
    assert not [a for a in args if a.startswith("--own-name=org.kde.")]


def test_flatpak_build_uses_files_that_exist() -> None:
    manifest = flatpak_manifest()
    modules = manifest["modules"]
    assert isinstance(modules, list)
    assert (PACKAGING / "flatpak" / modules[0]).is_file()
    commands = " ".join(modules[1]["build-commands"])
    for path in re.findall(r"((?:pawpado_desktop|packaging)/[\w./-]+)", commands):
        assert (ROOT / path).exists(), path


def test_flatpak_python_deps_match_uv_lock() -> None:
    done = subprocess.run(
        [sys.executable, str(PACKAGING / "flatpak" / "make_python_deps.py"), "--check"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    deps = json.loads((PACKAGING / "flatpak" / "python3-deps.json").read_text())
    wheels = {source["url"].rsplit("/", 1)[-1].split("-")[0].lower() for source in deps["sources"]}
    for requirement in PYPROJECT["project"]["dependencies"]:
        name = re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].lower().replace("-", "_")
        if name != "pyside6_essentials":  # from the PySide base app
            assert name in wheels, name
    assert all(len(source["sha256"]) == 64 for source in deps["sources"])
