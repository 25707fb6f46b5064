"""A full Play at DEBUG level leaks no secret: not in logs, exception texts, the state
the UI renders, the debug-info bundle, or any child process's command line.

The secrets are the ones this run really used: every access and refresh token the
app held (sign-in and each rotation), the device code of a real device-flow sign-in,
and every Tailscale auth key the simulator minted. The PIN is the one exception on
a command line (Moonlight takes it nowhere else; it lives 120 s).
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from pathlib import Path

import pytest

from pawpado_desktop.auth.store import MemoryStore
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.diagnostics import debug_info
from pawpado_desktop.present.notices import notice_text, notice_title
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.play import PlayRig, sign_in_with
from tests.support.secrets import assert_nowhere, descendants_cmdlines
from tests.support.waiting import wait_until

pytestmark = pytest.mark.world(access_token_lifetime=15.0, auto_approve=True)


class RecordingStore(MemoryStore):
    """Remembers every token set the app kept, so the test knows every token used."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: list[TokenSet] = []

    async def save(self, tokens: TokenSet) -> None:
        self.kept.append(tokens)
        await super().save(tokens)


async def watch_command_lines(seen: set[str], stop: asyncio.Event) -> None:
    while not stop.is_set():
        seen.update(await asyncio.to_thread(descendants_cmdlines, os.getpid()))
        await asyncio.sleep(0.01)


async def test_a_full_play_at_debug_level_leaks_no_secret(
    hrig: PlayRig, caplog: pytest.LogCaptureFixture, tmp_path: Path, isolated_config: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    store = RecordingStore()
    await sign_in_with(hrig, store)
    core, control = hrig.core, hrig.sim.control
    await core.sign_out(stop=True)  # then a real device-flow sign-in: a device code to keep secret
    flow = await core.start_sign_in()
    await asyncio.wait_for(core.complete_sign_in(flow), 30)

    seen: set[str] = set()
    stop = asyncio.Event()
    watcher = asyncio.ensure_future(watch_command_lines(seen, stop))
    modes: dict[str, int] = {}

    def note_modes() -> None:
        for path in isolated_config.rglob("*"):
            modes[path.name] = stat.S_IMODE(path.stat().st_mode)

    await core.play(PlayOptions(grace_minutes=0))
    # A failed Play too, for the exception texts: a key Tailscale refuses.
    control.replace_responses("/_sim/tailscale/redeem", FaultResponse(403, b"refused"))
    play = asyncio.ensure_future(core.play(PlayOptions(grace_minutes=0)))
    await wait_until(lambda: (isolated_config / "tailscale-join.json").exists() or play.done())
    note_modes()
    with pytest.raises(Exception) as failure:
        await play
    stop.set()
    await watcher

    tokens = [t for kept in store.kept for t in (kept.access_token, kept.refresh_token) if t]
    device_codes = [g.device_code for g in hrig.sim.world.huudis.device_grants()]
    auth_keys = list(hrig.sim.world.tailnet.keys)
    assert len(store.kept) >= 3 and device_codes and len(auth_keys) == 2
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG was really on
    assert any(" stream " in line for line in seen)  # the watcher saw Moonlight run
    assert any(" pair " in line for line in seen)

    state = core.store.state
    texts = [caplog.text, *seen, str(failure.value), repr(failure.value), repr(state)]
    texts += [f"{notice_title(n)} {notice_text(n)}" for n in hrig.notices]
    texts += [debug_info(state, core.clock.now(), {"Demo": "no"})]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), str(record.exc_info)]
    assert_nowhere(tokens + device_codes + auth_keys, texts)

    # What holds state or secrets is private to the user.
    assert modes.get("tailscale-join.json") == 0o600, modes
    assert stat.S_IMODE(isolated_config.stat().st_mode) == 0o700
    assert failure.type.__name__ == "TailscaleKeyRejected"
    assert PlayPhase.FAILED in hrig.phases
