"""Finding tailscaled per platform, and the user-facing error texts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pawpado_desktop.errors import ExitCode, PawpadoError
from pawpado_desktop.tailscale.endpoint import (
    LINUX_SOCKETS,
    WINDOWS_PIPE,
    LocalEndpoint,
    _macsys_endpoint,
    _port_answers,
    discover_endpoint,
    find_tailscale,
    parse_same_user_proof,
)
from pawpado_desktop.tailscale.errors import (
    TailscaleError,
    TailscaleKeyRejected,
    TailscaleNoPermission,
    TailscaleNotInstalled,
    TailscaleNotRunning,
    TailscaleOperatorLimit,
)


async def test_socket_override_wins_everywhere() -> None:
    env = {"PAWPADO_TAILSCALE_SOCKET": "/tmp/x.sock"}
    for platform in ("linux", "darwin", "win32"):
        endpoint = await discover_endpoint(env, platform=platform)
        assert endpoint == LocalEndpoint("unix", "/tmp/x.sock")
    pipe = await discover_endpoint({"PAWPADO_TAILSCALE_SOCKET": r"\\.\pipe\ts"}, platform="win32")
    assert pipe.kind == "pipe"


async def test_platform_defaults() -> None:
    linux = await discover_endpoint({}, platform="linux")
    assert linux.kind == "unix" and linux.address in LINUX_SOCKETS
    assert await discover_endpoint({}, platform="win32") == LocalEndpoint("pipe", WINDOWS_PIPE)


def test_macos_app_store_proof_from_lsof_output() -> None:
    output = (
        "p123\nfcwd\nn/\n"
        "f12\nn/Users/al/Library/Group Containers/io.tailscale.ipn.macos/"
        "sameuserproof-51234-6f2a9c01d3\n"
    )
    endpoint = parse_same_user_proof(output)
    assert endpoint == LocalEndpoint("tcp", "127.0.0.1:51234", token="6f2a9c01d3")
    assert endpoint is not None and "6f2a9c01d3" not in repr(endpoint)
    assert parse_same_user_proof("p1\nn/somewhere/else\n") is None


def test_macos_standalone_port_link_and_token_file(tmp_path: Path) -> None:
    link = tmp_path / "ipnport"
    link.symlink_to("41999")
    (tmp_path / "sameuserproof-41999").write_text("deadbeef\n")
    assert _macsys_endpoint(str(link)) == LocalEndpoint("tcp", "127.0.0.1:41999", "deadbeef")
    (tmp_path / "sameuserproof-41999").unlink()  # not an admin: the file is unreadable
    assert _macsys_endpoint(str(link)) is None


async def test_standalone_port_is_used_only_if_something_listens() -> None:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    assert await _port_answers(f"127.0.0.1:{port}") is True
    server.close()
    await server.wait_closed()
    assert await _port_answers(f"127.0.0.1:{port}") is False


def test_find_tailscale(tmp_path: Path) -> None:
    assert find_tailscale({}, search_dirs=[str(tmp_path)]) is None
    program = tmp_path / "tailscale"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    assert find_tailscale({}, search_dirs=[str(tmp_path)]) == str(program)
    assert find_tailscale({"PATH": str(tmp_path)}, platform="linux") == str(program)


def test_every_tailscale_error_is_a_pawpado_error_with_the_tailscale_exit_code() -> None:
    errors: list[TailscaleError] = [
        TailscaleNotInstalled(),
        TailscaleNotRunning("socket /x"),
        TailscaleNoPermission("profiles access denied", platform="linux"),
        TailscaleOperatorLimit(),
        TailscaleKeyRejected("auth key expired"),
    ]
    for error in errors:
        assert isinstance(error, PawpadoError)
        assert error.exit_code == ExitCode.TAILSCALE
        assert error.title and error.message


@pytest.mark.parametrize(
    ("platform", "expected"),
    [("linux", "systemctl"), ("darwin", "Tailscale app"), ("win32", "Start menu")],
)
def test_not_running_says_how_to_start_it(platform: str, expected: str) -> None:
    assert expected in TailscaleNotRunning("socket /x", platform=platform).message


def test_no_permission_on_linux_gives_the_exact_command() -> None:
    message = TailscaleNoPermission("access denied", platform="linux").message
    assert "sudo tailscale set --operator=$USER" in message
    assert "your own login" in message


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("auth key expired", "has expired"),
        ("auth key already used", "already used"),
        ("invalid key: unable to validate API key", "refused the key"),
    ],
)
def test_key_rejection_wording(reason: str, expected: str) -> None:
    error = TailscaleKeyRejected(reason)
    assert expected in error.message and reason in error.message
