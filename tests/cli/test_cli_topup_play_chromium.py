"""End to end: "Top up and play" with the simulator's checkout page in headless Chromium.

A Play refused for credit says how to top up and play; `play --topup` prints the
checkout link, the user pays (or cancels) on the page in a real browser, which
follows Plugipay's redirect back to the app's return page; the Play then starts by
itself (or ends, saying the checkout was cancelled). Marked e2e: it runs in the CI's
desktop step, where Chromium is installed (.ci/apt-packages).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pawpado_desktop.errors import ExitCode
from tests.e2e.chromium import Chromium
from tests.support.cli import Cli, checkout_link

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Chromium]:
    if shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing (see .ci/apt-packages)")
        pytest.skip("chromium is missing; with CI set this is a failure")
    browser = Chromium(tmp_path / "profile", dict(os.environ), tmp_path / "chromium.log")
    try:
        yield browser
    finally:
        browser.close()


def _play_topup(cli: Cli, amount: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pawpado_desktop", "play", "--topup", amount, "--grace", "0"],
        env={**cli.env, "BROWSER": "true"},  # the test's Chromium is the user's browser
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(chromium: Chromium, wanted: str) -> None:
    chromium.wait_for(
        f"document.getElementById('result')?.dataset.result === {wanted!r}"
        " && location.hostname === '127.0.0.1'"  # the app's return page
    )


def _refused_offer(cli: Cli) -> str:
    cli.sign_in()
    cli.sim.control.set_balance("2000.00")
    refused = cli.call("play")
    assert refused.returncode == ExitCode.INSUFFICIENT_CREDITS
    found = re.search(r"pawpado-desktop play --topup (\d+)", refused.stderr)
    assert found is not None, refused.stderr
    return found.group(1)


def test_top_up_and_play_in_chromium(cli: Cli, chromium: Chromium) -> None:
    amount = _refused_offer(cli)
    process = _play_topup(cli, amount)
    try:
        chromium.open(checkout_link(process))
        chromium.click("pay")
        _result(chromium, "paid")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        chromium.screenshot(ARTIFACTS / "topup-and-play-returned.png")
        out, err = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Top-up credited" in out and "Streaming" in out
    assert "Rp 30.000 was added" in out


def test_a_checkout_cancelled_in_chromium_is_said(cli: Cli, chromium: Chromium) -> None:
    amount = _refused_offer(cli)
    process = _play_topup(cli, amount)
    try:
        chromium.open(checkout_link(process))
        chromium.click("cancel")
        _result(chromium, "cancelled")
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == ExitCode.INSUFFICIENT_CREDITS
    assert "The checkout was cancelled; nothing was charged. Nothing was started." in err
    assert cli.sim.control.session()["state"] == "stopped"
