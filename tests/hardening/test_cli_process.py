"""The CLI as a real process: killed (SIGKILL) in each Play phase, then started again;
and a whole `play -vv` read for secrets. Real time here (the simulator's phases are
a second or less), as for a user.

Crash recovery: whatever phase the app died in, the next start finds the session
and offers it (with its time and cost), puts the user's own Tailscale profile back,
and nothing is left billing once the user picks Stop.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pawpado_desktop.auth.store import FileStore
from pawpado_desktop.cli.wiring import wiring_from_env
from pawpado_desktop.core.factory import build_core
from pawpado_desktop.core.notices import NoticeKind
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.present.notices import notice_text, notice_title
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.faults import FaultResponse
from pawpado_desktop.tailscale.join_state import STATE_FILE
from tests.support.cli import PAWPADO_ENV, Cli, Running, until
from tests.support.secrets import assert_nowhere, descendants_cmdlines

pytestmark = pytest.mark.world(speed=None, auto_approve=True, provisioning_seconds=0.3, starting_seconds=0.3, ready_delay_seconds=0.2, stopping_seconds=0.3)


def config_dir(cli: Cli) -> Path:
    return Path(cli.env["PAWPADO_CONFIG_DIR"])


def joined(cli: Cli) -> bool:
    try:
        record = json.loads((config_dir(cli) / STATE_FILE).read_text())
    except (OSError, ValueError):
        return False
    return bool(record.get("phase") == "joined")


@dataclass(frozen=True)
class Death:
    """Where `play` is killed: how to hold it there, and how to know it is there."""

    phase: str
    hold: Callable[[Cli], None]
    there: Callable[[Cli, Running], bool]
    args: tuple[str, ...] = ("--grace", "0")
    billing: bool = True  # a session bills when it dies (it is offered at restart)
    tailnet: bool = True  # it had joined the tailnet (the profile is restored)
    env: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return self.phase


def _session(cli: Cli) -> dict[str, object]:
    return cli.sim.control.session()


def _hang_pairing(cli: Cli) -> None:
    silent = json.dumps({"error": "PIN_EXPIRED", "message": "no PIN"}).encode()
    cli.sim.control.replace_responses(
        "/_sim/moonlight/pair", FaultResponse(410, silent, "application/json"), count=20
    )


def _slow_moonlight(cli: Cli) -> None:
    """A Moonlight that takes its time to say its version: Play waits in preflight."""
    slow = config_dir(cli).parent / "slow-moonlight"
    slow.write_text("#!/bin/sh\nsleep 3\n")
    slow.chmod(0o755)
    cli.env["PAWPADO_MOONLIGHT"] = str(slow)


DEATHS = [
    Death(
        "preflight",
        _slow_moonlight,
        lambda cli, p: p.said("Checking everything is in place"),
        billing=False,
        tailnet=False,
    ),
    Death(
        "booting",
        lambda cli: cli.sim.control.set_phase_durations(provisioning=60),
        lambda cli, p: _session(cli)["state"] == "provisioning" and joined(cli),
    ),
    Death(
        "waiting_ready",
        lambda cli: cli.sim.control.set_phase_durations(ready_delay=60),
        lambda cli, p: _session(cli)["state"] == "running" and joined(cli),
    ),
    Death(
        "connecting",
        lambda cli: cli.sim.control.set_latency(30, "/api/v1/sessions/connect"),
        lambda cli, p: p.said("] Connecting") and _session(cli)["ready"] is True and joined(cli),
    ),
    Death("pairing", _hang_pairing, lambda cli, p: p.said("Pairing Moonlight")),
    Death(
        "streaming",
        lambda cli: None,
        lambda cli, p: p.said("] Streaming") and _session(cli)["activeStreams"] == 1,
        env=(("PAWPADO_FAKE_STREAM_SECONDS", "60"),),
    ),
    Death(
        "grace",
        lambda cli: None,
        lambda cli, p: p.said("Stream ended"),
        args=("--grace", "5"),
    ),
    Death(
        "stopping",
        lambda cli: cli.sim.control.set_phase_durations(stopping=3),
        lambda cli, p: _session(cli)["state"] == "stopping" and joined(cli),
        billing=False,  # stopping: the stop was accepted, billing ends by itself
    ),
]


@pytest.mark.slow  # a real Play process killed with SIGKILL, then the app again
@pytest.mark.parametrize("death", DEATHS, ids=str)
async def test_killed_in_each_phase_then_started_again(
    cli: Cli,
    fake_tailscaled_sim: FakeTailscaled,
    monkeypatch: pytest.MonkeyPatch,
    death: Death,
) -> None:
    cli.sign_in()
    death.hold(cli)
    for name, value in death.env:
        cli.env[name] = value
    proc = Running(cli.start("play", *death.args))
    until(lambda: death.there(cli, proc), proc)
    proc.process.kill()  # SIGKILL: no cleanup at all
    proc.process.wait(10)
    cli.sim.control.clear_faults()

    for name in PAWPADO_ENV:  # the app starts again, as the same user
        monkeypatch.setenv(name, cli.env[name])
    core = await build_core(wiring_from_env(os.environ))
    try:
        await core.start()
        history = core.notices.history
        found = [n for n in history if n.kind is NoticeKind.SESSION_FOUND]
        restored = [n for n in history if notice_title(n) == "Tailscale restored"]
        if death.billing:
            assert len(found) == 1, history
            assert (
                "so far" in notice_text(found[0])
                and "Reconnect to it, or stop it" in notice_text(found[0])
            )
        else:
            assert found == [], history
        assert len(restored) == (1 if death.tailnet else 0), history
        assert not (config_dir(cli) / STATE_FILE).exists()
        assert fake_tailscaled_sim.snapshot()["current"]["Name"] == "alice@example.com"
        if death.billing:
            await core.stop_session()  # the user picks Stop
    finally:
        await core.aclose()
    deadline = time.monotonic() + 30
    while _session(cli)["state"] not in ("stopped", "error"):
        assert time.monotonic() < deadline, _session(cli)
        time.sleep(0.05)
    assert _session(cli)["billing"] is False
    assert cli.sim.control.tailnet_nodes() == []


@pytest.mark.slow  # a real sign-in and Play process, its command lines watched
def test_a_whole_play_at_debug_level_prints_and_runs_no_secret(cli: Cli) -> None:
    cli.login()  # a real device-flow sign-in: a device code to keep secret
    proc = Running(cli.start("-vv", "play", "--grace", "0"))
    seen: set[str] = set()
    modes: dict[str, int] = {}
    while proc.process.poll() is None:
        seen.update(descendants_cmdlines(proc.process.pid))
        for path in config_dir(cli).glob("*.json"):  # the credentials and the join record
            with contextlib.suppress(FileNotFoundError):  # removed since it was listed
                modes[path.name] = stat.S_IMODE(path.stat().st_mode)
        time.sleep(0.02)
    errors = proc.ended(10)
    assert proc.process.returncode == ExitCode.OK, errors

    credentials = FileStore(cli.credentials_file)
    texts = ["".join(proc.lines), errors, *seen]
    for log in (config_dir(cli) / "logs").glob("*.log*"):
        texts.append(log.read_text(encoding="utf-8", errors="replace"))
    text = cli.credentials_file.read_text()
    tokens = [json.loads(text)["access_token"], json.loads(text)["refresh_token"]]
    device_codes = [g.device_code for g in cli.sim.world.huudis.device_grants()]
    auth_keys = list(cli.sim.world.tailnet.keys)
    assert device_codes and auth_keys and any(" stream " in line for line in seen)
    assert any("DEBUG" in t for t in texts)  # -vv really logged at DEBUG
    assert_nowhere(tokens + device_codes + auth_keys, texts)

    assert modes[credentials.path.name] == 0o600 and modes[STATE_FILE] == 0o600, modes
    assert stat.S_IMODE(credentials.path.parent.stat().st_mode) == 0o700


def test_keyring_locked_at_start_up_login_says_to_unlock_it(cli: Cli) -> None:
    done = cli.call(
        "login",
        "--no-browser",
        PAWPADO_CREDENTIAL_STORE="keyring",
        PYTHON_KEYRING_BACKEND="tests.support.faults.LockedKeyring",
    )
    assert done.returncode == ExitCode.KEYRING, done.stderr
    assert "Traceback" not in done.stderr
    assert "keyring is locked" in done.stderr and "Unlock it" in done.stderr
    assert cli.sim.control.pending_user_codes() == []  # refused before asking for a code
