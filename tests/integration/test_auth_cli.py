"""`pawpado-desktop login|whoami|logout` against the simulator: in process (`run_cli`), and
Ctrl-C and the spinner on a terminal as real processes."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import stat
import sys
from pathlib import Path

import pytest

from pawpado_desktop.auth.store import StoreKey, credentials_path
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.huudis import DEVICE_GRANT
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.cli import run_cli as cli

pytestmark = pytest.mark.world(auto_approve=True)

USER_CODE = re.compile(r"code: ([B-Z]{4}-[B-Z]{4})")


@pytest.fixture
def file_store(
    monkeypatch: pytest.MonkeyPatch, isolated_config: Path, sim: SimulatorServer
) -> Path:
    monkeypatch.setenv("PAWPADO_CREDENTIAL_STORE", "file")
    return credentials_path(StoreKey.of(sim.issuer_url, sim.base_url), isolated_config)


async def test_login_whoami_logout(sim_env: SimulatorServer, file_store: Path) -> None:
    sim = sim_env
    code, out, err = await cli("login", "--no-browser")
    assert code == 0, err
    match = USER_CODE.search(out)
    assert match, out
    assert f"{sim.issuer_url}/device" in out
    assert "Waiting for you to approve" in out
    assert "\r" not in out  # no spinner without a terminal
    assert f"Signed in as {sim.config.name} <{sim.config.email}>." in out
    assert "plain file" in err  # the opt-in file store is never silent
    assert stat.S_IMODE(file_store.stat().st_mode) == 0o600

    code, out, err = await cli("whoami")
    assert code == 0, err
    assert f"Huudis user ID: {sim.config.huudis_user_id}" in out
    assert sim.config.email in out

    code, out, err = await cli("login", "--no-browser")
    assert code == 0, err
    assert "Already signed in" in out
    assert sim.control.huudis_stats().device_authorizations == 1

    code, out, err = await cli("logout")
    assert code == 0, err
    assert "Signed out." in out
    assert not file_store.exists()
    stats = sim.control.huudis_stats()
    assert stats.revocation_requests == 1 and stats.revoked_families == 1

    code, out, err = await cli("whoami")
    assert code == ExitCode.NOT_SIGNED_IN
    assert "Not signed in:" in err and "pawpado-desktop login" in err

    code, out, err = await cli("logout")
    assert code == 0 and "not signed in" in out


async def test_login_without_a_keyring_refuses_before_starting(sim_env: SimulatorServer) -> None:
    code, _out, err = await cli("login", "--no-browser")
    assert code == ExitCode.KEYRING
    assert "No system keyring" in err
    assert "PAWPADO_CREDENTIAL_STORE=file" in err
    assert "Traceback" not in err
    assert sim_env.control.huudis_stats().device_authorizations == 0


async def test_login_opens_the_browser_on_the_link_with_the_code(
    sim_env: SimulatorServer, file_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n')
    browser.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(browser))
    code, out, err = await cli("login")
    assert code == 0, err
    user_code = USER_CODE.search(out)
    assert user_code
    assert opened.read_text() == f"{sim_env.issuer_url}/device?user_code={user_code.group(1)}"


@pytest.mark.world(auto_approve=False)  # nobody approves
async def test_ctrl_c_cancels_cleanly(sim_env: SimulatorServer, file_store: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pawpado_desktop", "login", "--no-browser",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    seen = b""
    while b"Waiting" not in seen:
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        assert line, "login ended before waiting"
        seen += line
    async with asyncio.timeout(10):
        while sim_env.control.huudis_stats().token_requests.get(DEVICE_GRANT, 0) == 0:
            await asyncio.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert "Signed in" not in out.decode()
    assert process.returncode == ExitCode.CANCELLED
    assert "Cancelled." in err.decode()
    assert "Traceback" not in err.decode()
    polls = sim_env.control.huudis_stats().token_requests.get(DEVICE_GRANT, 0)
    await asyncio.sleep(1.2)  # longer than the polling interval
    assert sim_env.control.huudis_stats().token_requests.get(DEVICE_GRANT, 0) == polls
    assert not file_store.exists()


async def test_login_and_whoami_through_the_secret_service(
    sim_env: SimulatorServer, secret_service: object
) -> None:
    code, out, err = await cli("login", "--no-browser")
    assert code == 0, err
    assert err == ""  # the keyring works: no warning at all
    code, out, err = await cli("whoami")
    assert code == 0, err
    assert sim_env.config.email in out


async def test_demo_mode_never_reaches_the_real_account() -> None:
    code, _out, err = await cli("--demo", "whoami")
    assert code == ExitCode.USAGE
    assert "do not take --demo" in err


def test_the_status_command_is_not_ours() -> None:
    import argparse

    from pawpado_desktop.cli import auth_commands

    parser = argparse.ArgumentParser()
    auth_commands.register(parser.add_subparsers(dest="command"))
    assert parser.parse_args(["login", "--no-browser"]).no_browser is True
    with pytest.raises(SystemExit):
        parser.parse_args(["status"])
    assert os.environ.get("PYTHON_KEYRING_BACKEND") == "keyring.backends.fail.Keyring"


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the other side of the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.world(auto_approve=False)
async def test_on_a_terminal_login_shows_a_spinner_with_the_time_left(
    sim_env: SimulatorServer, file_store: Path
) -> None:
    import pty

    leader, follower = pty.openpty()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pawpado_desktop", "login", "--no-browser",
        stdout=follower, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
    )
    os.close(follower)
    reader = asyncio.ensure_future(asyncio.to_thread(_read_all, leader))
    async with asyncio.timeout(30):
        while not sim_env.control.pending_user_codes():
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # a few spinner frames
        sim_env.control.approve_device(sim_env.control.pending_user_codes()[0])
        _, err = await process.communicate()
        out = (await reader).decode()
    os.close(leader)
    assert process.returncode == 0, err.decode()
    assert re.search(r"\r[|/\\-] Waiting for you to approve the sign-in \(\d+:\d\d left", out)
    assert "Signed in as" in out
