"""`pawpado-desktop sim`: as a real process it serves, and Ctrl-C ends it cleanly; its
refusals, in process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx

from pawpado_desktop.sim.server import SimulatorServer
from tests.support.cli import call_cli


def _launch(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pawpado_desktop", "sim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serves_until_ctrl_c() -> None:
    process = _launch("--port", "0", "--auto-approve", "--balance", "2500", "--speed", "30")
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Pawpado API: http://127.0.0.1:")
        base_url = first.split(": ", 1)[1].strip()
        assert process.stdout.readline().strip() == f"Huudis issuer: {base_url}/huudis"
        assert process.stdout.readline().strip() == "Press Ctrl-C to stop."
        assert httpx.get(base_url + "/api/v1/health").json()["status"] == "ok"
        assert httpx.get(base_url + "/_sim/balance").json() == {"balance": "2500.00"}
        grant = httpx.post(
            base_url + "/huudis/oauth/device_authorization",
            data={"client_id": "pawpado-desktop", "scope": "openid offline_access pawpado"},
        ).json()
        token = httpx.post(
            base_url + "/huudis/oauth/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "device_code": grant["device_code"],
                "client_id": "pawpado-desktop",
            },
        )
        assert token.status_code == 200  # --auto-approve
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert "Traceback" not in err
    assert "Simulator stopped." in out


def test_a_busy_port_is_a_clear_error() -> None:
    with SimulatorServer() as busy:
        done = call_cli(["sim", "--port", str(busy.port)], os.environ, timeout=15)
    err = done.stderr
    assert done.returncode == 2
    assert f"127.0.0.1:{busy.port}" in err
    assert "--port" in err
    assert "Traceback" not in err


def test_rejects_a_bad_speed() -> None:
    done = call_cli(["sim", "--speed", "0"], os.environ, timeout=15)
    assert done.returncode == 2
    assert "--speed" in done.stderr
