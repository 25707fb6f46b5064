"""A hostile or broken server at the transport level (issue 13, items 4 and 5).

Over real loopback sockets (`hostile_transport.HostileServer`): a drip of one byte
every 0.2 s, a 200 MB body, a gzip bomb, a wrong Content-Encoding, a crash
mid-body and a redirect loop. Each call of each client (Pawpado, Huudis, the
LocalAPI) ends with a clear error of its family, within its deadline (short
here), with memory far below the body's size; the tray's poller lives on, shows
the app offline, and recovers; a slow token endpoint cannot make a second
process wait past its lock timeout.
"""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.api.errors import NetworkError, ProtocolError
from pawpado_desktop.auth.crosslock import SignInBusy
from pawpado_desktop.auth.errors import AuthServiceError, AuthServiceUnavailable
from pawpado_desktop.auth.huudis import HuudisClient
from pawpado_desktop.auth.manager import AuthManager
from pawpado_desktop.auth.store import MemoryStore
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.errors import ExitCode, PawpadoError
from pawpado_desktop.present.menu import TrayStatus, menu_entries, tooltip, tray_status
from pawpado_desktop.tailscale.client import LocalClient
from pawpado_desktop.tailscale.endpoint import LocalEndpoint
from pawpado_desktop.tailscale.errors import TailscaleError
from tests.support.hostile_transport import HUGE_BYTES, HostileServer, gzip_bomb
from tests.support.play import PlayRig
from tests.support.waiting import wait_until

DEADLINE_S = 1.0  # five drips: a per-read timeout alone would never fire
MEMORY_BOUND = 16 * 1024 * 1024  # the bodies are 200 MB; the cap is 1 MiB
HANG_GUARD_S = 60.0  # only so a regression fails instead of hanging the suite

_BOMB: list[bytes] = []


def _bomb() -> bytes:
    if not _BOMB:
        _BOMB.append(gzip_bomb())
    return _BOMB[0]


@pytest.fixture
async def hostile() -> AsyncIterator[HostileServer]:
    server = await HostileServer(_bomb()).start()
    try:
        yield server
    finally:
        await server.aclose()


async def outcome(call: Callable[[], Awaitable[Any]]) -> tuple[BaseException | None, int]:
    """The error `call` ended with (None if it succeeded) and its peak traced memory."""
    tracemalloc.start()
    try:
        await asyncio.wait_for(call(), HANG_GUARD_S)
    except PawpadoError as error:
        return error, tracemalloc.get_traced_memory()[1]
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return None, peak


# mode -> (error class, words of its message)
PAWPADO_CASES = {
    "drip": (NetworkError, "did not answer in time"),
    "huge": (ProtocolError, "far larger than expected"),
    "bomb": (ProtocolError, "far larger than expected"),
    "badenc": (ProtocolError, "cannot read (the answer is not valid gzip data)"),
    "crash": (NetworkError, "broke off"),
}


@pytest.mark.parametrize("mode", list(PAWPADO_CASES))
async def test_pawpado_calls_end_with_a_clear_error(hostile: HostileServer, mode: str) -> None:
    kind, words = PAWPADO_CASES[mode]
    async with PawpadoClient(
        hostile.url(mode), None, deadline_s=DEADLINE_S, jitter=lambda: 0.0
    ) as client:
        error, peak = await outcome(client.health)
    assert type(error) is kind, error
    assert words in error.message
    assert error.exit_code is ExitCode.NETWORK
    assert peak < MEMORY_BOUND < HUGE_BYTES


async def test_a_redirect_loop_is_a_protocol_error(hostile: HostileServer) -> None:
    async with httpx.AsyncClient(follow_redirects=True) as http:
        client = PawpadoClient(hostile.url("redirect"), None, http=http)
        error, _ = await outcome(client.health)
    assert isinstance(error, ProtocolError)
    assert "TooManyRedirects" in error.message
    assert error.exit_code is ExitCode.NETWORK


HUUDIS_CASES = {
    "drip": (AuthServiceUnavailable, "did not answer in time"),
    "huge": (AuthServiceError, "far larger than any real one"),
    "bomb": (AuthServiceError, "far larger than any real one"),
    "badenc": (AuthServiceError, "cannot read"),
    "crash": (AuthServiceUnavailable, "could not be reached"),
    "redirect": (AuthServiceError, "did not send its configuration (HTTP 302)"),
}


