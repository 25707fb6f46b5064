"""Root fixtures: every test runs with its own config directory, never the real home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = [
    "tests.fixtures.sim",
    "tests.fixtures.auth",
    "tests.fixtures.tailscale",
    "tests.fixtures.moonlight",
]


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    config = tmp_path / "config"
    monkeypatch.setenv("PAWPADO_CONFIG_DIR", str(config))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    monkeypatch.delenv("PAWPADO_BASE_URL", raising=False)
    monkeypatch.delenv("PAWPADO_AUTH_URL", raising=False)
    yield config
