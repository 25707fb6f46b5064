"""The core alone in its own process, signed in and idle; started by `idle_core`.

It reads its orders as JSON on stdin (the tokens too: secrets stay off the
command line), builds the core with the real factory against the simulator
its parent runs, lets the first polls settle, then idles for the given span
and prints one JSON line: memory, CPU time and wake-ups over that span.

On a compressed clock it first aligns its ScaledClock with the parent's
simulator (same speed, same "now"), so the server's rate windows and token
lifetimes line up with the core's idea of time.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from typing import Any

from benchmarks.procstat import context_switches, cpu_seconds, rss_mib
from pawpado_desktop.auth.manager import AuthManager
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.cli.wiring import wiring_from_env
from pawpado_desktop.clock import Clock, ScaledClock
from pawpado_desktop.core.factory import build_core


def aligned_clock(speed: float, sim_epoch: float, sim_mono: float) -> Clock | None:
    """A ScaledClock showing the parent's simulator time; None (system clock) at speed 1."""
    if speed == 1:
        return None
    clock = ScaledClock(speed)
    # time.monotonic() is one clock for every process on the machine.
    target = sim_epoch + (time.monotonic() - sim_mono) * speed
    clock.advance(target - clock.now().timestamp())
    return clock


def snapshot(*, opening: bool) -> dict[str, float]:
    """Memory after a full collection; CPU and switches read on the span's side of it."""
    if opening:
        gc.collect()
    figures = {
        "cpu_s": cpu_seconds(),
        "switches": float(context_switches()),
        "real": time.monotonic(),
    }
    if not opening:
        gc.collect()
    return figures | {"rss_mib": rss_mib(), "blocks": float(sys.getallocatedblocks())}


async def run(orders: dict[str, Any]) -> dict[str, Any]:
    speed = float(orders["speed"])
    clock = aligned_clock(speed, orders["sim_epoch"], orders["sim_mono"])
    core = await build_core(wiring_from_env(os.environ, clock=clock))
    auth = core._services.auth
    assert isinstance(auth, AuthManager)
    await auth.store.save(TokenSet.from_response(orders["tokens"], core.clock.now()))
    await core.start()
    await core.clock.sleep(float(orders["settle_s"]))
    start = snapshot(opening=True)
    series = [start["rss_mib"]]
    span = float(orders["span_s"])
    step = float(orders["sample_every_s"])
    waited = 0.0
    while waited < span:
        await core.clock.sleep(min(step, span - waited))
        waited += step
        series.append(rss_mib())
    end = snapshot(opening=False)
    result = {
        "start": start,
        "end": end,
        "rss_series": series,
        "polls": dict(core._poller.polls),
        "signed_in": core.store.state.signed_in,
    }
    await core.aclose()
    return result


def main() -> int:
    orders = json.loads(sys.stdin.read())
    result = asyncio.run(run(orders))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
