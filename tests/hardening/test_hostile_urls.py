"""A hostile server's addresses and text, against the CLI as a user runs it.

The simulator answers the device flow and the top-up with chosen addresses
(`set_answer_urls`); the CLI runs in process (one test: as a real process) with a
fake browser on BROWSER that records every call. Nothing may reach it, and the user
is told which host was refused, with the network exit code.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.cli import Cli

pytestmark = pytest.mark.world(speed=None, auto_approve=True, provisioning_seconds=0.3, starting_seconds=0.3, ready_delay_seconds=0.2, stopping_seconds=0.3)


@pytest.fixture
def browser(tmp_path: Path) -> tuple[Path, Path]:
    """(the fake browser for BROWSER, the file it appends each opened address to)."""
    record = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{record}"\n')
    script.chmod(0o755)
    return script, record


def opened(record: Path) -> list[str]:
    return record.read_text().splitlines() if record.exists() else []


def sim_host(cli: Cli) -> str:
    return cli.sim.base_url.split("//", 1)[1]  # 127.0.0.1:PORT


# (address, what the message must name); {sim} is the simulator's host:port.
HOSTILE_SIGN_IN = [
    ("file:///etc/shadow", "(a file: address, no host)"),
    ("javascript:alert(document.cookie)", "(a javascript: address, no host)"),
    ("http://evil.example/device", "on evil.example"),
    ("\\\\evil-share\\public\\setup.exe", "on evil-share (a network path)"),
    ("file://evil-share/public/setup.exe", "on evil-share (a file: address)"),
    ("http://user:secret@{sim}/huudis/device", "on 127.0.0.1"),
    ("https://evil.example/device", "on evil.example,"),  # https, but not the issuer's
]


@pytest.mark.parametrize("field", ["verification_uri", "verification_uri_complete"])
@pytest.mark.parametrize(("url", "named"), HOSTILE_SIGN_IN)
def test_login_opens_nothing_from_a_hostile_sign_in_answer(
    cli: Cli,
    browser: tuple[Path, Path],
    field: str,
    url: str,
    named: str,
) -> None:
    script, record = browser
    cli.sim.control.set_answer_urls(**{field: url.format(sim=sim_host(cli))})
    done = cli.call("login", BROWSER=str(script))
    assert done.returncode == ExitCode.NETWORK, done.stderr
    assert opened(record) == []
    assert "Unsafe address refused" in done.stderr and named in done.stderr, done.stderr
    for secret in ("shadow", "setup.exe", "secret", "cookie", "/device"):
        assert secret not in done.stderr
    assert "Traceback" not in done.stderr
    assert "To sign in, open" not in done.stdout  # not even printed
    whoami = cli.call("whoami")
    assert whoami.returncode == ExitCode.NOT_SIGNED_IN


def test_login_shows_the_host_then_opens_the_issuers_page(
    cli: Cli,
    browser: tuple[Path, Path],
) -> None:
    script, record = browser
    done = cli.run("login", BROWSER=str(script))  # a real process: the browser it starts
    assert done.returncode == 0, done.stderr
    assert "Opening the sign-in page on 127.0.0.1 in your browser" in done.stdout
    [page] = opened(record)
    assert page.startswith(f"{cli.sim.issuer_url}/device?user_code=")


HOSTILE_CHECKOUT = [
    ("http://pay.attacker.example/checkout", "on pay.attacker.example"),
    ("file:///C:/Windows/System32/calc.exe", "(a file: address, no host)"),
    ("javascript:fetch('//evil.example')", "(a javascript: address, no host)"),
    ("\\\\evil-share\\pay\\checkout.exe", "on evil-share (a network path)"),
    ("file://evil-share/pay/checkout.exe", "on evil-share (a file: address)"),
    ("https://user:secret@pay.plugipay.example/c/1", "on pay.plugipay.example"),
    ("https://pay.plugipay.example/c/1\n\x1b]0;owned\x07", "on pay.plugipay.example"),
]


@pytest.mark.parametrize("no_browser", [False, True], ids=["browser", "no-browser"])
@pytest.mark.parametrize(("url", "named"), HOSTILE_CHECKOUT)
def test_topup_opens_nothing_from_a_hostile_checkout(
    cli: Cli,
    browser: tuple[Path, Path],
    url: str,
    named: str,
    no_browser: bool,
) -> None:
    script, record = browser
    cli.sign_in()
    cli.sim.control.set_answer_urls(checkout_url=url)
    args = ["topup", "20000", *(["--no-browser"] if no_browser else [])]
    done = cli.call(*args, BROWSER=str(script))
    assert done.returncode == ExitCode.NETWORK, done.stderr
    assert opened(record) == []
    assert "Unsafe address refused" in done.stderr and named in done.stderr, done.stderr
    assert "Pay here" not in done.stdout
    for secret in ("calc.exe", "checkout.exe", "secret", "owned", "/c/1"):
        assert secret not in done.stderr
    assert "\x1b" not in done.stderr + done.stdout


def test_topup_shows_the_host_then_opens_the_checkout(
    cli: Cli,
    browser: tuple[Path, Path],
) -> None:
    script, record = browser
    cli.sign_in()
    cli.env["BROWSER"] = str(script)
    proc = cli.begin("topup", "20000")
    lines = [proc.stdout.readline() for _ in range(2)]
    assert lines[0].startswith(f"Pay here: {cli.sim.base_url}/_sim/checkout/"), lines
    assert lines[1].startswith("Opening the checkout page on 127.0.0.1 in your browser"), lines
    checkout_id = lines[0].strip().rsplit("/", 1)[-1]
    cli.sim.control.pay_checkout(checkout_id)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Credited" in out
    assert opened(record) == [lines[0].removeprefix("Pay here: ").strip()]


def test_server_text_reaches_the_terminal_without_control_characters(cli: Cli) -> None:
    cli.sign_in()
    said = "\x1b]0;owned\x07\x1b[2J\x1b[1A<a href='file:///etc/passwd'>Pay</a>\u202eexe.\r\nFAKE"
    cli.sim.control.replace_responses(
        "/api/v1/credits/topup",
        FaultResponse(
            status=400,
            body=json.dumps({"error": "ODD_REFUSAL", "message": said}).encode(),
            content_type="application/json",
        ),
    )
    done = cli.call("topup", "20000", "--no-browser")
    assert done.returncode == ExitCode.ERROR, done.stderr
    printed = done.stdout + done.stderr
    assert "<a href='file:///etc/passwd'>Pay</a>" in done.stderr  # shown as written...
    controls = [ch for ch in printed if unicodedata.category(ch) == "Cc" and ch != "\n"]
    assert controls == []  # ...but nothing that moves, clears or retitles the terminal
    assert "\u202e" not in printed
    assert "\nFAKE" not in done.stderr  # a server cannot start a line of ours
