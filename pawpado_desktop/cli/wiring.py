"""The entry point's side of the wiring: the environment is read here, once.

`wiring_from_env` turns the environment into a `Wiring`; `demo_wiring` starts a
pretend world and wires to it (no environment is changed); `open_core` builds the
core for one CLI command and closes it afterwards. The tray uses the same two.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace

from pawpado_desktop.clock import Clock
from pawpado_desktop.config import Endpoints, config_dir
from pawpado_desktop.core.ownership import Role
from pawpado_desktop.core.play import Confirm
from pawpado_desktop.core.service import Core
from pawpado_desktop.core.stop_policy import CLI_STOP_DEADLINE_S, READ_ONLY_STOP_WAIT_S
from pawpado_desktop.core.wiring import CredentialStoreChoice, Wiring, tailscaled_at
from pawpado_desktop.errors import ConfigError, PawpadoError
from pawpado_desktop.present.progress import detail_text

STORE_ENV = "PAWPADO_CREDENTIAL_STORE"
SOCKET_ENV = "PAWPADO_TAILSCALE_SOCKET"
MOONLIGHT_ENV = "PAWPADO_MOONLIGHT"
FAKE_STREAM_WINDOW_ENV = "PAWPADO_FAKE_STREAM_WINDOW"  # the demo's stream as a window


def wiring_from_env(
    env: Mapping[str, str], *, role: Role = Role.CLI, clock: Clock | None = None
) -> Wiring:
    """Every outside choice the environment makes (PAWPADO_BASE_URL, PAWPADO_AUTH_URL,
    PAWPADO_CONFIG_DIR, PAWPADO_CREDENTIAL_STORE, PAWPADO_TAILSCALE_SOCKET,
    PAWPADO_MOONLIGHT); raises ConfigError for a value the app cannot use."""
    store = env.get(STORE_ENV, "").strip().lower() or "keyring"
    if store not in ("keyring", "file", "memory"):
        raise ConfigError(
            "{env} is {choice!r}; use 'keyring' (the default), 'file' or 'memory'.",
            env=STORE_ENV,
            choice=store,
        )
    socket = env.get(SOCKET_ENV, "").strip()
    choice: CredentialStoreChoice = (
        "file" if store == "file" else "memory" if store == "memory" else "keyring"
    )
    wiring = Wiring(
        endpoints=Endpoints.from_env(env),
        config_dir=config_dir(env),
        child_env=dict(env),
        credential_store=choice,
        tailnet=tailscaled_at(socket) if socket else None,
        moonlight_path=env.get(MOONLIGHT_ENV, "").strip(),
        role=role,
    )
    return wiring if clock is None else replace(wiring, clock=clock)


async def demo_wiring(
    env: Mapping[str, str],
    *,
    role: Role = Role.CLI,
    stream_seconds: float | None = 8.0,
    stream_window: bool = False,
) -> Wiring:
    """A fresh pretend world (simulator, fake tailscaled, fake Moonlight) and the wiring
    to it; the world stops when the core closes. `stream_seconds`: how long the pretend
    stream lasts (None: until its window is closed)."""
    from pawpado_desktop.sim.demo_world import DemoWorld  # the simulator stays off normal starts

    world = DemoWorld(stream_seconds=stream_seconds).start()

    async def stop_world() -> None:
        await asyncio.to_thread(world.stop)

    demo_env = {**env, **world.env()}
    if stream_window:
        demo_env[FAKE_STREAM_WINDOW_ENV] = "1"
    try:
        wiring = wiring_from_env(demo_env, role=role)
    except BaseException:
        world.stop()
        raise
    return replace(wiring, demo=True, on_close=(stop_world,))


async def wiring_for(args: argparse.Namespace, *, role: Role = Role.CLI) -> Wiring:
    """The wiring of this run: the demo world with `--demo`, else the environment."""
    if getattr(args, "demo", False):
        return await demo_wiring(os.environ, role=role)
    return wiring_from_env(os.environ, role=role)


@contextlib.asynccontextmanager
async def open_core(
    args: argparse.Namespace,
    *,
    poll: bool = True,
    confirm: Confirm | None = None,
    read_only: bool = False,
) -> AsyncIterator[Core]:
    """The core for one command. `read_only` (status): a stop left pending by an earlier
    run is sent again but waited for only briefly, so a report never hangs for minutes;
    its marker stays for the next command or the tray."""
    from pawpado_desktop.core.factory import build_core  # the wiring of every real service

    core = await build_core(await wiring_for(args), confirm=confirm)
    core.stopper.deadline_s = CLI_STOP_DEADLINE_S  # a command keeps a stop going this long
    core.stopper.subscribe(lambda line: print(detail_text([line]), file=sys.stderr, flush=True))
    try:
        await core.start(poll=poll, pending_wait_s=READ_ONLY_STOP_WAIT_S if read_only else None)
        try:
            yield core
        except PawpadoError:
            if not read_only:
                await core.stopper.settle()  # e.g. a failed Play whose stop is still retrying
            raise
        if not read_only:
            await core.stopper.settle()
    finally:
        await core.aclose()
