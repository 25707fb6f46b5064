"""The whole demo on a real (virtual) desktop, driven like a person would.

Xvfb with Debian's `trayer` as the tray host and `dunst` as the notification
daemon; `pawpado-desktop --demo` runs as a real process. The test clicks the
tray icon and picks menu entries with the keyboard (xdotool), signs in and pays
in headless Chromium (a real click on the page's buttons), closes the stream
window, and answers the "Stream ended" notification through dunst's action
menu. Screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.chromium import Chromium
from tests.e2e.desktop import Desktop, missing_tools, notifications, running_desktop

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[Desktop]:
    missing = missing_tools()
    if missing:
        message = f"desktop tools missing: {', '.join(missing)} (see .ci/apt-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message + "; with CI set this is a failure")
    with running_desktop(tmp_path / "desktop") as running:
        try:
            yield running
        finally:
            shutil.rmtree(ARTIFACTS, ignore_errors=True)  # this run's pictures only
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            for shot in running.shots:
                shutil.copy(shot, ARTIFACTS / shot.name)
            for log in ("app", "dunst", "trayer", "chromium"):
                source = running.root / f"{log}.log"
                if source.exists():
                    shutil.copy(source, ARTIFACTS / f"{log}.log")


def wait(what: str, check: Callable[[], object], timeout: float = 60) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Demo:
    """The running app as the test sees it from outside."""

    def __init__(self, desktop: Desktop, root: Path) -> None:
        self.desktop = desktop
        self.root = root
        self.urls = root / "browser-urls.log"
        browser = root / "browser.sh"  # what the app opens: recorded for the test's Chromium
        browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {self.urls}\n')
        browser.chmod(0o755)
        env = {
            **desktop.env,
            "PAWPADO_CONFIG_DIR": str(root / "config"),
            "BROWSER": str(browser),
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        }
        self.process = desktop.start(
            sys.executable, "-m", "pawpado_desktop", "--demo", "-v", log="app", env=env
        )
        self.sim_url = ""

    def opened(self) -> list[str]:
        return self.urls.read_text().split() if self.urls.exists() else []

    def tray_icon(self) -> tuple[int, int]:
        """Where the icon sits in trayer's panel (the panel grows when it docks)."""

        def docked() -> tuple[int, int] | None:
            for window in self.desktop.windows("panel"):
                x, y, width, height = self.desktop.geometry(window)
                if width >= 20:
                    return x + 12, y + height // 2
            return None

        return wait("the tray icon to dock in trayer", docked, 30)  # type: ignore[return-value]

    def click_tray(self, button: int) -> None:
        x, y = self.tray_icon()
        self.desktop.run("xdotool", "mousemove", str(x), str(y), "click", str(button))

    def menu(self, *keys: str) -> None:
        """Open the tray menu (right click) and pick entries by their mnemonic keys."""
        self.click_tray(3)
        time.sleep(0.7)
        for key in keys:
            self.desktop.run("xdotool", "key", key)
            time.sleep(0.3)

    def press(self, window: str, key: str) -> None:
        self.desktop.run("xdotool", "windowfocus", window)
        time.sleep(0.3)
        self.desktop.run("xdotool", "key", key)

    def session(self) -> dict[str, object]:
        with urllib.request.urlopen(f"{self.sim_url}/_sim/session", timeout=10) as answer:
            return json.loads(answer.read())  # type: ignore[no-any-return]

    def shown(self, summary: str) -> bool:
        return any(row[1] == summary for row in notifications(self.desktop))


