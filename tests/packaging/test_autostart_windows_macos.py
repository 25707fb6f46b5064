"""Launch at login on Windows (the HKCU Run key, on an in-memory registry) and macOS
(a LaunchAgent under a temporary home)."""

from __future__ import annotations

import plistlib
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pawpado_desktop import autostart
from pawpado_desktop.autostart import (
    APP_ID,
    BACKGROUND_FLAG,
    RUN_KEY,
    RUN_VALUE_NAME,
    STARTUP_APPROVED_KEY,
    AutostartError,
    LaunchAgent,
    WindowsRunKey,
    split_windows_command,
)
from tests.support.packaging import MemoryRegistry

EXE = r"C:\Users\Dewi Lestari\AppData\Local\Programs\Pawpado\Pawpado.exe"
ARGV = [EXE, BACKGROUND_FLAG]
# What Task Manager writes when the user disables a startup app (then re-enables it).
TASK_MANAGER_DISABLED = bytes([3, 0, 0, 0]) + bytes(8)
TASK_MANAGER_ENABLED = bytes([2, 0, 0, 0]) + bytes(8)


class IgnoringRegistry(MemoryRegistry):
    """A registry that accepts writes and keeps nothing (virtualised, or policy-locked)."""

    def set_string(self, key: str, name: str, value: str) -> None:
        return None


def test_run_key_holds_a_quoted_command_line_and_reads_back() -> None:
    registry = MemoryRegistry()
    item = WindowsRunKey(registry)
    assert autostart.set_enabled(True, item=item, argv=ARGV) is True
    assert registry.values[(RUN_KEY, RUN_VALUE_NAME)] == f'"{EXE}" {BACKGROUND_FLAG}'
    assert autostart.is_enabled(item, ARGV) is True

    assert autostart.set_enabled(False, item=item, argv=ARGV) is False
    assert (RUN_KEY, RUN_VALUE_NAME) not in registry.values
    assert autostart.is_enabled(item, ARGV) is False


def test_disabled_in_task_manager_counts_as_off_and_enabling_lifts_it() -> None:
    registry = MemoryRegistry()
    item = WindowsRunKey(registry)
    autostart.set_enabled(True, item=item, argv=ARGV)
    registry.values[(STARTUP_APPROVED_KEY, RUN_VALUE_NAME)] = TASK_MANAGER_DISABLED
    assert autostart.is_enabled(item, ARGV) is False

    assert autostart.set_enabled(True, item=item, argv=ARGV) is True
    assert (STARTUP_APPROVED_KEY, RUN_VALUE_NAME) not in registry.values

    registry.values[(STARTUP_APPROVED_KEY, RUN_VALUE_NAME)] = TASK_MANAGER_ENABLED
    assert autostart.is_enabled(item, ARGV) is True


def test_a_value_written_by_the_installer_is_recognised() -> None:
    """Inno Setup's task writes the same value in its own quoting."""
    registry = MemoryRegistry()
    registry.set_string(RUN_KEY, RUN_VALUE_NAME, f'"{EXE}"  {BACKGROUND_FLAG}')
    assert autostart.is_enabled(WindowsRunKey(registry), ARGV) is True


def test_a_write_the_registry_drops_is_reported() -> None:
    item = WindowsRunKey(IgnoringRegistry())
    with pytest.raises(AutostartError) as caught:
        autostart.set_enabled(True, item=item, argv=ARGV)
    assert RUN_KEY in caught.value.message
    assert "by hand" in caught.value.message


def test_the_winreg_registry_refuses_off_windows() -> None:
    with pytest.raises(AutostartError):
        autostart.WinRegistry().get(RUN_KEY, RUN_VALUE_NAME)


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        (
            r'"C:\Program Files\Pawpado\Pawpado.exe" --background',
            [r"C:\Program Files\Pawpado\Pawpado.exe", "--background"],
        ),
        (r"C:\Pawpado\Pawpado.exe --background", [r"C:\Pawpado\Pawpado.exe", "--background"]),
        (r'a\\\"b "c d"e ""', ['a\\"b', "c de", ""]),
        (r'"trailing\\" x', ["trailing\\", "x"]),
    ],
)
def test_split_windows_command_follows_the_c_runtime(line: str, argv: list[str]) -> None:
    assert split_windows_command(line) == argv


@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
        min_size=1,
        max_size=5,
    )
)
def test_list2cmdline_round_trips(argv: list[str]) -> None:
    assert split_windows_command(subprocess.list2cmdline(argv)) == argv


def test_windows_app_command_prefers_the_windowless_script(tmp_path: Path) -> None:
    scripts = tmp_path / "Scripts"
    scripts.mkdir()
    python = scripts / "python.exe"
    (scripts / "pythonw.exe").write_bytes(b"")
    assert autostart.app_command(
        executable=str(python), frozen=False, env={}, platform="win32"
    ) == [
        str(scripts / "pythonw.exe"),
        "-m",
        "pawpado_desktop",
    ]
    (scripts / "pawpado-desktop-gui.exe").write_bytes(b"")
    assert autostart.app_command(
        executable=str(python), frozen=False, env={}, platform="win32"
    ) == [
        str(scripts / "pawpado-desktop-gui.exe"),
    ]


# -- macOS ----------------------------------------------------------------------

APP = "/Applications/Pawpado.app/Contents/MacOS/Pawpado"


def test_launch_agent_in_the_home_library(tmp_path: Path) -> None:
    home = tmp_path / "home"
    item = autostart.default_login_item(platform="darwin", home=home)
    assert autostart.set_enabled(True, item=item, argv=[APP, BACKGROUND_FLAG]) is True

    path = home / "Library" / "LaunchAgents" / f"{APP_ID}.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == APP_ID
    assert agent["ProgramArguments"] == [APP, BACKGROUND_FLAG]
    assert agent["RunAtLoad"] is True
    assert agent["LimitLoadToSessionType"] == "Aqua"
    assert autostart.is_enabled(item, [APP, BACKGROUND_FLAG]) is True

    assert autostart.set_enabled(False, item=item, argv=[APP, BACKGROUND_FLAG]) is False
    assert not path.exists()


@pytest.mark.parametrize(
    "agent",
    [
        {
            "Label": APP_ID,
            "ProgramArguments": [APP, BACKGROUND_FLAG],
            "RunAtLoad": True,
            "Disabled": True,
        },
        {
            "Label": "com.example.other",
            "ProgramArguments": [APP, BACKGROUND_FLAG],
            "RunAtLoad": True,
        },
        {"Label": APP_ID, "ProgramArguments": [APP, BACKGROUND_FLAG], "RunAtLoad": False},
        {"Label": APP_ID, "ProgramArguments": "not a list", "RunAtLoad": True},
    ],
)
def test_launch_agents_that_would_not_start_us_count_as_off(
    tmp_path: Path, agent: dict[str, object]
) -> None:
    item = LaunchAgent(tmp_path)
    (tmp_path / f"{APP_ID}.plist").write_bytes(plistlib.dumps(agent))
    assert item.read() is None


def test_a_corrupt_launch_agent_counts_as_off_and_is_replaced(tmp_path: Path) -> None:
    item = LaunchAgent(tmp_path)
    (tmp_path / f"{APP_ID}.plist").write_text("<plist><dict><key>Label")
    assert autostart.is_enabled(item, [APP, BACKGROUND_FLAG]) is False
    assert autostart.set_enabled(True, item=item, argv=[APP, BACKGROUND_FLAG]) is True
