"""Launch at login on Linux: a real XDG autostart entry under a redirected HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pawpado_desktop import __version__, autostart
from pawpado_desktop.autostart import (
    APP_ID,
    BACKGROUND_FLAG,
    AutostartError,
    XdgAutostart,
    exec_line,
    parse_exec,
    read_desktop_entry,
)
from tests.packaging.conftest import Validate


@pytest.fixture
def autostart_dir(tmp_path: Path) -> Path:
    # conftest points HOME and XDG_CONFIG_HOME under tmp_path: nothing here reaches ~.
    return Path(os.environ["XDG_CONFIG_HOME"]) / "autostart"


def test_enable_writes_a_delayed_background_entry_and_disable_removes_it(
    autostart_dir: Path, tmp_path: Path
) -> None:
    entry_path = autostart_dir / f"{APP_ID}.desktop"
    assert tmp_path in entry_path.parents
    assert autostart.is_enabled() is False

    assert autostart.set_enabled(True) is True

    entry = read_desktop_entry(entry_path)
    argv = parse_exec(entry["Exec"])
    assert argv == autostart.login_command()
    assert Path(argv[0]).is_absolute()
    assert argv[-1] == BACKGROUND_FLAG
    assert Path(entry["TryExec"]) == Path(argv[0])
    assert os.access(entry["TryExec"], os.X_OK)  # else the session skips the entry
    assert int(entry["X-GNOME-Autostart-Delay"]) >= 5
    assert entry["X-GNOME-Autostart-enabled"] == "true"
    assert entry["Type"] == "Application"
    assert autostart.is_enabled() is True
    assert oct(entry_path.stat().st_mode & 0o777) == "0o644"

    assert autostart.set_enabled(False) is False
    assert not entry_path.exists()
    assert autostart.is_enabled() is False
    assert autostart.set_enabled(False) is False  # turning off twice is fine


def test_the_entry_command_starts_this_installation(autostart_dir: Path) -> None:
    """Run what the session would run (with --version in place of the tray flag)."""
    autostart.set_enabled(True)
    argv = parse_exec(read_desktop_entry(autostart_dir / f"{APP_ID}.desktop")["Exec"])
    assert argv[-1] == BACKGROUND_FLAG
    # A login session has a minimal environment: no PATH lookups, no venv activation.
    env = {"HOME": os.environ["HOME"], "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [*argv[:-1], "--version"], check=False, capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert __version__ in done.stdout


def test_the_written_entry_is_a_valid_desktop_file(
    autostart_dir: Path, tmp_path: Path, desktop_file_validate: Validate
) -> None:
    odd = tmp_path / "My Games" / "100% pawpado" / "pawpado-desktop"
    autostart.set_enabled(True, argv=[str(odd), BACKGROUND_FLAG])
    entry_path = autostart_dir / f"{APP_ID}.desktop"
    result = desktop_file_validate(entry_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()
    assert parse_exec(read_desktop_entry(entry_path)["Exec"]) == [str(odd), BACKGROUND_FLAG]


def test_an_entry_for_another_install_counts_as_off_until_enabled_again(
    autostart_dir: Path,
) -> None:
    old = XdgAutostart(autostart_dir)
    old.write(["/opt/old-pawpado/pawpado-desktop", BACKGROUND_FLAG])
    assert autostart.is_enabled() is False
    assert autostart.set_enabled(True) is True
    assert old.read() == autostart.login_command()


def test_turned_off_in_the_session_settings_counts_as_off(autostart_dir: Path) -> None:
    autostart.set_enabled(True)
    path = autostart_dir / f"{APP_ID}.desktop"
    # What GNOME Tweaks does when the user flips the switch there.
    path.write_text(
        path.read_text().replace(
            "X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false"
        )
    )
    assert autostart.is_enabled() is False


def test_a_system_wide_entry_is_hidden_rather_than_left_running(
    autostart_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "etc-xdg"
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(system))
    XdgAutostart(system / "autostart").write(autostart.login_command())
    assert autostart.is_enabled() is True  # the packaged entry alone starts the app

    assert autostart.set_enabled(False) is False
    user_entry = read_desktop_entry(autostart_dir / f"{APP_ID}.desktop")
    assert user_entry["Hidden"] == "true"
    assert (system / "autostart" / f"{APP_ID}.desktop").exists()
    assert autostart.is_enabled() is False

    assert autostart.set_enabled(True) is True


def test_flatpak_writes_to_the_hosts_autostart_and_runs_flatpak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Path(os.environ["HOME"])
    monkeypatch.setenv("FLATPAK_ID", APP_ID)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".var" / "app" / APP_ID / "config"))

    assert autostart.set_enabled(True) is True

    entry = read_desktop_entry(home / ".config" / "autostart" / f"{APP_ID}.desktop")
    assert parse_exec(entry["Exec"]) == ["/usr/bin/flatpak", "run", APP_ID, BACKGROUND_FLAG]
    assert not (home / ".var" / "app" / APP_ID / "config" / "autostart").exists()


def test_an_unwritable_autostart_folder_is_a_user_facing_error(autostart_dir: Path) -> None:
    # A file where the folder should be (chmod would not stop root, who runs CI).
    autostart_dir.parent.mkdir(parents=True, exist_ok=True)
    autostart_dir.write_text("not a folder")
    with pytest.raises(AutostartError) as caught:
        autostart.set_enabled(True)
    assert str(autostart_dir) in caught.value.message
    assert "try again" in caught.value.message
    assert autostart.is_enabled() is False


def test_xdg_config_home_is_honoured_and_a_relative_one_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(elsewhere))
    autostart.set_enabled(True)
    assert (elsewhere / "autostart" / f"{APP_ID}.desktop").is_file()

    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")  # the spec says: ignore it
    item = autostart.default_login_item(platform="linux")
    assert item.where == str(
        Path(os.environ["HOME"]) / ".config" / "autostart" / f"{APP_ID}.desktop"
    )


def test_exec_quoting_of_awkward_paths() -> None:
    line = exec_line(["/opt/My Apps/pawpado", "--name=$HOME", "50%", 'say "hi"', "back\\slash"])
    assert line == (
        '"/opt/My Apps/pawpado" "--name=\\\\$HOME" 50%% "say \\\\"hi\\\\"" "back\\\\\\\\slash"'
    )
    assert parse_exec(line) == [
        "/opt/My Apps/pawpado",
        "--name=$HOME",
        "50%",
        'say "hi"',
        "back\\slash",
    ]


@pytest.mark.parametrize("bad", ['"unterminated', '"bad \\q escape"'])
def test_malformed_exec_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_exec(bad)


@given(
    st.lists(
        st.text(
            st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
            | st.sampled_from(["\t", "\n", " ", "%", '"', "\\", "`", "$"])
        ),
        min_size=1,
        max_size=5,
    )
)
def test_exec_line_round_trips(argv: list[str]) -> None:
    line = exec_line(argv)
    assert "\n" not in line
    assert parse_exec(line) == argv


def test_the_app_command_outside_a_venv_script_is_python_dash_m(tmp_path: Path) -> None:
    python = tmp_path / "bin" / "python3"
    python.parent.mkdir()
    python.symlink_to(sys.executable)
    assert autostart.app_command(executable=str(python), frozen=False, env={}) == [
        str(python),
        "-m",
        "pawpado_desktop",
    ]
    script = tmp_path / "bin" / "pawpado-desktop"
    script.write_text("#!/bin/sh\n")
    # The venv's own script, not the interpreter the symlink resolves to.
    assert autostart.app_command(executable=str(python), frozen=False, env={}) == [str(script)]


def test_a_frozen_bundle_starts_itself(tmp_path: Path) -> None:
    exe = tmp_path / "dist" / "pawpado-desktop" / "pawpado-desktop"
    assert autostart.app_command(executable=str(exe), frozen=True, env={}) == [str(exe)]
    assert autostart.login_command([str(exe)]) == [str(exe), BACKGROUND_FLAG]
