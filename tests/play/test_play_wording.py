"""Sentences the Play builds from parts read right in the tray and the CLI alike:
a server's message with or without its full stop, a duration of one, an attached
PC that is already running (issue 17, the text slips)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pawpado_desktop.api.errors import ServerError
from pawpado_desktop.core.play import PlayOptions, SessionEnded, StartFailed
from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.core.wording import clause, sentence
from pawpado_desktop.present.notices import notice_text
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.play import PlayRig

START = "/api/v1/sessions/start"


def test_sentences() -> None:
    assert sentence("Could not attach") == "Could not attach."
    assert sentence("Top up to play again.") == "Top up to play again."
    assert sentence("Why?") == "Why?"
    assert clause("It failed. ") == "It failed"


async def test_a_start_failure_without_a_full_stop_reads_as_two_sentences(rig: PlayRig) -> None:
    rig.sim.control.fail_next_start("provisioning", "Could not attach the disk")
    with pytest.raises(StartFailed) as info:
        await rig.core.play(PlayOptions(grace_minutes=0))
    assert "Could not attach the disk. Nothing more is charged." in info.value.message


@pytest.fixture
def moonlight_knobs() -> dict[str, object]:
    return {"stream_seconds": 300.0, "save_seconds": 0.2}  # streams until stopped


async def test_a_server_stop_message_keeps_one_full_stop(rig: PlayRig) -> None:
    play = asyncio.ensure_future(rig.core.play(PlayOptions(grace_minutes=0)))
    await rig.reach(PlayPhase.STREAMING)
    rig.sim.control.stop_session("Your balance ran out. Top up to play again.")
    with pytest.raises(SessionEnded) as info:
        await asyncio.wait_for(play, 60)
    assert "Top up to play again. The stream closed." in info.value.message
    assert ".." not in info.value.message


async def test_an_attached_running_pc_is_not_reported_as_booting(rig: PlayRig) -> None:
    token = rig.sim.control.sign_in_directly().access_token
    async with httpx.AsyncClient() as http:
        started = await http.post(
            rig.sim.base_url + START, headers={"Authorization": f"Bearer {token}"}
        )
    started.raise_for_status()
    while not rig.sim.control.session().get("ready"):
        await rig.clock.sleep(0.5)
    await rig.core.refresh_all()
    play = asyncio.ensure_future(rig.core.play(PlayOptions(keep_running=True)))
    await rig.reach(PlayPhase.STREAMING)
    rig.core.cancel_play()
    with pytest.raises(asyncio.CancelledError):
        await play
    assert PlayPhase.BOOTING not in rig.phases
    assert PlayPhase.WAITING_READY in rig.phases
    await rig.core.stop_session()


async def test_a_refused_start_with_an_error_body_says_no_more_than_the_error(
    rig: PlayRig,
) -> None:
    body = b'{"error": "INTERNAL", "message": "The provisioning queue is down"}'
    rig.sim.control.replace_responses(
        START, FaultResponse(500, body, content_type="application/json"), method="POST"
    )
    with pytest.raises(ServerError) as info:
        await rig.core.play(PlayOptions(grace_minutes=0))
    assert "The provisioning queue is down" in info.value.message
    warnings = [notice_text(n) for n in rig.notices if n.kind.value == "warning"]
    assert not any("did not confirm" in w for w in warnings)


async def test_a_bare_502_on_start_still_says_it_is_unknown(rig: PlayRig) -> None:
    rig.sim.control.replace_responses(START, FaultResponse(502, b""), method="POST")
    with pytest.raises(ServerError):
        await rig.core.play(PlayOptions(grace_minutes=0))
    warnings = [notice_text(n) for n in rig.notices if n.kind.value == "warning"]
    assert any("did not confirm whether your gaming PC started" in w for w in warnings)
