"""Fixtures of the hardening suite: the Play rig of tests/play, wired as the app wires it.

- `rig` (from tests/play/conftest.py): a Core built by `build_core` on the
  simulator, the fake tailscaled and the fake moonlight, on a shared ScaledClock.
  `hrig` is the same rig (Moonlight's pair dialog closed sooner).
- `left_clean(rig)`: the common end of every fault: nothing billing, the user's
  Tailscale profile back, no join record, no Moonlight process, no tailnet node.
- `shown_error(rig)`: the error the user was shown (the last ERROR notice).
- `DiskFull`: a fault-injecting wrapper around os.fsync/os.write that fails
  with ENOSPC for chosen paths, as a full disk does.
"""

from __future__ import annotations

import asyncio
import errno
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

from pawpado_desktop.auth.store import CredentialStore
from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.core.notices import Notice, NoticeKind
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.moonlight import MoonlightTimeouts
from pawpado_desktop.tailscale.join_state import JoinStateStore
from tests.play.conftest import (  # noqa: F401  (fixtures, re-exported for this suite)
    PlayRig,
    confirm_answer,
    local_settings,
    rig,
    sim_config,
    token_set,
)

# Twice the Play suite's pace: a boot takes 0.4 s, a poll interval 0.1 s, and a
# PIN (120 s) still outlives a slow pairing by far.
SPEED = 20.0

API = "/api/v1"
POLL = f"{API}/sessions/poll"
START = f"{API}/sessions/start"
STOP = f"{API}/sessions/stop"
PAIR = f"{API}/sessions/pair"
CONNECT = f"{API}/sessions/connect"
KEY = f"{API}/sessions/tailscale-key"
CREDITS = f"{API}/credits/me"
SETTINGS = f"{API}/settings"


@pytest.fixture
def sim_clock() -> ScaledClock:
    return ScaledClock(SPEED)


@pytest.fixture
def moonlight_knobs() -> dict[str, Any]:
    return {"stream_seconds": 0.5, "save_seconds": 0.1}


@pytest.fixture
def moonlight_timeouts() -> MoonlightTimeouts:
    """Moonlight closes its pair dialog 0.2 s (not 1 s) after the pairing is confirmed:
    the fake saves it after 0.1 s, and every Play here pairs."""
    return MoonlightTimeouts(save_grace=0.2)


@pytest.fixture
def hrig(rig: PlayRig) -> PlayRig:  # noqa: F811  (the tests/play fixture)
    """The Play rig: built by the app's own factory, so a sign-in that ends server-side
    reaches the core as it does in the app."""
    return rig


def on_phase(play: PlayRig, phase: PlayPhase, action: Callable[[], object]) -> None:
    """Run `action` once, the moment the Play enters `phase` (before its requests)."""
    done = False

    def listener(old: AppState, new: AppState) -> None:
        nonlocal done
        if not done and new.play.phase is phase and old.play.phase is not phase:
            done = True
            action()

    play.core.store.subscribe(listener)


def shown_error(play: PlayRig) -> Notice:
    """The last error notice: what the tray pops up and the CLI prints."""
    errors = [n for n in play.notices if n.kind is NoticeKind.ERROR]
    assert errors, f"no error was shown; notices: {play.notices}"
    return errors[-1]


def warnings_shown(play: PlayRig) -> list[str]:
    return [n.message for n in play.notices if n.kind is NoticeKind.WARNING]


async def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    async def poll() -> None:
        while not check():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def left_clean(play: PlayRig, *, timeout: float = 30.0) -> None:
    """Nothing billing or joined, no process left: the money rule and the tailnet rule."""
    control = play.sim.control
    await wait_until(lambda: control.session()["state"] in ("stopped", "error"), timeout)
    assert control.session()["billing"] is False
    assert play.user_profile_back(), play.tailscaled.snapshot()["current"]
    assert not JoinStateStore().path.exists()
    assert control.tailnet_nodes() == []
    await wait_until(lambda: play.moonlight.running_pids() == [], 10)


def failed_in(play: PlayRig, phase: PlayPhase) -> bool:
    """The Play entered `phase` and then ended FAILED."""
    return phase in play.phases and play.phases[-1] is PlayPhase.FAILED


# -- a full disk ---------------------------------------------------------------------


@dataclass
class DiskFull:
    """Fails the flush to disk of files in `folder` with ENOSPC, like a full disk.

    Wraps os.fsync, where a full disk shows up for a small file written through
    the page cache; descriptors are matched to paths through /proc/self/fd.
    """

    folder: Path
    failures: int = 0

    def _ours(self, fd: int) -> bool:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return False
        return target.startswith(str(self.folder))

    def wrap(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def faulty(fd: int, *args: Any) -> Any:
            if self._ours(fd):
                self.failures += 1
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(fd, *args)

        return faulty


@pytest.fixture
def disk_full(isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DiskFull]:
    """The config folder's disk is full from now on (other paths are untouched)."""
    isolated_config.mkdir(parents=True, exist_ok=True)
    fault = DiskFull(isolated_config.resolve())
    monkeypatch.setattr(os, "fsync", fault.wrap(os.fsync))
    yield fault


# -- keyrings that go wrong -------------------------------------------------------------


class StallingKeyring(KeyringBackend):
    """An in-memory keyring that answers until `stall()`, then blocks every call,
    like an unlock prompt nobody sees (released at teardown)."""

    priority = -1  # never auto-selected

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}
        self.stalled = threading.Event()
        self.released = threading.Event()

    def stall(self) -> None:
        self.stalled.set()

    def _gate(self) -> None:
        if self.stalled.is_set():
            self.released.wait(30)

    def get_password(self, service: str, username: str) -> str | None:
        self._gate()
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._gate()
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._gate()
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class LockedKeyring(KeyringBackend):
    """A keyring that is there but locked: every call says so at once."""

    priority = -1

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("locked")


async def sign_in_with(play: PlayRig, store: CredentialStore) -> None:
    """Restart the rig's core with its sign-in kept in `store` (holding a fresh sign-in)."""
    await store.save(token_set(play.sim, play.clock))
    await play.rebuild(credential_store=store)
