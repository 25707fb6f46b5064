"""Root fixtures: every test runs with its own config directory, never the real home.

The shared helpers live in tests/support/ (the world, the wait helper, the rigs, the
fakes); Hypothesis runs the profile named by HYPOTHESIS_PROFILE (`dev` by default).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.support.properties import CI_EXAMPLES

pytest_plugins = [
    "tests.support.world",
    "tests.support.sim",
    "tests.support.auth",
    "tests.support.tailscale",
    "tests.support.moonlight",
    "tests.support.play",
    "tests.support.faults",
    "tests.support.cli",
    "tests.support.language",
]

# Property tests: few examples while developing, many in CI (.ci/run sets ci).
# How fast examples are generated depends on the machine's load (four workers on two
# cores), not on the code under test: that health check is off.
_ANY_LOAD = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("dev", max_examples=25, **_ANY_LOAD)
settings.register_profile("ci", max_examples=CI_EXAMPLES, print_blob=True, **_ANY_LOAD)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.hookimpl(trylast=True)  # after tests/support/sim.py loads the validator
def pytest_collection_finish(session: pytest.Session) -> None:
    """Move what collection built (modules, test items, the validator) out of the
    garbage collector's sight: it lives for the whole run, and every full collection
    (the UI tests run one after each test) walked all of it again, about a second
    each time in a worker of the full suite."""
    gc.freeze()


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