@pytest.mark.parametrize("mode", list(HUUDIS_CASES))
async def test_huudis_discovery_ends_with_a_clear_error(hostile: HostileServer, mode: str) -> None:
    kind, words = HUUDIS_CASES[mode]
    async with httpx.AsyncClient() as http:
        huudis = HuudisClient(hostile.url(mode), http, deadline_s=DEADLINE_S)
        error, peak = await outcome(huudis.metadata)
    assert type(error) is kind, error
    assert words in error.message
    assert error.exit_code is ExitCode.NETWORK
    assert peak < MEMORY_BOUND


LOCALAPI_CASES = {
    "drip": "did not answer in time",
    "huge": "far larger than any real one",
    "bomb": "far larger than any real one",
    "badenc": "cannot read",
    "crash": "broke",
}


@pytest.mark.parametrize("mode", list(LOCALAPI_CASES))
async def test_localapi_calls_end_with_a_clear_error(hostile: HostileServer, mode: str) -> None:
    hostile.mode = mode
    endpoint = LocalEndpoint("tcp", f"127.0.0.1:{hostile.port}")
    # A 1 s read timeout gives a 1.5 s deadline: the drip never pauses long enough
    # for the read timeout alone.
    async with LocalClient(endpoint, timeout=DEADLINE_S, installed=lambda: True) as client:
        error, peak = await outcome(client.status)
    assert isinstance(error, TailscaleError), error
    assert LOCALAPI_CASES[mode] in error.message
    assert error.exit_code is ExitCode.TAILSCALE
    assert peak < MEMORY_BOUND


async def test_a_slow_token_endpoint_never_locks_out_the_other_process(
    hostile: HostileServer, tmp_path: Path
) -> None:
    """The refresh holds the lock only under a deadline shorter than the others' wait."""
    lock = tmp_path / "auth.lock"
    now = SYSTEM_CLOCK.now()
    managers: list[AuthManager] = []
    async with httpx.AsyncClient(timeout=10) as http:
        for wait in (2.0, 6.0):  # what each waits for the lock; each holds it half of that
            store = MemoryStore()
            await store.save(TokenSet("AT-old", "RT-old", now, now))
            manager = AuthManager(hostile.url("ok"), store, http, lock_path=lock, lock_timeout=wait)
            await manager.load()
            managers.append(manager)
        first = asyncio.ensure_future(managers[0].access_token())
        await wait_until(lambda: hostile.hits("drip") >= 1)  # it holds the lock, dripping
        second = asyncio.ensure_future(managers[1].access_token())
        results = await asyncio.wait_for(
            asyncio.gather(first, second, return_exceptions=True), HANG_GUARD_S
        )
        for manager in managers:
            await manager.aclose()
    assert [type(r) for r in results] == [AuthServiceUnavailable, AuthServiceUnavailable]
    assert not any(isinstance(r, SignInBusy) for r in results)
    assert hostile.hits("drip") == 2  # the second got the lock and tried in turn


async def test_the_poller_survives_every_failure_and_shows_offline(
    hrig: PlayRig, hostile: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = hrig.core
    client = core._client
    real_url = client.base_url

    def offline_shown() -> bool:
        state = core.store.state
        now, mono = core.clock.now(), core.clock.monotonic()
        lines = tooltip(state, now, mono)
        menu = [e.text for e in menu_entries(state, now, mono, playing=False)]
        return (
            tray_status(state) is TrayStatus.ERROR
            and "state is unknown" in lines
            and "Balance" not in lines  # no stale figures
            and any(text.startswith("Offline: ") for text in menu)
        )

    for mode in ("badenc", "crash", "bomb"):
        client.base_url = hostile.url(mode)
        before = hostile.hits(mode)
        core.refresh_soon()
        await wait_until(lambda m=mode, b=before: hostile.hits(m) > b)  # type: ignore[misc]
        await wait_until(lambda: bool(core.store.state.offline))
        assert core._poller.alive
        assert offline_shown()
        client.base_url = real_url
        core.refresh_soon()
        await wait_until(lambda: core.store.state.offline == "")
        assert core._poller.alive

    # Not even a bug in a fetch (an exception no one expected) stops it.
    real_poll = client.poll_session

    async def broken() -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(client, "poll_session", broken)
    core.refresh_soon()
    await wait_until(lambda: "internal problem" in str(core.store.state.offline))
    assert core._poller.alive and offline_shown()
    monkeypatch.setattr(client, "poll_session", real_poll)
    core.refresh_soon()
    await wait_until(lambda: core.store.state.offline == "")
    assert core._poller.alive
    assert core.store.state.session is not None