def test_demo_sign_in_play_stream_stop_and_top_up(desktop: Desktop, tmp_path: Path) -> None:
    demo = Demo(desktop, tmp_path)
    chromium: Chromium | None = None
    try:
        demo.tray_icon()
        log = desktop.root / "app.log"  # the core starts behind the icon: its menu after
        wait("the core to start", lambda: "ready (" in log.read_text(errors="replace"), 60)
        time.sleep(0.5)
        desktop.screenshot("tray-signed-out")

        # Sign in: the menu's "Sign in…", the dialog's "Open browser", Approve in Chromium.
        demo.menu("s")
        dialog = desktop.wait_window("Sign in")
        time.sleep(1.0)
        desktop.screenshot("sign-in-dialog", dialog)
        demo.press(dialog, "Return")
        link = wait("the browser to be asked to open the sign-in page", demo.opened)[0]  # type: ignore[index]
        parts = urlsplit(link)
        demo.sim_url = f"{parts.scheme}://{parts.netloc}"
        chromium = Chromium(
            tmp_path / "chromium-profile", desktop.env, desktop.root / "chromium.log"
        )
        chromium.open(link)
        chromium.screenshot(desktop.root / "90-verification-page.png")
        desktop.shots.append(desktop.root / "90-verification-page.png")
        chromium.click("approve")
        chromium.wait_for(
            "document.getElementById('result') && "
            "document.getElementById('result').dataset.result === 'approved'"
        )
        wait("the sign-in dialog to close", lambda: not desktop.windows("Sign in"), 30)
        time.sleep(0.5)
        demo.click_tray(3)
        time.sleep(0.8)
        desktop.screenshot("menu-signed-in")
        desktop.run("xdotool", "key", "Escape")
        demo.click_tray(1)  # a left click opens the status window
        status = desktop.wait_window("Status · Pawpado")
        time.sleep(0.8)
        desktop.screenshot("status-window", status)

        # Play: the start-progress window, then Moonlight's stream window.
        demo.menu("p")
        progress = desktop.wait_window("Play · Pawpado")
        time.sleep(3)
        desktop.screenshot("starting", progress)
        desktop.screenshot("starting-desktop")
        stream = desktop.wait_window("Pawpado demo stream", timeout=90)
        wait("the ready notification", lambda: demo.shown("Your gaming PC is ready"), 30)
        time.sleep(1)
        desktop.screenshot("streaming")
        assert demo.session()["state"] == "running"
        # The path to the cloud PC while streaming: a line in the menu and in the progress
        # window (the demo's path is direct).
        demo.click_tray(3)
        time.sleep(0.8)
        desktop.screenshot("menu-connection")
        desktop.run("xdotool", "key", "Escape")
        desktop.screenshot("streaming-progress", progress)

        # The user closes the stream; the grace countdown begins.
        demo.press(stream, "Return")
        wait("the stream-ended notification", lambda: demo.shown("Stream ended"), 30)
        time.sleep(1)
        desktop.screenshot("stream-ended")
        assert demo.session()["state"] == "running"  # nothing stops before the user says so

        # "Stop now" from the notification's own action menu (dunst's context menu).
        (desktop.root / "pick").write_text("Stop now")
        desktop.run("dunstctl", "context")
        wait("the session to stop", lambda: demo.session()["state"] == "stopped", 60)
        wait("the stopped notification", lambda: demo.shown("Session stopped"), 30)
        desktop.screenshot("stopped")

        # Top up an hour from the tray; pay on the checkout page.
        before = len(demo.opened())
        demo.menu("u", "Return")
        checkout = wait("the checkout page", lambda: demo.opened()[before:], 30)[0]  # type: ignore[index]
        chromium.open(checkout)
        chromium.click("pay")
        chromium.wait_for("document.getElementById('result') !== null")
        chromium.screenshot(desktop.root / "91-checkout-paid.png")
        desktop.shots.append(desktop.root / "91-checkout-paid.png")
        wait("the credited notification", lambda: demo.shown("Top-up credited"), 60)
        time.sleep(0.5)
        desktop.screenshot("topped-up")

        # The History window: the session just played, its cost and how it was reached.
        demo.menu("o")
        history = desktop.wait_window("History · Pawpado")
        time.sleep(1.5)
        desktop.screenshot("history-window", history)

        # Quit from the menu: nothing bills, so no question; the process ends cleanly.
        demo.menu("q")
        assert demo.process.wait(30) == 0
    finally:
        if chromium is not None:
            chromium.close()
        if demo.process.poll() is None:
            demo.process.terminate()
            demo.process.wait(30)
