"""Fixtures of the hardening suite: the Play rig, wired as the app wires it, at 20x.

- `rig`: the Play rig (tests/support/play.py). `hrig` is the same rig with the
  factory's sign-in wiring added (a sign-in that ends server-side reaches the core
  as it does in the app).
- Helpers (`left_clean`, `shown_error`, `on_phase`, ...) are in tests/support/play.py;
  `disk_full` and the failing keyrings in tests/support/faults.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from pawpado_desktop.auth.manager import AuthManager
from pawpado_desktop.moonlight import Moonlight, MoonlightTimeouts
from tests.support.play import PlayRig, wire_sign_in_events


@pytest.fixture
def moonlight_knobs() -> dict[str, Any]:
    return {"stream_seconds": 0.5, "save_seconds": 0.1}


@pytest.fixture
def rig(play_rig: PlayRig) -> PlayRig:
    return play_rig


@pytest.fixture
def hrig(rig: PlayRig) -> PlayRig:
    """The Play rig plus the factory's reaction to sign-in events.

    Moonlight closes its pair dialog 0.2 s (not 1 s) after the pairing is confirmed:
    the fake saves it after 0.1 s, and every Play here pairs.
    """
    services = rig.core.services
    assert isinstance(services.auth, AuthManager)
    wire_sign_in_events(rig.core, services.auth)
    services.streamer = Moonlight(
        settings=services.local, clock=rig.clock, timeouts=MoonlightTimeouts(save_grace=0.2)
    )
    return rig
