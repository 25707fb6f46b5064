"""The wheel runs: built from the project, installed into a fresh venv, `pawpado-desktop
--demo` started from there shows its tray icon and menu, in Indonesian.

The icons and the translations are package data (pawpado_desktop/resources/): a
wheel without them draws an empty icon and an English menu. The venv gets the
locked versions of the dependencies from PyPI or uv's cache; nothing from the
project's checkout is on the app's path (it starts in an empty folder with a
fresh environment). The offscreen platform has no system tray, so tray_probe.py
plays the panel inside the installed app (see its docstring).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.waiting import wait_until_blocking

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("tray_probe.py")
# Indonesian for the menu's "&Sign in…" and "&Quit": only a wheel with its
# translations shows them.
SIGN_IN_ID = "&Masuk…"
QUIT_ID = "&Keluar"

pytestmark = pytest.mark.slow


def uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("uv is missing; .ci/run installs it")
    pytest.skip("uv is not installed")


def uv_env() -> dict[str, str]:
    """uv with the user's own home (its cache and settings), not the test's fake one."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["HOME"] = pwd.getpwuid(os.getuid()).pw_dir
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):  # the test's, under tmp_path
        env.pop(name, None)
    return env


def run_uv(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        [uv(), *args],
        cwd=cwd,
        env=uv_env(),
        check=False,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, f"uv {' '.join(args)}:\n{done.stderr}"


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """A fresh venv with the project's wheel and its locked dependencies; its bin folder."""
    dist, venv = tmp_path / "dist", tmp_path / "venv"
    run_uv("build", "--wheel", "--out-dir", str(dist), str(ROOT), cwd=ROOT)
    (wheel,) = dist.glob("pawpado_desktop-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "pawpado_desktop/resources/icons/light/idle.svg" in names
    assert "pawpado_desktop/resources/translations/id.json" in names
    constraints = tmp_path / "constraints.txt"
    run_uv(
        "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project",
        "--quiet", "-o", str(constraints), cwd=ROOT,
    )  # fmt: skip
    run_uv("venv", "--quiet", "--python", sys.executable, str(venv), cwd=tmp_path)
    python = venv / "bin" / "python"
    run_uv(
        "pip", "install", "--quiet", "--python", str(python), "-c", str(constraints), str(wheel),
        cwd=tmp_path,
    )  # fmt: skip
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    shutil.copyfile(PROBE, Path(site) / "pawpado_tray_probe.py")
    (Path(site) / "pawpado_tray_probe.pth").write_text("import pawpado_tray_probe\n")
    return venv / "bin"


def read(report: Path) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return found


def texts(entries: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for e in entries] + [t for e in entries for t in texts(e.get("children", []))]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the venv layout and D-Bus")
def test_the_installed_wheel_shows_its_tray_icon_and_menu(installed: Path, tmp_path: Path) -> None:
    home, run, report = tmp_path / "user", tmp_path / "run", tmp_path / "tray.json"
    run.mkdir()
    no_bus = f"unix:path={tmp_path / 'no-bus'}"  # no notification daemon, never the machine's
    env = {
        "PATH": f"{installed}:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "PAWPADO_CONFIG_DIR": str(tmp_path / "app-config"),
        "QT_QPA_PLATFORM": "offscreen",
        "LANG": "id_ID.UTF-8",
        "DBUS_SESSION_BUS_ADDRESS": no_bus,
        "DBUS_SYSTEM_BUS_ADDRESS": no_bus,
        "PAWPADO_TRAY_PROBE": str(report),
        "PYTHONUNBUFFERED": "1",
    }
    tray = subprocess.Popen(
        [str(installed / "pawpado-desktop"), "--demo"],
        cwd=run,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def menu_shown() -> bool:
            if tray.poll() is not None:
                raise AssertionError(f"the tray exited with {tray.returncode}")
            seen = read(report)
            # The full menu once the demo's core has started (before: "Starting…", "Quit").
            return seen is not None and len(seen["menu"]) > 2

        wait_until_blocking(menu_shown, timeout=120, what="the installed tray to show its menu")
        seen = read(report)
        assert seen is not None
        assert Path(seen["app_file"]).is_relative_to(installed.parent)  # the wheel's copy
        assert not seen["icon_null"] and seen["icon_visible_pixels"] > 50  # the SVG drew
        assert SIGN_IN_ID in texts(seen["menu"]), seen["menu"]  # the demo starts signed out
        assert QUIT_ID in texts(seen["menu"])
        assert seen["tooltip"].startswith("Pawpado (demo)")
    finally:
        tray.send_signal(signal.SIGTERM)
        try:
            tray.wait(60)
        except subprocess.TimeoutExpired:
            tray.kill()
            tray.wait()
            raise AssertionError("the tray did not exit after SIGTERM") from None
    assert tray.stderr is not None
    said = tray.stderr.read()
    assert tray.returncode == 0, said
    assert "Traceback" not in said, said
