"""Preflight and failures: not installed, daemon down, no write permission, operator-only."""

from __future__ import annotations

import getpass
import socket
from pathlib import Path
from typing import Any

import pytest

from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.fake_tailscaled_keys import MemoryKeyVerifier
from pawpado_desktop.tailscale import (
    LocalClient,
    TailnetJoiner,
    TailscaleNoPermission,
    TailscaleNotInstalled,
    TailscaleNotRunning,
    TailscaleOperatorLimit,
    connect_default,
)
from pawpado_desktop.tailscale.endpoint import LocalEndpoint
from pawpado_desktop.tailscale.join_state import JoinStateStore


def fake_program(folder: Path, name: str = "tailscale") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    return program


def write_calls(fake: FakeTailscaled) -> list[str]:
    return [r.path for r in fake.requests if r.method in ("PUT", "POST", "PATCH", "DELETE")]


async def test_not_installed(ts_socket_dir: Path, tmp_path: Path) -> None:
    env = {"PAWPADO_TAILSCALE_SOCKET": str(ts_socket_dir / "absent.sock")}
    client = await connect_default(env, platform="linux", search_dirs=[str(tmp_path / "empty")])
    async with client:
        with pytest.raises(TailscaleNotInstalled) as caught:
            await TailnetJoiner(client).check_ready()
    assert "https://tailscale.com/download" in caught.value.message
    assert caught.value.exit_code == ExitCode.TAILSCALE


async def test_installed_but_daemon_down(ts_socket_dir: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    fake_program(bin_dir)
    env = {"PAWPADO_TAILSCALE_SOCKET": str(ts_socket_dir / "absent.sock")}
    client = await connect_default(env, platform="linux", search_dirs=[str(bin_dir)])
    async with client:
        with pytest.raises(TailscaleNotRunning) as caught:
            await TailnetJoiner(client).check_ready()
    assert "systemctl" in caught.value.message
    assert "absent.sock" in caught.value.message


async def test_found_on_path_when_the_socket_refuses(
    ts_socket_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A socket file nobody listens on (tailscaled crashed): ECONNREFUSED, not ENOENT.
    stale = ts_socket_dir / "stale.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(stale))
    sock.close()
    bin_dir = tmp_path / "bin"
    fake_program(bin_dir)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PAWPADO_TAILSCALE_SOCKET", str(stale))
    async with await connect_default() as client:
        with pytest.raises(TailscaleNotRunning):
            await client.status()


async def test_daemon_stopping_mid_session_keeps_the_record_for_later(
    fake_tailscaled: FakeTailscaled, ts_joiner: TailnetJoiner, ts_keys: MemoryKeyVerifier
) -> None:
    await ts_joiner.join(ts_keys.mint_key(), None, None, 10)
    fake_tailscaled.stop()
    with pytest.raises(TailscaleNotRunning):
        await ts_joiner.leave()
    assert JoinStateStore().path.exists()  # nothing lost: restore at the next start

    fake_tailscaled.start()  # tailscaled is back (it kept its profiles)
    async with LocalClient(LocalEndpoint("unix", str(fake_tailscaled.socket_path))) as client:
        assert await TailnetJoiner(client).restore_after_crash() is True
    snap = fake_tailscaled.snapshot()
    assert snap["current"]["ID"] == "a1b2" and list(snap["profiles"]) == ["a1b2"]
    assert ts_keys.joined == {}


async def test_no_write_permission_tells_the_operator_fix(
    make_fake_tailscaled: Any, ts_keys: MemoryKeyVerifier
) -> None:
    fake = make_fake_tailscaled(permission="operator", caller_user="player")
    before = fake.snapshot()
    async with LocalClient(LocalEndpoint("unix", str(fake.socket_path))) as client:
        joiner = TailnetJoiner(client, user_name="player", is_root=False, platform="linux")
        with pytest.raises(TailscaleNoPermission) as caught:
            await joiner.check_ready()
        assert "sudo tailscale set --operator=$USER" in caught.value.message
        assert "profile" in caught.value.message
        assert "profiles access denied" in caught.value.message
        with pytest.raises(TailscaleNoPermission):
            await joiner.join(ts_keys.mint_key(), None, None, 10)
        # Reading still works, as with the real daemon.
        assert (await client.status()).backend_state.go_name == "Running"
    assert write_calls(fake) == []
    assert fake.snapshot() == before
    assert not JoinStateStore().path.exists()


async def test_operator_only_access_refuses_before_changing_anything(
    make_fake_tailscaled: Any, ts_keys: MemoryKeyVerifier
) -> None:
    fake = make_fake_tailscaled(permission="operator", caller_user="player", user_operator="player")
    before = fake.snapshot()
    async with LocalClient(LocalEndpoint("unix", str(fake.socket_path))) as client:
        joiner = TailnetJoiner(client, user_name="player", is_root=False, platform="linux")
        with pytest.raises(TailscaleOperatorLimit) as caught:
            await joiner.check_ready()
        assert "18294" in caught.value.message
        assert "changed nothing" in caught.value.message
        with pytest.raises(TailscaleOperatorLimit):
            await joiner.join(ts_keys.mint_key(), None, None, 10)
    assert write_calls(fake) == []
    assert fake.snapshot() == before


async def test_the_fake_reproduces_the_operator_lockout_that_the_joiner_avoids(
    make_fake_tailscaled: Any,
) -> None:
    # Why the refusal above exists: with the operator pref only on the user's profile, a
    # new profile ends write access, and the user could not even be switched back.
    fake = make_fake_tailscaled(permission="operator", caller_user="player", user_operator="player")
    async with LocalClient(LocalEndpoint("unix", str(fake.socket_path))) as client:
        await client.new_profile()
        with pytest.raises(TailscaleNoPermission, match="access denied"):
            await client.start(await client.get_prefs())
        with pytest.raises(TailscaleNoPermission):
            await client.switch_profile("a1b2")


async def test_operator_without_own_login_joins_on_the_current_profile(
    make_fake_tailscaled: Any, ts_keys: MemoryKeyVerifier
) -> None:
    fake = make_fake_tailscaled(
        permission="operator", caller_user="player", with_user_profile=False
    )
    fake.call(lambda backend: backend.current.prefs.update(OperatorUser="player"))
    async with LocalClient(LocalEndpoint("unix", str(fake.socket_path))) as client:
        joiner = TailnetJoiner(client, user_name="player", is_root=False, platform="linux")
        await joiner.check_ready()
        result = await joiner.join(ts_keys.mint_key(), None, None, 10)
        snap = fake.snapshot()
        assert snap["current_prefs"]["OperatorUser"] == "player"  # kept: still writable
        assert snap["current"]["Name"] == result.profile_name
        assert "/localapi/v0/profiles/" not in [r.path for r in fake.requests if r.method == "PUT"]
        await joiner.leave()
        await joiner.aclose()
    assert ts_keys.joined == {} and len(ts_keys.left) == 1
    assert fake.snapshot()["profiles"] == {}


async def test_root_is_not_limited_by_the_operator_pref(
    make_fake_tailscaled: Any, ts_keys: MemoryKeyVerifier
) -> None:
    fake = make_fake_tailscaled(user_operator=getpass.getuser())  # full access, operator set
    async with LocalClient(LocalEndpoint("unix", str(fake.socket_path))) as client:
        joiner = TailnetJoiner(client, is_root=True, platform="linux")
        await joiner.check_ready()
        await joiner.join(ts_keys.mint_key(), None, None, 10)
        await joiner.leave()
        await joiner.aclose()
    assert fake.snapshot()["current"]["ID"] == "a1b2"
