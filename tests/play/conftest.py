"""The Play rig (tests/support/play.py) on this folder's world: 20x, boots of seconds."""

from __future__ import annotations

import pytest

from tests.support.play import PlayRig


@pytest.fixture
def rig(play_rig: PlayRig) -> PlayRig:
    return play_rig
