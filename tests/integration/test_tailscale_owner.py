"""One owner per tailnet join: real processes side by side against the fake tailscaled.

A process that holds the join (the `python -m pawpado_desktop.tailscale join --hold`
tool, the same joiner the app uses) and a second process: a `pawpado-desktop status`,
a crash restore, another join. The second must leave Tailscale exactly as it is
while the first lives, and restore it once the first is dead.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
from typing import Any

import pytest

from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.owner import OwnerLock
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.fake_tailscaled_keys import MemoryKeyVerifier
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.tailscale import LocalClient, TailnetJoiner
from pawpado_desktop.tailscale.endpoint import LocalEndpoint
from pawpado_desktop.tailscale.errors import TailnetBusy, TailscaleProfileChanged
from pawpado_desktop.tailscale.join_state import JoinStateStore
from tests.support.tailscale import start_joiner_process, user_view
from tests.support.waiting import wait_until

WRITES = ("PUT", "POST", "PATCH", "DELETE")


def writes_since(fake: FakeTailscaled, mark: int) -> list[str]:
    return [
        f"{r.method} {r.path.removeprefix('/localapi/v0/')}"
        for r in fake.requests[mark:]
        if r.method in WRITES
    ]


def client_for(fake: FakeTailscaled) -> LocalClient:
    return LocalClient(LocalEndpoint("unix", str(fake.socket_path)), installed=lambda: True)


async def tool(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """Run the Tailscale tool in its own process (the key goes in through stdin)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pawpado_desktop.tailscale",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def joined(process: asyncio.subprocess.Process) -> dict[str, Any]:
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    assert line, "the holder ended without joining"
    result: dict[str, Any] = json.loads(line)["joined"]
    return result


async def kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
    await process.wait()


async def wait_for_request(fake: FakeTailscaled, method: str, path: str) -> None:
    await wait_until(
        lambda: any(r.method == method and r.path == path for r in fake.requests),
        what=f"{method} {path}",
    )


def cli_env(sim: SimulatorServer, fake: FakeTailscaled) -> dict[str, str]:
    return {
        **os.environ,  # the test's PAWPADO_CONFIG_DIR: the holder's join record and lock
        "PAWPADO_BASE_URL": sim.base_url,
        "PAWPADO_AUTH_URL": sim.issuer_url,
        "PAWPADO_TAILSCALE_SOCKET": str(fake.socket_path),
        "PAWPADO_CREDENTIAL_STORE": "file",
        "PYTHONUNBUFFERED": "1",
    }


async def cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pawpado_desktop",
        *args,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.slow  # a real Play process holds the join while status runs
async def test_status_beside_a_joined_process_never_touches_tailscale(
    sim: SimulatorServer, fake_tailscaled: FakeTailscaled, ts_keys: MemoryKeyVerifier
) -> None:
    before = user_view(fake_tailscaled)
    env = cli_env(sim, fake_tailscaled)
    sim.control.set_auto_approve(True)
    code, _, err = await cli(env, "login", "--no-browser")
    assert code == 0, err

    holder = await start_joiner_process(ts_keys.mint_key())
    try:
        await joined(holder)
        during = user_view(fake_tailscaled)
        mark = len(fake_tailscaled.requests)

        code, out, err = await cli(env, "status")
        assert code == 0, err
        code, out, _ = await tool("restore")
        assert code == 0 and json.loads(out) == {"restored": False}

        # The second processes changed nothing: still on the game profile, same list.
        assert writes_since(fake_tailscaled, mark) == []
        assert user_view(fake_tailscaled) == during
        assert len(ts_keys.joined) == 1 and ts_keys.left == []
        assert holder.returncode is None
    finally:
        await kill(holder)

    # The owner is dead now: the next process restores.
    code, out, _ = await tool("restore")
    assert code == 0 and json.loads(out) == {"restored": True}
    assert user_view(fake_tailscaled) == before
    assert ts_keys.joined == {}


async def test_two_joins_at_once_the_second_is_refused_and_changes_nothing(
    make_fake_tailscaled: Any, ts_keys: MemoryKeyVerifier
) -> None:
    # A slow answer to `PUT profiles/` holds the first join between the new profile and
    # its `start`: the window where a second process used to switch back to the user's
    # profile and the first one's key then logged that profile in.
    gate = threading.Event()
    fake = make_fake_tailscaled(answer_delays={"PUT profiles/": gate})
    before = user_view(fake)
    first_key, second_key = ts_keys.mint_key(), ts_keys.mint_key()
    holder = await start_joiner_process(first_key)
    try:
        await wait_for_request(fake, "PUT", "/localapi/v0/profiles/")  # held there
        mark = len(fake.requests)
        second, restore = await asyncio.gather(
            tool("join", stdin=second_key + "\n"), tool("restore")
        )
        code, _, err = second
        assert code == ExitCode.BUSY
        assert "Another Pawpado window" in err and second_key not in err
        code, out, _ = restore
        assert code == 0 and json.loads(out) == {"restored": False}
        # Only the holder's own next steps: no switch, logout, delete or new profile.
        assert writes_since(fake, mark) == []

        gate.set()  # the first join goes on
        result = await joined(holder)
        snap = fake.snapshot()
        assert snap["current"]["Name"] == result["profile_name"]
        assert snap["profiles"]["a1b2"]["prefs"] == before["profiles"]["a1b2"]["prefs"]
    finally:
        gate.set()
        await kill(holder)
    code, out, _ = await tool("restore")
    assert json.loads(out) == {"restored": True}

    # The user's own profile is current, its prefs and login as they were, nothing extra.
    assert user_view(fake) == before
    assert ts_keys.joined == {} and len(ts_keys.left) == 1
    keyed = [r for r in fake.requests if r.had_auth_key]
    assert len(keyed) == 1 and keyed[0].profile_id == ""  # the key went to the fresh profile


