"""A stored sign-in belongs to one server: switching servers never sends it elsewhere.

The CLI (in process) against two simulators; the other server's request log shows
what it was sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.auth import FileKeyring
from tests.support.cli import run_cli as cli

pytestmark = pytest.mark.world(auto_approve=True)


@pytest.fixture
def other_sim() -> Iterator[SimulatorServer]:
    server = SimulatorServer(SimConfig.fast(auto_approve=True))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["keyring", "file"])
def any_store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "file":
        monkeypatch.setenv("PAWPADO_CREDENTIAL_STORE", "file")
    else:
        request.getfixturevalue("file_keyring")
    return str(request.param)


def use(monkeypatch: pytest.MonkeyPatch, api: SimulatorServer, issuer: SimulatorServer) -> None:
    monkeypatch.setenv("PAWPADO_BASE_URL", api.base_url)
    monkeypatch.setenv("PAWPADO_AUTH_URL", issuer.issuer_url)


def sent_anything_signed_in(server: SimulatorServer) -> list[str]:
    """API calls and token requests `server` received (none carry a token it did not issue)."""
    return [
        f"{r.method} {r.path}"
        for r in server.control.request_log()
        if (r.path.startswith("/api/v1/") and r.path != "/api/v1/health")
        or r.path.endswith(("/token", "/revoke"))
    ]


async def test_switching_servers_keeps_each_sign_in_to_its_own_server(
    sim: SimulatorServer,
    other_sim: SimulatorServer,
    any_store: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use(monkeypatch, sim, sim)
    code, out, err = await cli("login", "--no-browser")
    assert code == 0, err

    # Another server (API and sign-in): nobody is signed in there, and nothing is sent.
    use(monkeypatch, other_sim, other_sim)
    code, out, err = await cli("whoami")
    assert code == ExitCode.NOT_SIGNED_IN, out + err
    assert "login" in err
    # Only the API moved: the sign-in was made for another API, so it is not used either.
    use(monkeypatch, other_sim, sim)
    code, out, err = await cli("whoami")
    assert code == ExitCode.NOT_SIGNED_IN, out + err
    assert sent_anything_signed_in(other_sim) == []

    # A sign-in made on the other server lives beside the first one.
    use(monkeypatch, other_sim, other_sim)
    code, out, err = await cli("login", "--no-browser")
    assert code == 0, err
    code, out, err = await cli("whoami")
    assert code == 0 and other_sim.config.email in out, err

    # Back to the first server: its sign-in survived and works, and was never revoked.
    use(monkeypatch, sim, sim)
    code, out, err = await cli("whoami")
    assert code == 0, err
    assert f"Huudis user ID: {sim.config.huudis_user_id}" in out
    for server in (sim, other_sim):
        stats = server.control.huudis_stats()
        assert stats.device_authorizations == 1
        assert stats.revoked_families == 0 and stats.revocation_requests == 0
        assert stats.reuse_detections == 0

    # Signing out of one server leaves the other's sign-in alone.
    code, out, err = await cli("logout")
    assert code == 0, err
    use(monkeypatch, other_sim, other_sim)
    code, out, err = await cli("whoami")
    assert code == 0, err
    assert other_sim.control.huudis_stats().revoked_families == 0


async def test_config_dirs_for_different_servers_do_not_share_the_keyring(
    sim: SimulatorServer,
    other_sim: SimulatorServer,
    file_keyring: FileKeyring,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    base = tmp_path
    monkeypatch.setenv("PAWPADO_CONFIG_DIR", str(base / "first"))
    use(monkeypatch, sim, sim)
    code, out, err = await cli("login", "--no-browser")
    assert code == 0, err

    monkeypatch.setenv("PAWPADO_CONFIG_DIR", str(base / "second"))
    use(monkeypatch, other_sim, other_sim)
    code, out, err = await cli("whoami")
    assert code == ExitCode.NOT_SIGNED_IN, out + err
    assert sent_anything_signed_in(other_sim) == []
    code, out, err = await cli("login", "--no-browser")
    assert code == 0, err

    monkeypatch.setenv("PAWPADO_CONFIG_DIR", str(base / "first"))
    use(monkeypatch, sim, sim)
    code, out, err = await cli("whoami")
    assert code == 0 and sim.config.email in out, err
    code, out, err = await cli("logout")  # signs out of the first server only
    assert code == 0, err
    monkeypatch.setenv("PAWPADO_CONFIG_DIR", str(base / "second"))
    use(monkeypatch, other_sim, other_sim)
    code, out, err = await cli("whoami")
    assert code == 0 and other_sim.config.email in out, err
