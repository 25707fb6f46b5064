"""The tray owns its Play: a CLI `play` beside it is shown in the tray, and a CLI
`stop` is carried out by the tray, which then puts the user's Tailscale back."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from pawpado_desktop.auth.store import FileStore, credentials_path
from pawpado_desktop.auth.storekey import StoreKey
from pawpado_desktop.config import config_dir
from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.instance_channel import instance_name
from pawpado_desktop.present.menu import Act
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.ui.single_instance import SingleInstance
from tests.support.play import token_set
from tests.support.ui import UiRig

USER_PROFILE = "alice@example.com"


@pytest.fixture
def instance(rig: UiRig) -> Iterator[SingleInstance]:
    """The tray's single-instance server, as `ui.app.run` sets it up."""
    folder = config_dir()
    server = SingleInstance(instance_name(folder, demo=False), folder)
    assert server.acquire()
    server.activated.connect(rig.app.bring_forward)
    try:
        yield server
    finally:
        server.release()


def cli(rig: UiRig, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a command in a real process while the tray's loop keeps running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pawpado_desktop", *args],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    rig.until(lambda: process.poll() is not None, timeout=90, what=f"`{' '.join(args)}` to end")
    out, err = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def streaming(rig: UiRig) -> None:
    rig.choose(Act.PLAY)
    rig.until(lambda: rig.state.play.phase is PlayPhase.STREAMING, timeout=60, what="the stream")


def test_a_cli_play_while_the_tray_plays_is_shown_in_the_tray(
    rig: UiRig, instance: SingleInstance, fake_tailscaled_sim: FakeTailscaled
) -> None:
    streaming(rig)
    assert rig.app.windows.progress is not None
    rig.app.windows.progress.hide()

    done = cli(rig, "play")

    assert done.returncode == ExitCode.OK, done.stderr
    assert "Play is running in the tray; showing it there." in done.stdout
    window = rig.app.windows.progress
    rig.until(window.isVisible, what="the progress window")
    # Nothing else happened: one start, the tray's stream goes on, still on the game tailnet.
    starts = [r for r in rig.sim.control.request_log() if r.path.endswith("/sessions/start")]
    assert len(starts) == 1
    assert rig.state.play.phase is PlayPhase.STREAMING
    assert fake_tailscaled_sim.snapshot()["current"]["Name"] != USER_PROFILE


def test_a_cli_stop_while_the_tray_plays_is_carried_out_by_the_tray(
    rig: UiRig, instance: SingleInstance, fake_tailscaled_sim: FakeTailscaled
) -> None:
    streaming(rig)
    # The CLI's own sign-in, in the opt-in file (how it got there is not the question).
    store = FileStore(credentials_path(StoreKey.from_env(os.environ)))
    rig.run(store.save(token_set(rig.sim, rig.clock)))

    done = cli(rig, "stop", PAWPADO_CREDENTIAL_STORE="file")

    assert done.returncode == ExitCode.OK, done.stderr
    assert "it was asked to stop" in done.stdout
    rig.until(lambda: not rig.core.playing, timeout=60, what="the tray's Play to end")
    assert rig.sim.control.session()["state"] == "stopped"
    # The owner restored its own Tailscale change: the user's profile, nothing left over.
    snapshot = fake_tailscaled_sim.snapshot()
    assert snapshot["current"]["Name"] == USER_PROFILE
    assert [p["profile"]["Name"] for p in snapshot["profiles"].values()] == [USER_PROFILE]
