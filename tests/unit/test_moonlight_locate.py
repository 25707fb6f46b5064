"""The locator in each platform's layout, laid out in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from pawpado_desktop.config import LocalSettings
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.moonlight import (
    INSTALL_URL,
    InstallKind,
    MoonlightExecutable,
    MoonlightNotInstalled,
    SearchRoots,
    locate_moonlight,
)
from pawpado_desktop.moonlight.locate import FLATPAK_APP_ID


def make_exe(path: Path, *, executable: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755 if executable else 0o644)
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "root"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def locate(
    platform: str,
    env: dict[str, str],
    root: Path,
    home: Path,
    settings: LocalSettings | None = None,
) -> MoonlightExecutable:
    return locate_moonlight(
        settings or LocalSettings(), env, platform, SearchRoots(root=root, home=home)
    )


@pytest.mark.parametrize("name", ["moonlight", "moonlight-qt"])
def test_linux_finds_either_binary_name_on_path(tmp_path: Path, root: Path, home: Path, name: str):
    exe = make_exe(tmp_path / "bin" / name)
    found = locate("linux", {"PATH": str(tmp_path / "bin")}, root, home)
    assert found.kind is InstallKind.PATH
    assert found.argv == (str(exe),)
    assert found.command("list", "h") == [str(exe), "list", "h"]
    assert found.cwd is None


def test_a_non_executable_file_on_path_is_not_moonlight(tmp_path: Path, root: Path, home: Path):
    make_exe(tmp_path / "bin" / "moonlight", executable=False)
    snap = make_exe(root / "snap" / "bin" / "moonlight")
    found = locate("linux", {"PATH": str(tmp_path / "bin")}, root, home)
    assert (found.kind, found.path) == (InstallKind.SNAP, snap)


def test_linux_gui_launch_with_empty_path_still_finds_usr_bin(root: Path, home: Path):
    exe = make_exe(root / "usr" / "bin" / "moonlight-qt")
    found = locate("linux", {"PATH": ""}, root, home)
    assert found.path == exe and found.kind is InstallKind.PATH


def test_flatpak_system_install_runs_through_flatpak_run(root: Path, home: Path):
    export = make_exe(root / "var/lib/flatpak/exports/bin" / FLATPAK_APP_ID)
    flatpak = make_exe(root / "usr" / "bin" / "flatpak")
    found = locate("linux", {"PATH": ""}, root, home)
    assert found.kind is InstallKind.FLATPAK
    assert found.path == export
    assert found.argv == (str(flatpak), "run", FLATPAK_APP_ID)
    assert found.command("pair", "h") == [str(flatpak), "run", FLATPAK_APP_ID, "pair", "h"]


def test_flatpak_user_install_without_flatpak_on_path_runs_its_export(root: Path, home: Path):
    export = make_exe(home / ".local/share/flatpak/exports/bin" / FLATPAK_APP_ID)
    found = locate("linux", {"PATH": ""}, root, home)
    assert found.kind is InstallKind.FLATPAK
    assert found.argv == (str(export),)


def test_flatpak_user_install_honours_xdg_data_home(tmp_path: Path, root: Path, home: Path):
    export = make_exe(tmp_path / "data" / "flatpak/exports/bin" / FLATPAK_APP_ID)
    found = locate("linux", {"PATH": "", "XDG_DATA_HOME": str(tmp_path / "data")}, root, home)
    assert found.path == export


def test_flatpak_from_inside_our_own_sandbox_goes_through_the_host(root: Path, home: Path):
    make_exe(root / "var/lib/flatpak/exports/bin" / FLATPAK_APP_ID)
    flatpak = make_exe(root / "usr" / "bin" / "flatpak")
    found = locate("linux", {"PATH": "", "FLATPAK_ID": "com.pawpado.Desktop"}, root, home)
    assert found.argv == ("flatpak-spawn", "--host", str(flatpak), "run", FLATPAK_APP_ID)


def test_snap(root: Path, home: Path):
    snap = make_exe(root / "snap" / "bin" / "moonlight")
    found = locate("linux", {"PATH": ""}, root, home)
    assert (found.kind, found.argv) == (InstallKind.SNAP, (str(snap),))


def test_native_install_wins_over_flatpak_and_snap(root: Path, home: Path):
    make_exe(root / "snap" / "bin" / "moonlight")
    make_exe(root / "var/lib/flatpak/exports/bin" / FLATPAK_APP_ID)
    native = make_exe(root / "usr" / "local" / "bin" / "moonlight")
    assert locate("linux", {"PATH": ""}, root, home).path == native


def test_macos_applications_bundle_by_absolute_path(root: Path, home: Path):
    binary = make_exe(root / "Applications/Moonlight.app/Contents/MacOS/Moonlight")
    found = locate("darwin", {"PATH": "/usr/bin:/bin"}, root, home)
    assert (found.kind, found.argv) == (InstallKind.MACOS_APP, (str(binary),))


def test_macos_per_user_applications(root: Path, home: Path):
    binary = make_exe(home / "Applications/Moonlight.app/Contents/MacOS/Moonlight")
    assert locate("darwin", {"PATH": ""}, root, home).path == binary


def test_macos_setting_may_name_the_app_bundle(tmp_path: Path, root: Path, home: Path):
    binary = make_exe(tmp_path / "Games/Moonlight.app/Contents/MacOS/Moonlight")
    settings = LocalSettings(moonlight_path=str(tmp_path / "Games/Moonlight.app"))
    found = locate("darwin", {"PATH": ""}, root, home, settings)
    assert (found.kind, found.path) == (InstallKind.CONFIGURED, binary)


def test_windows_installer_location_from_program_files(tmp_path: Path, root: Path, home: Path):
    program_files = tmp_path / "C" / "Program Files"
    exe = make_exe(program_files / "Moonlight Game Streaming" / "Moonlight.exe", executable=False)
    env = {"PATH": "", "ProgramFiles": str(program_files)}
    found = locate("win32", env, root, home)
    assert (found.kind, found.argv) == (InstallKind.WINDOWS, (str(exe),))
    assert found.cwd == exe.parent  # portable.dat is looked for in the working directory


def test_windows_per_user_install(tmp_path: Path, root: Path, home: Path):
    local = tmp_path / "AppData" / "Local"
    exe = make_exe(local / "Programs/Moonlight Game Streaming/Moonlight.exe", executable=False)
    env = {"PATH": "", "ProgramFiles": str(tmp_path / "empty"), "LOCALAPPDATA": str(local)}
    assert locate("win32", env, root, home).path == exe


def test_windows_path_uses_semicolons(tmp_path: Path, root: Path, home: Path):
    exe = make_exe(tmp_path / "portable" / "Moonlight.exe", executable=False)
    env = {"PATH": f"{tmp_path / 'nothing'};{tmp_path / 'portable'}", "ProgramFiles": ""}
    found = locate("win32", env, root, home)
    assert (found.kind, found.path) == (InstallKind.PATH, exe)


def test_setting_wins_over_everything(tmp_path: Path, root: Path, home: Path):
    make_exe(tmp_path / "bin" / "moonlight")
    chosen = make_exe(tmp_path / "opt" / "Moonlight-6.1.0-x86_64.AppImage")
    env = {"PATH": str(tmp_path / "bin"), "PAWPADO_MOONLIGHT": str(tmp_path / "bin/moonlight")}
    found = locate("linux", env, root, home, LocalSettings(moonlight_path=str(chosen)))
    assert (found.kind, found.path) == (InstallKind.CONFIGURED, chosen)


def test_environment_override(tmp_path: Path, root: Path, home: Path):
    chosen = make_exe(tmp_path / "opt" / "moonlight")
    found = locate("linux", {"PATH": "", "PAWPADO_MOONLIGHT": str(chosen)}, root, home)
    assert found.path == chosen


def test_setting_with_tilde_is_under_home(root: Path, home: Path):
    chosen = make_exe(home / "apps" / "moonlight")
    settings = LocalSettings(moonlight_path="~/apps/moonlight")
    assert locate("linux", {"PATH": ""}, root, home, settings).path == chosen


def test_a_wrong_setting_is_reported_not_replaced(tmp_path: Path, root: Path, home: Path):
    make_exe(tmp_path / "bin" / "moonlight")  # would be found without the setting
    settings = LocalSettings(moonlight_path=str(tmp_path / "gone" / "moonlight"))
    with pytest.raises(MoonlightNotInstalled) as caught:
        locate("linux", {"PATH": str(tmp_path / "bin")}, root, home, settings)
    assert str(tmp_path / "gone" / "moonlight") in caught.value.message
    assert "Settings" in caught.value.message


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_not_installed_says_where_to_get_it(root: Path, home: Path, platform: str):
    with pytest.raises(MoonlightNotInstalled) as caught:
        locate(platform, {"PATH": "", "ProgramFiles": str(root / "pf")}, root, home)
    assert INSTALL_URL in caught.value.message
    assert "PAWPADO_MOONLIGHT" in caught.value.message
    assert caught.value.exit_code is ExitCode.MOONLIGHT
