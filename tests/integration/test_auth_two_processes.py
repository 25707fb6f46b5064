"""Two real processes (think: the tray and a CLI call) refreshing at the same instant."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from pawpado_desktop.auth.store import FileStore, KeyringStore, StoreKey
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.sim.huudis import REFRESH_GRANT
from pawpado_desktop.sim.server import SimulatorServer

# Each process loads the stored (expired) sign-in, reports "ready", waits for the
# go file, then asks for a token and proves it works with an API call.
CHILD = """
import asyncio, os, sys
from pathlib import Path

import httpx

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.auth.manager import AuthManager


async def main() -> None:
    go = Path(sys.argv[1])
    async with httpx.AsyncClient(timeout=10) as http:
        manager = await AuthManager.create(os.environ["PAWPADO_AUTH_URL"], http)
        assert manager.is_signed_in, "the stored sign-in was not loaded"
        print("ready", flush=True)
        while not go.exists():
            await asyncio.sleep(0.001)
        await manager.access_token()
        identity = await PawpadoClient(os.environ["PAWPADO_BASE_URL"], manager, http=http).whoami()
        print("identity", identity.email, flush=True)
        await manager.aclose()


asyncio.run(main())
"""


@pytest.mark.parametrize("store_kind", ["file", "secret-service"])
async def test_one_refresh_and_both_end_with_working_tokens(
    store_kind: str,
    sim_env: SimulatorServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    sim = sim_env
    if store_kind == "file":
        monkeypatch.setenv("PAWPADO_CREDENTIAL_STORE", "file")
        store: FileStore | KeyringStore = FileStore(key=StoreKey.from_env())
    else:
        request.getfixturevalue("secret_service")
        store = KeyringStore(key=StoreKey.from_env())
    now = sim.clock.now()
    fresh = TokenSet.from_response(sim.control.sign_in_directly().as_response(), now)
    expired = TokenSet(fresh.access_token, fresh.refresh_token, now, now)
    await store.save(expired)

    go = tmp_path / "go"
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, str(go),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for child in children:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), 30)
        assert line.strip() == b"ready", (await child.stderr.read()).decode()  # type: ignore[union-attr]
    go.touch()  # both go at once
    results = [await asyncio.wait_for(child.communicate(), 30) for child in children]

    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err.decode()
        assert f"identity {sim.config.email}" in out.decode()
    stats = sim.control.huudis_stats()
    assert stats.token_requests.get(REFRESH_GRANT, 0) == 1
    assert stats.reuse_detections == 0
    after = await store.load()
    assert after is not None
    assert after.refresh_token != expired.refresh_token
    store.close()
