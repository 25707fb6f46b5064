"""Pipelined Play (join the tailnet while the PC boots) against the sequential baseline.

The measured span is the user's wait: from Play pressed to the `moonlight stream`
process spawned. Both modes run on the same world, alternating, after a warm-up
Play that pairs Moonlight, so only the order of the tailnet join differs.

Time is compressed 5x: the simulator and the core share a ScaledClock, and
the fake tailscaled's login takes the modelled join time divided by the same
speed. Times are reported in the seconds they stand for (real x SPEED), so
what runs on real time (HTTP and LocalAPI round trips, the fake Moonlight's
process start) weighs SPEED times more than it would, in both modes alike;
its jitter, not a bias, is the noise in the gain. The production boot's fast
end (20+30+5 s) is used: the shorter the boot, the larger the share the join
could save, so this is the case most favourable to the 15 % target.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from benchmarks import harness
from benchmarks.harness import Options
from benchmarks.report import Figure, Target, progress
from benchmarks.rig import Rig, bench_config, open_rig
from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.core.play import PlayOptions

GROUP = "pipelined vs sequential Play (ScaledClock)"
SPEED = 5.0
JOIN_MODEL_S = 3.0  # a Tailscale auth-key login: register, netmap, first path


@dataclass(frozen=True)
class Profile:
    name: str
    provisioning: float
    starting: float
    ready_delay: float

    @property
    def boot(self) -> float:
        return self.provisioning + self.starting + self.ready_delay


FAST = Profile("fast boot 20+30+5 s", 20.0, 30.0, 5.0)


async def time_to_stream(rig: Rig, pipelined: bool) -> float:
    """Seconds of compressed real time from Play to the stream spawn."""
    pressed = time.time()
    await rig.core.play(PlayOptions(grace_minutes=0, keep_running=True, pipelined=pipelined))
    spawned, _ = rig.streamer.spawned[-1]
    await rig.stop_session()
    return spawned - pressed


async def compare(profile: Profile, runs: int) -> list[Figure]:
    """`runs` Plays per mode, alternating which goes first."""
    config = bench_config(
        provisioning_seconds=profile.provisioning,
        starting_seconds=profile.starting,
        ready_delay_seconds=profile.ready_delay,
        stopping_seconds=2.0,
    )
    rig = await open_rig(config, clock=ScaledClock(SPEED), stream_seconds=0.2)
    try:
        assert rig.world.tailscaled is not None
        rig.world.tailscaled.backend.login_delay_s = JOIN_MODEL_S / SPEED
        await time_to_stream(rig, pipelined=True)  # warm-up: pairs, fills caches
        sequential: list[float] = []
        pipelined: list[float] = []
        for i in range(runs):
            for mode in (True, False) if i % 2 else (False, True):
                rig.fresh_minute()
                (pipelined if mode else sequential).append(await time_to_stream(rig, mode))
    finally:
        await rig.close()
    label = f"{profile.name}, join {JOIN_MODEL_S:g} s"
    scale = SPEED  # report compressed seconds as the seconds they stand for
    return [
        Figure(GROUP, f"Play -> stream, sequential, {label}", "s", [s * scale for s in sequential]),
        Figure(GROUP, f"Play -> stream, pipelined, {label}", "s", [p * scale for p in pipelined]),
        Figure(
            GROUP,
            f"  time saved by pipelining, {label}",
            "s",
            [(s - p) * scale for p, s in zip(pipelined, sequential, strict=True)],
        ),
        Figure(
            GROUP,
            f"pipelined / sequential, {label}",
            "ratio",
            [p / s for p, s in zip(pipelined, sequential, strict=True)],
            Target(0.85, "<= 0.85 (15 % faster)"),
            note=f"times are sim seconds (real x {SPEED:g}); boot alone is {profile.boot:g} s",
        ),
    ]


async def measure(options: Options) -> list[Figure]:
    runs = options.count(full=3, quick=1)
    progress(f"pipelining, {FAST.name}: {runs} runs per mode at {SPEED:g}x")
    return await compare(FAST, runs)


if __name__ == "__main__":
    sys.exit(harness.main(measure))
