"""Fault matrix, network side: what the user sees when Pawpado's answers go wrong mid-Play.

Every test ends with `left_clean`: whatever happened, nothing bills, the user's
Tailscale profile is back and no Moonlight process is left behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.api.errors import NetworkError, RateLimited, ServerError
from pawpado_desktop.auth.manager import AuthManager
from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.present.notices import notice_text
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.play import (
    CONNECT,
    KEY,
    PAIR,
    POLL,
    SETTINGS,
    START,
    STOP,
    PlayRig,
    left_clean,
    on_phase,
    shown_error,
)

# The connection breaks half-way through the answer.
CUT = FaultResponse(200, b'{"state": "runn', content_type="application/json", disconnect=True)
BROKE_OFF = "The connection to Pawpado broke off"


def json_fault(status: int, code: str, message: str, **headers: str) -> FaultResponse:
    body = json.dumps({"error": code, "message": message}).encode()
    return FaultResponse(status, body, "application/json", tuple(headers.items()))


@dataclass(frozen=True)
class Drop:
    """In `phase`, the next `count` answers to `path` are cut off."""

    phase: PlayPhase
    path: str
    count: int

    def __str__(self) -> str:
        return self.phase.value

    @property
    def write(self) -> bool:
        return self.path in (START, STOP, KEY, PAIR)

    def arm(self, rig: PlayRig, armed: dict[PlayPhase, float]) -> None:
        """Cut the answers from the moment the Play enters the phase; note when."""
        control = rig.sim.control

        def cut() -> None:
            control.clear_faults()  # what an earlier phase left over is not this one's
            # For writes the request went through and only its answer was lost.
            control.replace_responses(self.path, CUT, count=self.count, after=self.write)
            armed[self.phase] = control.now()

        on_phase(rig, self.phase, cut)


# Reads are retried (three tries), so a drop must outlast them to fail a read.
FATAL_DROPS = [
    Drop(PlayPhase.PREFLIGHT, SETTINGS, 3),  # only Play reads the settings
    Drop(PlayPhase.BOOTING, KEY, 1),
    Drop(PlayPhase.CONNECTING, CONNECT, 3),
    Drop(PlayPhase.PAIRING, PAIR, 1),
]
SURVIVABLE_DROPS = [
    Drop(PlayPhase.STARTING, START, 1),  # the start is looked for, found, not repeated
    Drop(PlayPhase.WAITING_READY, POLL, 6),
    Drop(PlayPhase.STREAMING, POLL, 6),
    Drop(PlayPhase.GRACE, POLL, 3),
    Drop(PlayPhase.STOPPING, STOP, 1),  # the stop is looked for and found to have worked
]


@pytest.mark.parametrize("drop", FATAL_DROPS, ids=str)
async def test_connection_dropped_where_nothing_can_go_on(hrig: PlayRig, drop: Drop) -> None:
    drop.arm(hrig, {})
    with pytest.raises(NetworkError):
        await hrig.core.play(PlayOptions(grace_minutes=0))
    assert hrig.phases[-1] is PlayPhase.FAILED
    assert BROKE_OFF in shown_error(hrig).message
    assert hrig.requests(START) == (0 if drop.phase is PlayPhase.PREFLIGHT else 1)
    await left_clean(hrig)


async def test_connection_dropped_in_every_other_phase_is_ridden_out(hrig: PlayRig) -> None:
    """One Play, a cut connection in each of the phases it can survive."""
    armed: dict[PlayPhase, float] = {}
    for drop in SURVIVABLE_DROPS:
        drop.arm(hrig, armed)
    assert await hrig.core.play(PlayOptions(grace_minutes=0.5)) is PlayPhase.DONE

    cut = [r for r in hrig.sim.control.request_log() if r.faulted]
    ends = [armed[d.phase] for d in SURVIVABLE_DROPS[1:]] + [float("inf")]
    for drop, end in zip(SURVIVABLE_DROPS, ends, strict=True):
        hits = [r for r in cut if r.path == drop.path and armed[drop.phase] <= r.at < end]
        assert hits, f"no answer was cut while {drop.phase.value}"
    assert hrig.requests(START) == 1 and hrig.requests(STOP) == 1  # never sent twice
    assert not any(n.kind.value == "error" for n in hrig.notices)
    assert [p for p in hrig.phases if p is PlayPhase.STREAMING] == [PlayPhase.STREAMING]
    await left_clean(hrig)


async def test_pawpado_unreachable_mid_stream_says_the_pc_may_still_bill(hrig: PlayRig) -> None:
    """Network gone from the stream on: the stop cannot be sent, and the user hears so."""
    control = hrig.sim.control
    on_phase(
        hrig, PlayPhase.STREAMING, lambda: control.replace_responses("/api/v1/*", CUT, count=10_000)
    )
    with pytest.raises(NetworkError):
        await hrig.core.play(PlayOptions(grace_minutes=0))

    assert hrig.core.store.state.offline  # the tray shows it is offline
    warning = [notice_text(n) for n in hrig.notices if n.kind.value == "warning"][-1]
    assert "still be running and billing" in warning and "pawpado-desktop stop" in warning
    assert hrig.user_profile_back()  # the tailnet was left even so
    control.clear_faults()  # back online: the user stops it as told
    await hrig.core.stop_session()
    await left_clean(hrig)


async def test_5xx_burst_on_reads_mid_play_is_ridden_out(hrig: PlayRig) -> None:
    control = hrig.sim.control
    burst = FaultResponse(503, b"<html><body>Service Unavailable</body></html>")
    offline_seen: list[str] = []
    hrig.core.store.subscribe(
        lambda old, new: offline_seen.append(str(new.offline)) if new.offline else None
    )
    on_phase(
        hrig,
        PlayPhase.BOOTING,
        lambda: control.replace_responses("/api/v1/*", burst, count=12, method="GET"),
    )

    assert await hrig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE
    assert sum(1 for r in control.request_log() if r.faulted and r.status == 503) == 12
    assert offline_seen and "trouble" in offline_seen[0]  # said while it lasted...
    assert hrig.core.store.state.offline == ""  # ...and cleared once it was over
    await left_clean(hrig)


async def test_5xx_on_a_write_mid_play_fails_clearly_and_stops(hrig: PlayRig) -> None:
    control = hrig.sim.control
    control.replace_responses(PAIR, json_fault(500, "INTERNAL", "database unavailable"), count=1)
    with pytest.raises(ServerError):
        await hrig.core.play(PlayOptions(grace_minutes=0))
    error = shown_error(hrig)
    assert error.title == "Pawpado had a problem" and "database unavailable" in error.message
    await left_clean(hrig)


async def test_429_storm_mid_play_is_waited_out_without_hammering(hrig: PlayRig) -> None:
    control = hrig.sim.control
    storm = json_fault(429, "RATE_LIMITED", "Slow down", **{"Retry-After": "4"})
    on_phase(
        hrig,
        PlayPhase.WAITING_READY,
        lambda: control.replace_responses("/api/v1/*", storm, count=8),
    )

    assert await hrig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE
    storm_answers = [r for r in control.request_log() if r.faulted]
    assert len(storm_answers) == 8
    # Each 429 parks its class for Retry-After (4 s): at most a few tries per class
    # and per 4 s, not one every poll interval.
    span = storm_answers[-1].at - storm_answers[0].at
    assert len(storm_answers) <= 3 * (span / 4 + 1)
    assert sum(control.rate_limited_counts().values()) == 0  # never a real 429 after it
    await left_clean(hrig)


async def test_429_on_the_stop_is_waited_out_not_left_billing(hrig: PlayRig) -> None:
    control = hrig.sim.control
    storm = json_fault(429, "RATE_LIMITED", "Slow down", **{"Retry-After": "3"})
    control.replace_responses(STOP, storm, count=1)

    assert await hrig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE
    assert hrig.requests(STOP) == 2
    await left_clean(hrig)


async def test_429_on_a_write_mid_play_fails_clearly_and_stops(hrig: PlayRig) -> None:
    control = hrig.sim.control
    control.replace_responses(
        PAIR, json_fault(429, "RATE_LIMITED", "Slow down", **{"Retry-After": "3"}), count=1
    )
    with pytest.raises(RateLimited):
        await hrig.core.play(PlayOptions(grace_minutes=0))
    error = shown_error(hrig)
    assert error.title == "Too many requests" and "Try again in 3 s" in error.message
    await left_clean(hrig)


async def test_garbage_answers_while_booting_are_ridden_out(hrig: PlayRig) -> None:
    """HTML, empty, truncated, 10 MB and deeply nested answers to the polls: each a
    passing problem."""
    control = hrig.sim.control
    garbage = [
        FaultResponse(502, b"<html><body>Bad gateway</body></html>"),
        FaultResponse(200, b"", content_type="application/json"),
        FaultResponse(200, b'{"state": "running", "rea', content_type="application/json"),
        FaultResponse(200, b"<html>captive portal login</html>"),
        FaultResponse(200, b"[" * (10 << 20), content_type="application/json"),
        FaultResponse(200, b"[" * 500_000, content_type="application/json"),  # deep, not big
    ]

    def answer_with_garbage() -> None:
        for fault in garbage:  # served in this order, one poll each
            control.replace_responses(POLL, fault)

    on_phase(hrig, PlayPhase.BOOTING, answer_with_garbage)
    assert await hrig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE
    assert sum(1 for r in control.request_log() if r.faulted) == len(garbage)
    await left_clean(hrig)


async def test_a_slow_server_within_the_timeout_only_slows_play(hrig: PlayRig) -> None:
    hrig.sim.control.set_latency(0.3, POLL)
    hrig.sim.control.set_latency(0.3, START)
    assert await hrig.core.play(PlayOptions(grace_minutes=0)) is PlayPhase.DONE
    await left_clean(hrig)


async def test_a_start_that_times_out_is_reported_and_a_late_one_offered(hrig: PlayRig) -> None:
    """The server sits on the start past our timeout. Whether it carried it out is unknown,
    so the user is told to look; if it turns up running later, the app offers it."""
    core, control = hrig.core, hrig.sim.control
    auth = core._services.auth
    assert isinstance(auth, AuthManager)
    core._client = PawpadoClient(  # this computer's patience: one second per request
        hrig.sim.base_url, auth, clock=hrig.clock, timeout=httpx.Timeout(1.0)
    )
    control.set_latency(1.5, START)

    with pytest.raises(NetworkError) as info:
        await core.play(PlayOptions(grace_minutes=0))
    assert "did not answer in time" in info.value.message
    warnings = [notice_text(n) for n in hrig.notices if n.kind.value == "warning"]
    assert any("did not confirm whether your gaming PC started" in w for w in warnings)
    assert hrig.user_profile_back()

    # A proxy hands the start on late (the simulator drops requests whose caller left,
    # so the late start is played by hand):
    token = control.sign_in_directly().access_token
    async with httpx.AsyncClient() as http:
        late = await http.post(
            hrig.sim.base_url + START, headers={"Authorization": f"Bearer {token}"}
        )
    assert late.status_code == 200
    await core.refresh_session()
    found = [n for n in hrig.notices if n.kind.value == "session_found"]
    assert found and "Reconnect to it, or stop it" in notice_text(found[-1])
    await core.stop_session()
    await left_clean(hrig)  # (core.aclose at teardown closes the swapped-in client)
