"""At DEBUG level, signing in, refreshing and signing out leave no secret in any output."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import httpx
import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.auth.store import FileStore, MemoryStore, StoreKey, credentials_path
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.auth import ManagerFactory
from tests.support.secrets import assert_nowhere

pytestmark = pytest.mark.world(auto_approve=True, speed=10)


def token_secrets(*sets: TokenSet | None) -> list[str]:
    found: list[str] = []
    for tokens in sets:
        assert tokens is not None
        found.append(tokens.access_token)
        if tokens.refresh_token:
            found.append(tokens.refresh_token)
    return found


async def test_sign_in_refresh_sign_out_log_no_secret(
    sim: SimulatorServer,
    auth_manager_factory: ManagerFactory,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    store = MemoryStore()
    manager = await auth_manager_factory(store)
    flow = await manager.start_sign_in()
    device_codes = [grant.device_code for grant in sim.world.huudis.device_grants()]
    await asyncio.wait_for(flow.wait(), 10)
    signed_in = await store.load()

    api = PawpadoClient(sim.base_url, manager, clock=sim.clock)
    await api.whoami()
    assert signed_in is not None
    async with httpx.AsyncClient() as http:  # make the API refuse the current token
        await http.post(
            sim.issuer_url + "/oauth/revoke",
            data={"token": signed_in.access_token, "client_id": "pawpado-desktop"},
        )
    await api.whoami()  # 401, refresh, retry
    refreshed = await store.load()
    assert refreshed is not None and refreshed.refresh_token != signed_in.refresh_token
    await manager.sign_out()

    out, err = capfd.readouterr()
    texts = [caplog.text, out, err, repr(manager), repr(flow), repr(store)]
    texts += [repr(signed_in), str(signed_in), repr(refreshed)]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), str(record.exc_info)]
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG really was on
    assert_nowhere(device_codes + token_secrets(signed_in, refreshed), texts)


@pytest.mark.slow  # real CLI processes at debug level
async def test_the_cli_at_debug_level_prints_no_secret(
    sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch, isolated_config: Path
) -> None:
    monkeypatch.setenv("PAWPADO_BASE_URL", sim.base_url)
    monkeypatch.setenv("PAWPADO_AUTH_URL", sim.issuer_url)
    monkeypatch.setenv("PAWPADO_CREDENTIAL_STORE", "file")
    outputs: list[str] = []

    async def run(*args: str) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pawpado_desktop", "-vv", *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        outputs.extend([out.decode(), err.decode()])

    await run("login", "--no-browser")
    assert "DEBUG" in outputs[1]
    key = StoreKey.of(sim.issuer_url, sim.base_url)
    signed_in = await FileStore(credentials_path(key, isolated_config)).load()
    await run("whoami")
    await run("logout")
    device_codes = [grant.device_code for grant in sim.world.huudis.device_grants()]
    assert_nowhere(device_codes + token_secrets(signed_in), outputs)
