"""Starting with too little credit (a world of its own: a small balance)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.api.errors import InsufficientCredits
from pawpado_desktop.api.tokens import StaticTokenProvider
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.sim import sign_in_directly

pytestmark = pytest.mark.world(balance=Decimal("1000.00"))


@pytest.fixture
async def client(sim: SimulatorServer) -> AsyncIterator[PawpadoClient]:
    tokens = StaticTokenProvider(sign_in_directly(sim).access_token)
    async with PawpadoClient(sim.base_url, tokens) as c:
        yield c


async def test_insufficient_credits(client: PawpadoClient) -> None:
    with pytest.raises(InsufficientCredits) as info:
        await client.start_session()
    assert info.value.exit_code == 4
    assert "Top up" in info.value.message
