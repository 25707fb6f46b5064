"""Top up and play: a Play stopped for credit continues once a top-up is credited.

The browser is played by plain form posts to the simulator's checkout page that
follow its redirect back to the app's return page, as a browser does.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

from pawpado_desktop.api.errors import InsufficientCredits
from pawpado_desktop.core.checkout import TopupNotCompleted
from pawpado_desktop.core.notices import NoticeKind
from pawpado_desktop.core.play import PlayOptions, SessionEnded
from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.present.notices import notice_title
from tests.support.play import PlayRig

START = "/api/v1/sessions/start"


async def _checkout_page(rig: PlayRig, already: int = 0) -> str:
    async def opened() -> str:
        while len(rig.opened_urls) <= already:
            await asyncio.sleep(0.02)
        return rig.opened_urls[already]

    return await asyncio.wait_for(opened(), 30)


async def _press(url: str, button: str) -> httpx.Response:
    """Press Pay or Cancel on the checkout page; the browser follows it back to the app."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=10) as browser:
        return await browser.post(url, data={"action": button})


async def _refused_for_credit(rig: PlayRig) -> Decimal:
    rig.sim.control.set_balance(Decimal("2000.00"))
    await rig.core.refresh_credits()
    with pytest.raises(InsufficientCredits) as info:
        await rig.core.play(PlayOptions(grace_minutes=0))
    assert "Top up and play" in info.value.message
    assert "pawpado-desktop play --topup 30000" in info.value.message
    assert rig.notice_kinds()[-1] is NoticeKind.NEEDS_CREDIT
    offer = rig.core.store.state.topup_offer
    assert offer == Decimal(30000)  # an hour at Rp 500/min, more than the Rp 5.500 missing
    return offer


async def test_refused_for_credit_then_top_up_and_play_starts_by_itself(rig: PlayRig) -> None:
    offer = await _refused_for_credit(rig)
    play = asyncio.ensure_future(rig.core.topup_and_play(offer, PlayOptions(grace_minutes=0)))
    page = await _press(await _checkout_page(rig), "pay")
    assert "Back to Pawpado Desktop" in page.text  # the browser came back to the app

    assert await asyncio.wait_for(play, 120) is PlayPhase.DONE
    assert rig.requests(START, "POST") == 1
    assert PlayPhase.STREAMING in rig.phases
    kinds = rig.notice_kinds()
    assert kinds.index(NoticeKind.TOPUP_CREDITED) < kinds.index(NoticeKind.SESSION_READY)
    assert rig.core.store.state.topup_offer is None
    assert rig.user_profile_back()


async def test_a_cancelled_checkout_is_noticed_and_nothing_starts(rig: PlayRig) -> None:
    offer = await _refused_for_credit(rig)
    play = asyncio.ensure_future(rig.core.topup_and_play(offer))
    await _press(await _checkout_page(rig), "cancel")

    with pytest.raises(TopupNotCompleted) as info:
        await asyncio.wait_for(play, 30)
    assert "cancelled" in info.value.message and "Nothing was started" in info.value.message
    assert info.value.exit_code == 4
    assert [notice_title(n) for n in rig.notices if n.kind is NoticeKind.WARNING] == ["Top-up cancelled"]
    assert rig.requests(START, "POST") == 0
    assert rig.core.store.state.topup_offer == offer  # still short: the offer stands


async def test_an_expired_checkout_is_noticed(rig: PlayRig) -> None:
    offer = await _refused_for_credit(rig)
    play = asyncio.ensure_future(rig.core.topup_and_play(offer))
    await _checkout_page(rig)
    rig.clock.advance(31 * 60)  # past the checkout's expiresAt (30 minutes), never paid

    with pytest.raises(TopupNotCompleted) as info:
        await asyncio.wait_for(play, 60)
    assert "expired" in info.value.message
    assert [notice_title(n) for n in rig.notices if n.kind is NoticeKind.WARNING] == ["Top-up expired"]
    assert rig.requests(START, "POST") == 0


async def test_the_balance_running_out_mid_play_offers_top_up_and_play(rig: PlayRig) -> None:
    rig.sim.control.set_balance(Decimal("8000.00"))  # 16 minutes at 500/min
    await rig.core.refresh_credits()
    first = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=0)))
    await rig.reach(PlayPhase.STREAMING)
    rig.sim.control.advance_clock(17 * 60)  # the server stops it at zero
    with pytest.raises(SessionEnded):
        await first
    assert rig.notice_kinds()[-1] is NoticeKind.NEEDS_CREDIT
    offer = rig.core.store.state.topup_offer
    assert offer is not None
    await rig.session_state("stopped")

    again = asyncio.ensure_future(rig.core.topup_and_play(offer, PlayOptions(grace_minutes=0)))
    await _press(await _checkout_page(rig), "pay")
    assert await asyncio.wait_for(again, 120) is PlayPhase.DONE
    assert rig.requests(START, "POST") == 2
