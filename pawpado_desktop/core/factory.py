"""Wire the real services into a Core: the one place that knows every concrete class.

Everything it needs comes in a `Wiring` (core/wiring.py); it reads no environment.
"""

from __future__ import annotations

import asyncio
import importlib
import logging

import httpx

from pawpado_desktop.api.client import DEFAULT_TIMEOUT, PawpadoClient
from pawpado_desktop.auth.manager import AuthEvent, AuthManager
from pawpado_desktop.auth.store import OpenedStore, StoreKey, open_default_store
from pawpado_desktop.config import LocalSettings
from pawpado_desktop.core.history import HistoryRecorder, history_path
from pawpado_desktop.core.history_db import HistoryDb
from pawpado_desktop.core.play import Confirm
from pawpado_desktop.core.service import Core, Services
from pawpado_desktop.core.wiring import Wiring
from pawpado_desktop.moonlight import Moonlight
from pawpado_desktop.moonlight.children import FILE_NAME as CHILDREN_FILE
from pawpado_desktop.moonlight.children import ChildRegistry
from pawpado_desktop.moonlight.locate import ENV_OVERRIDE as MOONLIGHT_ENV
from pawpado_desktop.tailscale.client import LocalClient, connect_default
from pawpado_desktop.tailscale.endpoint import SOCKET_ENV, find_tailscale
from pawpado_desktop.tailscale.join_state import JoinStateStore
from pawpado_desktop.tailscale.joiner import TailnetJoiner
from pawpado_desktop.tls import tls_context

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


async def build_core(wiring: Wiring, *, confirm: Confirm | None = None) -> Core:
    """A Core on the services `wiring` names; `Core.aclose` releases them all."""
    warming = asyncio.ensure_future(asyncio.to_thread(_warm_imports))
    closers = list(wiring.on_close)  # released last: e.g. the demo world the rest talk to
    folder = wiring.config_dir
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    clock = wiring.clock
    local = LocalSettings.load(folder)
    # Reading the CA bundle takes ~50 ms of CPU: off the loop, so the tray stays live.
    tls = await asyncio.to_thread(tls_context)
    http = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, follow_redirects=False, verify=tls)
    closers.append(http.aclose)
    opened = await _open_store(wiring)
    auth = AuthManager(wiring.endpoints.auth_url, opened.store, http, clock, folder / "auth.lock")
    closers.append(auth.aclose)
    client = PawpadoClient(wiring.endpoints.base_url, auth, http=http, clock=clock)
    tailnet = TailnetJoiner(
        await _tailscaled(wiring), clock=clock, store=JoinStateStore(folder), owns_client=True
    )
    closers.append(tailnet.aclose)
    streamer = Moonlight(
        settings=local,
        env=_moonlight_env(wiring),
        clock=clock,  # PIN expiry is on the API's clock
        timeouts=wiring.moonlight_timeouts,
        children=ChildRegistry(folder / CHILDREN_FILE),
    )
    services = Services(
        client=client,
        auth=auth,
        tailnet=tailnet,
        streamer=streamer,
        clock=clock,
        local=local,
        open_url=wiring.open_url,
        config_dir=folder,
        demo=wiring.demo,
        role=wiring.role,
        warning=opened.warning or "",
        keeps_sign_in=opened.store.persistent,
        closers=closers,
    )
    core = Core(services, confirm=confirm)
    history = HistoryRecorder(HistoryDb(history_path(folder)), wiring.endpoints.base_url, clock)
    history.attach(core.store)  # recorded from the polls the core makes anyway
    services.history = history
    closers.append(history.aclose)

    def on_auth(event: AuthEvent) -> None:
        if event.kind == "signed_out":
            core.signed_out_by_server(event.error)
        elif event.kind == "warning" and event.warning is not None:
            core.store.update(warning=event.warning)

    auth.add_listener(on_auth)
    await warming  # before the first request, so its imports never run on the loop
    return core


async def _open_store(wiring: Wiring) -> OpenedStore:
    choice = wiring.credential_store
    if not isinstance(choice, str):
        return OpenedStore(choice, None)  # the caller's own store
    return await open_default_store(
        {},
        key=StoreKey.from_endpoints(wiring.endpoints),
        choice=choice,
        directory=wiring.config_dir,
    )


async def _tailscaled(wiring: Wiring) -> LocalClient:
    env = {name: value for name, value in wiring.child_env.items() if name != SOCKET_ENV}
    if wiring.tailnet is None:
        return await connect_default(env)  # where the platform keeps it
    return LocalClient(wiring.tailnet, installed=lambda: find_tailscale(env) is not None)


def _moonlight_env(wiring: Wiring) -> dict[str, str]:
    env = {name: value for name, value in wiring.child_env.items() if name != MOONLIGHT_ENV}
    if wiring.moonlight_path:
        env[MOONLIGHT_ENV] = wiring.moonlight_path
    return env
