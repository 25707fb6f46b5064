"""Two real processes share one keyring that locks, or refuses writes, around a refresh.

Whatever the keyring does, no refresh token is ever replayed (no token family
revoked on Huudis) and no process is told it signed out elsewhere.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field

import pytest

from pawpado_desktop.auth.keyring_store import KeyringStore
from pawpado_desktop.auth.storekey import StoreKey
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.sim.huudis import REFRESH_GRANT
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.auth import FileKeyring

# A long-lived process (think: the tray, or a CLI Play). It loads the stored sign-in,
# then on each line of input calls the API (refreshing as needed) and reports.
CHILD = """
import asyncio, os, sys

import httpx

import pawpado_desktop.auth.manager as auth_manager
from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.auth.manager import AuthManager
from pawpado_desktop.errors import PawpadoError

auth_manager.SAVE_RETRY_DELAY = 0.2  # a test need not wait seconds for the retried save


def say(*words):
    print(*words, flush=True)


async def main():
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(timeout=10) as http:
        manager = await AuthManager.create(os.environ["PAWPADO_AUTH_URL"], http)
        manager.add_listener(lambda e: say("event", e.kind, e.message or ""))
        api = PawpadoClient(os.environ["PAWPADO_BASE_URL"], manager, http=http)
        say("ready", manager.is_signed_in)
        while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "call":
            try:
                identity = await api.whoami()
            except PawpadoError as error:
                say("error", type(error).__name__, error.message)
            else:
                say("ok", identity.email)
        await manager.aclose()
    say("bye")


asyncio.run(main())
"""


@dataclass
class Child:
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)

    async def read(self) -> str:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), 60)
        if not raw:
            assert self.process.stderr is not None
            raise AssertionError((await self.process.stderr.read()).decode())
        line = raw.decode().strip()
        self.lines.append(line)
        return line

    async def call(self) -> str:
        """One API call; its outcome line ("ok <email>" or "error <class> <message>")."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"call\n")
        await self.process.stdin.drain()
        while not (line := await self.read()).startswith(("ok ", "error ")):
            pass
        return line

    async def quit(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"quit\n")
        await self.process.stdin.drain()
        while await self.read() != "bye":
            pass
        assert await asyncio.wait_for(self.process.wait(), 30) == 0

    @property
    def told_signed_out(self) -> list[str]:
        return [line for line in self.lines if line.startswith("event signed_out")]


async def start_child() -> Child:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    child = Child(process)
    assert await child.read() == "ready True"
    return child


async def seed_expired_sign_in(sim: SimulatorServer) -> TokenSet:
    """The sign-in a previous run left behind for this server, its access token expired."""
    now = sim.clock.now()
    fresh = TokenSet.from_response(sim.control.sign_in_directly().as_response(), now)
    expired = TokenSet(fresh.access_token, fresh.refresh_token, now, now)
    store = KeyringStore(key=StoreKey.of(sim.issuer_url, sim.base_url))
    await store.save(expired)
    store.close()
    return expired


async def stored_refresh_token(sim: SimulatorServer) -> str | None:
    store = KeyringStore(key=StoreKey.of(sim.issuer_url, sim.base_url))
    try:
        tokens = await store.load()
    finally:
        store.close()
    return tokens.refresh_token if tokens else None


def assert_nothing_revoked(sim: SimulatorServer) -> None:
    stats = sim.control.huudis_stats()
    assert stats.reuse_detections == 0
    assert stats.revoked_families == 0
    assert stats.revocation_requests == 0


async def test_keyring_locked_during_refresh_signs_nobody_out(
    sim_env: SimulatorServer, file_keyring: FileKeyring
) -> None:
    sim = sim_env
    seeded = await seed_expired_sign_in(sim)
    tray, cli = await start_child(), await start_child()

    file_keyring.lock()
    # The tray renews the sign-in; the keyring cannot take the new tokens yet.
    assert await tray.call() == f"ok {sim.config.email}"
    # The CLI holds only the expired token and cannot read the keyring: it must not
    # redeem its refresh token (the tray already did), and it is not signed out.
    outcome = await cli.call()
    assert outcome.startswith("error RefreshBlocked"), outcome
    assert "nlock" in outcome and "signed out" not in outcome.lower()
    assert sim.control.huudis_stats().token_requests.get(REFRESH_GRANT, 0) == 1

    file_keyring.lock(False)
    # The tray keeps retrying its save; once it lands the CLI picks the new tokens up.
    for _ in range(600):
        if await stored_refresh_token(sim) != seeded.refresh_token:
            break
        await asyncio.sleep(0.05)
    assert await stored_refresh_token(sim) != seeded.refresh_token
    assert await cli.call() == f"ok {sim.config.email}"
    assert await tray.call() == f"ok {sim.config.email}"
    await tray.quit()
    await cli.quit()

    assert sim.control.huudis_stats().token_requests.get(REFRESH_GRANT, 0) == 1
    assert_nothing_revoked(sim)
    assert tray.told_signed_out == [] and cli.told_signed_out == []


async def test_failed_save_after_rotation_is_never_redeemed_by_another_process(
    sim_env: SimulatorServer, file_keyring: FileKeyring
) -> None:
    sim = sim_env
    await seed_expired_sign_in(sim)
    tray, cli = await start_child(), await start_child()

    file_keyring.refuse_writes()
    assert await tray.call() == f"ok {sim.config.email}"
    assert any("refused to store" in line for line in tray.lines)  # the tray warned
    # The keyring still holds the refresh token the tray just used up: the CLI
    # reads it but must not present it again.
    outcome = await cli.call()
    assert outcome.startswith("error RefreshBlocked"), outcome
    assert "Another Pawpado window renewed your sign-in" in outcome
    assert_nothing_revoked(sim)

    # The tray quits before its save could land: the renewed sign-in is gone with it.
    # The CLI asks for a new sign-in, without revoking anything or blaming a sign-out.
    await tray.quit()
    outcome = await cli.call()
    assert outcome.startswith("error SignInEnded"), outcome
    assert "sign in again" in outcome and "signed out in another" not in outcome
    await cli.quit()

    assert sim.control.huudis_stats().token_requests.get(REFRESH_GRANT, 0) == 1
    assert_nothing_revoked(sim)


@pytest.mark.parametrize("writes", ["refused", "locked"])
async def test_the_renewing_process_stays_signed_in_and_saves_later(
    sim_env: SimulatorServer, file_keyring: FileKeyring, writes: str
) -> None:
    """Alone, a process whose keyring fails mid-refresh keeps working on the new
    tokens and saves them as soon as the keyring lets it."""
    sim = sim_env
    seeded = await seed_expired_sign_in(sim)
    tray = await start_child()
    if writes == "refused":
        file_keyring.refuse_writes()
    else:
        file_keyring.lock()
    assert await tray.call() == f"ok {sim.config.email}"
    assert await tray.call() == f"ok {sim.config.email}"
    file_keyring.refuse_writes(False)
    file_keyring.lock(False)
    for _ in range(600):
        if await stored_refresh_token(sim) != seeded.refresh_token:
            break
        await asyncio.sleep(0.05)
    assert await stored_refresh_token(sim) not in (None, seeded.refresh_token)
    await tray.quit()

    # A later run starts from the saved, renewed sign-in.
    later = await start_child()
    assert await later.call() == f"ok {sim.config.email}"
    await later.quit()
    assert sim.control.huudis_stats().token_requests.get(REFRESH_GRANT, 0) == 1
    assert_nothing_revoked(sim)
    assert tray.told_signed_out == [] and later.told_signed_out == []
