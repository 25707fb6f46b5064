"""Fixtures of the hardening suite: the Play rig, wired as the app wires it, at 20x.

- `rig`: the Play rig (tests/support/play.py). `hrig` is the same rig with Moonlight's
  pair dialog closed sooner (the rig is built by the app's factory, so a sign-in
  that ends server-side reaches the core as it does in the app).
- Helpers (`left_clean`, `shown_error`, `on_phase`, ...) are in tests/support/play.py;
  `disk_full` and the failing keyrings in tests/support/faults.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from pawpado_desktop.moonlight import MoonlightTimeouts
from tests.support.play import PlayRig


@pytest.fixture
def moonlight_knobs() -> dict[str, Any]:
    return {"stream_seconds": 0.5, "save_seconds": 0.1}


@pytest.fixture
def rig(play_rig: PlayRig) -> PlayRig:
    return play_rig


@pytest.fixture
def moonlight_timeouts() -> MoonlightTimeouts:
    """Moonlight closes its pair dialog 0.2 s (not 1 s) after the pairing is confirmed:
    the fake saves it after 0.1 s, and every Play here pairs."""
    return MoonlightTimeouts(save_grace=0.2)


@pytest.fixture
def hrig(rig: PlayRig) -> PlayRig:
    """The Play rig: built by the app's own factory, so a sign-in that ends server-side
    reaches the core as it does in the app."""
    return rig
