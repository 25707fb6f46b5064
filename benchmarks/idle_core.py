"""Idle cost of the core: memory growth over a simulated hour, CPU time and wake-ups.

Each sample is a separate process (`idle_worker`) running the core built by
the real factory, signed in, with no session: only the adaptive poller works
(session every 60 s, credits every 5 min, naps capped at 30 s). The simulator
runs here, in the parent, so the worker's memory is the core's alone.

- Compressed: a ScaledClock shared with the simulator turns one idle hour into
  3600/SPEED real seconds; RSS (after a full GC) is taken before and after.
  The work per simulated hour is the same as per real hour, so its CPU time
  over 3600 s is the idle CPU share. The httpx connection stays alive between
  compressed polls, while a real hour reconnects each minute: the real-time
  run below covers that.
- Real time: the same worker on the system clock for 60 s (20 s with --quick):
  CPU share and wake-ups per minute (context switches of all its threads).

Both kinds run side by side, several workers at once, each with its own world.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from benchmarks import harness
from benchmarks.harness import PROJECT, Options
from benchmarks.report import Figure, Target, progress
from benchmarks.rig import bench_config
from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.sim.demo_world import DemoWorld

GROUP_HOUR = "core idle hour (ScaledClock, no Qt)"
GROUP_REAL = "core idle, real time (no Qt)"
SPEED = 120.0
HOUR = 3600.0


@dataclass(frozen=True)
class Plan:
    speed: float
    settle_s: float  # clock seconds after start-up before the span begins
    span_s: float  # clock seconds measured
    sample_every_s: float


async def run_worker(plan: Plan) -> dict[str, Any]:
    clock = ScaledClock(plan.speed) if plan.speed != 1 else None
    world = DemoWorld(config=bench_config(), clock=clock)
    await asyncio.to_thread(world.start)
    try:
        assert world.sim is not None
        pair = world.sim.control.sign_in_directly()
        orders = {
            "speed": plan.speed,
            "sim_epoch": world.sim.control.now(),
            "sim_mono": time.monotonic(),
            "settle_s": plan.settle_s,
            "span_s": plan.span_s,
            "sample_every_s": plan.sample_every_s,
            "tokens": {
                "access_token": pair.access_token,
                "refresh_token": pair.refresh_token,
                "expires_in": pair.expires_in,
                "token_type": "Bearer",
            },
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.idle_worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, **world.env()},
            cwd=PROJECT,
        )
        out, _ = await process.communicate(json.dumps(orders).encode())
        if process.returncode != 0:
            raise RuntimeError(f"idle worker failed with exit code {process.returncode}")
        result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
        if not result["signed_in"] or result["polls"]["session"] < 1:
            raise RuntimeError(f"the idle worker did not poll as a signed-in core: {result}")
        return result
    finally:
        await asyncio.to_thread(world.stop)


def delta(result: dict[str, Any], key: str) -> float:
    return float(result["end"][key] - result["start"][key])


def hour_figures(results: list[dict[str, Any]]) -> list[Figure]:
    return [
        Figure(
            GROUP_HOUR,
            "core process RSS after start-up",
            "MiB",
            [r["start"]["rss_mib"] for r in results],
            note="the core alone: no Qt loaded (the tray's figures are under start-up)",
        ),
        Figure(
            GROUP_HOUR,
            "RSS growth over 1 simulated idle hour",
            "MiB",
            [delta(r, "rss_mib") for r in results],
            Target(1e6 / 2**20, "<= 1 MB (0.95 MiB)", on="max"),
        ),
        Figure(
            GROUP_HOUR,
            "Python heap blocks growth over the hour",
            "count",
            [delta(r, "blocks") for r in results],
        ),
        Figure(
            GROUP_HOUR,
            "CPU for 1 idle hour, share of one core",
            "%",
            [delta(r, "cpu_s") / HOUR * 100 for r in results],
            Target(0.02, "<= 0.02 %"),
        ),
        Figure(
            GROUP_HOUR,
            "wake-ups per idle minute",
            "/min",
            [delta(r, "switches") / (HOUR / 60) for r in results],
            note=f"includes {HOUR / 600:g} RSS samples per hour taken by the benchmark",
        ),
    ]


def real_figures(results: list[dict[str, Any]], span_s: float) -> list[Figure]:
    return [
        Figure(
            GROUP_REAL,
            f"CPU over {span_s:g} s idle, share of one core",
            "%",
            [delta(r, "cpu_s") / delta(r, "real") * 100 for r in results],
            Target(0.02, "<= 0.02 %"),
        ),
        Figure(
            GROUP_REAL,
            "wake-ups per minute",
            "/min",
            [delta(r, "switches") * 60 / delta(r, "real") for r in results],
            Target(10, "<= 10 /min"),
        ),
    ]


async def measure(options: Options) -> list[Figure]:
    workers = options.count(full=3, quick=2)
    real_span = 20.0 if options.quick else 60.0
    hour = Plan(SPEED, settle_s=120.0, span_s=HOUR, sample_every_s=600.0)
    real = Plan(1.0, settle_s=3.0, span_s=real_span, sample_every_s=real_span)
    progress(
        f"idle: {workers} workers x 1 simulated hour at {SPEED:g}x, "
        f"{workers} workers x {real_span:g} s real time"
    )
    results = await asyncio.gather(
        *(run_worker(hour) for _ in range(workers)), *(run_worker(real) for _ in range(workers))
    )
    return hour_figures(list(results[:workers])) + real_figures(list(results[workers:]), real_span)


if __name__ == "__main__":
    sys.exit(harness.main(measure))
