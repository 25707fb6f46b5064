"""A long, busy run with short-lived tokens never presents a used refresh token.

Two managers (the tray and a CLI call) share one stored sign-in and hammer
their tokens for twenty minutes of a 200x clock shared with the simulator, with
access tokens that live a minute: dozens of rotations, all under the simulator's
reuse detection (no grace window). A minute is 0.3 real seconds here: a token a
busy machine delivers late is still valid (ten seconds were 50 ms, shorter than a
loaded machine's pause between taking a token and the server reading it).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.auth.manager import AuthManager
from pawpado_desktop.auth.store import FileStore
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.auth import ManagerFactory

pytestmark = pytest.mark.world(speed=200)

RUN_SECONDS = 1200.0  # simulator time
TOKEN_LIFETIME = 60.0
API_EVERY = 15.0  # keeps both clients well inside the API's rate limit


async def busy_client(sim: SimulatorServer, manager: AuthManager) -> int:
    """Ask for tokens in bursts and prove one works now and then; returns API calls made."""
    clock = sim.clock
    api = PawpadoClient(sim.base_url, manager, clock=clock)
    end = clock.monotonic() + RUN_SECONDS
    next_api = clock.monotonic()
    calls = 0
    while clock.monotonic() < end:
        await asyncio.gather(*(manager.access_token() for _ in range(5)))
        if clock.monotonic() >= next_api:
            assert (await api.whoami()).email == sim.config.email
            calls += 1
            next_api += API_EVERY
        await clock.sleep(1.0)
    await api.aclose()
    return calls


async def test_no_refresh_token_is_ever_replayed(
    sim: SimulatorServer, auth_manager_factory: ManagerFactory, tmp_path: Path
) -> None:
    sim.control.set_access_token_lifetime(TOKEN_LIFETIME)
    path = tmp_path / "credentials.json"
    pair = sim.control.sign_in_directly()
    await FileStore(path).save(TokenSet.from_response(pair.as_response(), sim.clock.now()))
    tray = await auth_manager_factory(FileStore(path))
    cli = await auth_manager_factory(FileStore(path))

    api_calls = await asyncio.gather(busy_client(sim, tray), busy_client(sim, cli))

    stats = sim.control.huudis_stats()
    assert stats.reuse_detections == 0
    assert stats.revoked_families == 0
    # Rotated all along (half the ideal count: a loaded machine stretches the loop).
    assert stats.refreshes >= RUN_SECONDS / TOKEN_LIFETIME / 2
    assert min(api_calls) >= RUN_SECONDS / API_EVERY - 1
    assert tray.is_signed_in and cli.is_signed_in
    final = await FileStore(path).load()
    assert final is not None
    assert await tray.access_token() in (final.access_token, await cli.access_token())
