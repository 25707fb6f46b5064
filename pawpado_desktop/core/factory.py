"""Wire the real services into a Core: the one place that knows every concrete class."""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from collections.abc import Awaitable, Callable

import httpx

from pawpado_desktop import safe_url
from pawpado_desktop.api.client import DEFAULT_TIMEOUT, PawpadoClient
from pawpado_desktop.auth.manager import AuthEvent, AuthManager
from pawpado_desktop.auth.store import StoreKey, open_default_store
from pawpado_desktop.clock import SYSTEM_CLOCK, Clock
from pawpado_desktop.config import Endpoints, LocalSettings, config_dir
from pawpado_desktop.core.history import HistoryRecorder, history_path
from pawpado_desktop.core.history_db import HistoryDb
from pawpado_desktop.core.ownership import Role
from pawpado_desktop.core.play import Confirm
from pawpado_desktop.core.service import Core, Services
from pawpado_desktop.moonlight import Moonlight
from pawpado_desktop.tailscale.joiner import TailnetJoiner

log = logging.getLogger(__name__)

# What httpcore's first request imports (anyio loads these lazily): done on a worker
# thread while the core is wired, so the first request does not stall the event loop.
FIRST_REQUEST_MODULES = (
    "anyio._backends._asyncio",
    "anyio._core._sockets",
    "anyio._core._tasks",
    "anyio._core._streams",
    "anyio.lowlevel",
    "anyio.streams.memory",
    "anyio.streams.stapled",
    "anyio.streams.tls",
)


def _warm_imports() -> None:
    for name in FIRST_REQUEST_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # another anyio layout: the first request imports what it needs
            log.debug("could not preload %s", name)


async def open_in_browser(url: str) -> None:
    """Open `url` through the one gate (safe_url): anything but a web address raises."""
    await safe_url.open_in_browser(url)


async def build_core(
    *,
    demo: bool = False,
    confirm: Confirm | None = None,
    clock: Clock | None = None,
    demo_stream_seconds: float | None = 8.0,
    role: Role = Role.CLI,
) -> Core:
    """A Core on this computer's services, or on a fresh demo world with `demo`.

    `demo_stream_seconds`: how long the demo's pretend stream lasts (None: until
    its window is closed).
    """
    warming = asyncio.ensure_future(asyncio.to_thread(_warm_imports))
    closers: list[Callable[[], Awaitable[None]]] = []
    if demo:
        from pawpado_desktop.sim.demo_world import (
            DemoWorld,  # the simulator stays off normal starts
        )

        world = DemoWorld(stream_seconds=demo_stream_seconds).start()
        os.environ.update(world.env())  # children (moonlight) must see the same world

        async def stop_world() -> None:
            await asyncio.to_thread(world.stop)

        closers.append(stop_world)
    clock = clock or SYSTEM_CLOCK
    endpoints = Endpoints.from_env()
    local = LocalSettings.load()
    http = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, follow_redirects=False)
    closers.append(http.aclose)
    opened = await open_default_store(key=StoreKey.from_endpoints(endpoints))
    auth = AuthManager(endpoints.auth_url, opened.store, http, clock)
    closers.append(auth.aclose)
    client = PawpadoClient(endpoints.base_url, auth, http=http, clock=clock)
    tailnet = await TailnetJoiner.open_default(clock=clock)
    closers.append(tailnet.aclose)
    services = Services(
        client=client,
        auth=auth,
        tailnet=tailnet,
        streamer=Moonlight(settings=local, clock=clock),  # PIN expiry is on the API's clock
        clock=clock,
        local=local,
        open_url=open_in_browser,
        demo=demo,
        role=role,
        warning=opened.warning or "",
        closers=closers,
    )
    core = Core(services, confirm=confirm)
    history = HistoryRecorder(
        HistoryDb(history_path(config_dir())), endpoints.base_url, clock
    )
    history.attach(core.store)  # recorded from the polls the core makes anyway
    services.history = history
    closers.append(history.aclose)

    def on_auth(event: AuthEvent) -> None:
        if event.kind == "signed_out":
            core.signed_out_by_server(event.message)
        elif event.kind == "warning" and event.message:
            core.store.update(warning=event.message)

    auth.add_listener(on_auth)
    await warming  # before the first request, so its imports never run on the loop
    return core