async def test_a_killed_owner_is_restored_by_the_next_process(
    fake_tailscaled: FakeTailscaled, ts_keys: MemoryKeyVerifier
) -> None:
    before = user_view(fake_tailscaled)
    holder = await start_joiner_process(ts_keys.mint_key())
    try:
        await joined(holder)
        record = JoinStateStore().load()
        assert record is not None and record.owner_pid == holder.pid
        assert record.owner is not None and record.owner.is_alive()
    finally:
        await kill(holder)  # kill -9: no clean-up ran, the record stays
    assert JoinStateStore().load() is not None
    async with client_for(fake_tailscaled) as client:
        joiner = TailnetJoiner(client)
        assert await joiner.restore_after_crash() is True
        await joiner.aclose()
    assert user_view(fake_tailscaled) == before
    assert ts_keys.joined == {} and not JoinStateStore().path.exists()


async def test_a_joined_process_is_left_alone_by_another_joiner_in_any_way(
    fake_tailscaled: FakeTailscaled, ts_client: LocalClient, ts_keys: MemoryKeyVerifier
) -> None:
    owner, other = TailnetJoiner(ts_client), TailnetJoiner(ts_client)
    await owner.join(ts_keys.mint_key(), None, None, 10)
    during = user_view(fake_tailscaled)
    with pytest.raises(TailnetBusy) as busy:
        await other.join(ts_keys.mint_key(), None, None, 10)
    assert busy.value.exit_code == ExitCode.BUSY
    assert f"process {os.getpid()}" in busy.value.message
    assert await other.restore_after_crash() is False
    await other.leave()  # a Play whose join was refused cleans up: not the owner's join
    assert user_view(fake_tailscaled) == during and len(ts_keys.joined) == 1
    await owner.leave()
    assert fake_tailscaled.snapshot()["current"]["ID"] == "a1b2"
    # Released: the other can join now.
    await other.join(ts_keys.mint_key(), None, None, 10)
    await other.leave()
    await owner.aclose()
    await other.aclose()


async def test_a_profile_switched_under_the_join_never_gets_the_key(
    make_fake_tailscaled: Any, ts_keys: MemoryKeyVerifier
) -> None:
    # Something that ignores the lock (an older Pawpado, another program) switches back
    # to the user's profile between our `PUT profiles/` and our `start`.
    gate = threading.Event()
    fake = make_fake_tailscaled(answer_delays={"PUT profiles/": gate})
    before = user_view(fake)
    key = ts_keys.mint_key()
    async with client_for(fake) as client:
        joiner = TailnetJoiner(client)
        task = asyncio.create_task(joiner.join(key, None, None, 30))
        await wait_for_request(fake, "PUT", "/localapi/v0/profiles/")
        await asyncio.to_thread(fake.call, lambda backend: backend.switch_profile("a1b2"))
        gate.set()
        with pytest.raises(TailscaleProfileChanged) as caught:
            await task
        await joiner.aclose()
    assert caught.value.exit_code == ExitCode.TAILSCALE
    assert key not in caught.value.message
    assert not any(r.had_auth_key for r in fake.requests)  # the key never went out
    assert user_view(fake) == before  # the user's profile, prefs and login as they were
    assert ts_keys.joined == {} and not JoinStateStore().path.exists()


async def test_a_join_waits_out_a_short_crash_restore_by_another_process(
    fake_tailscaled: FakeTailscaled, ts_client: LocalClient, ts_keys: MemoryKeyVerifier
) -> None:
    restoring = OwnerLock(JoinStateStore().lock_path)
    assert restoring.try_acquire(purpose="restore")  # as a `status` restoring a crash
    joiner = TailnetJoiner(ts_client, clock=ScaledClock(5))
    join = asyncio.create_task(joiner.join(ts_keys.mint_key(), None, None, 10))
    await asyncio.sleep(0.1)
    assert not join.done() and not any(r.method == "PUT" for r in fake_tailscaled.requests)
    restoring.release()
    await join  # went ahead once the restore was done
    await joiner.leave()
    # A restore that never ends is not waited for forever (15 s of the joiner's clock).
    assert restoring.try_acquire(purpose="restore")
    try:
        with pytest.raises(TailnetBusy):
            await TailnetJoiner(ts_client, clock=ScaledClock(200)).join(
                ts_keys.mint_key(), None, None, 10
            )
    finally:
        restoring.release()
    await joiner.aclose()
