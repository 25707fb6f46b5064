"""Time-to-play overhead: from the server setting `ready` to the stream process spawned.

Real clock throughout (no ScaledClock): the simulator's phases are short
(0.5 s each) but the core polls, waits and spawns exactly as in production.
For each injected round-trip time (0, 50, 150 ms on every request to the
simulator, including the fakes' calls to the simulated host) and for a
Moonlight that is already paired and one that must pair:

- ready noticed: the simulator's instant of the ready transition to the
  moment the core's state holds a playable session;
- ready -> spawn: that instant to the return of `create_subprocess_exec` for
  `moonlight stream` (the child has exec'd), and the part after noticing.

Unpaired runs use a fresh world each (new simulator, new Moonlight identity);
paired runs share one world after a warm-up Play that pairs. The ready delay
is spread over the core's poll interval while it waits for ready (with some
slack) so the runs meet every poll offset.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from benchmarks import harness
from benchmarks.harness import Options
from benchmarks.report import Figure, Target, progress
from benchmarks.rig import Rig, bench_config, first_ready, open_rig
from pawpado_desktop.core.polling import SESSION_READYING_S
from pawpado_desktop.sim.fake_moonlight import read_log

GROUP = "time-to-play (real clock, short phases)"
LATENCIES_S = (0.0, 0.05, 0.15)
NOTICE_MEDIAN_S = 0.6
NOTICE_MAX_S = 1.2
PAIRED_SLACK_S = 0.2
PAIRING_SLACK_S = 1.5
PAIRED_AT_50_MS_S = 1.0  # ready -> spawn, paired, at 50 ms per round trip
POLL_S = 2 * SESSION_READYING_S  # two poll intervals: every offset, and the phase ramp
READY_DELAY_MIN_S = 0.5


@dataclass(frozen=True)
class PlaySample:
    ready_at: float
    noticed_at: float
    spawned_at: float
    paired_already: bool
    list_s: float  # the `moonlight list` check before streaming
    pair_s: float  # the whole pairing step (0 when already paired)

    @property
    def notice_delay(self) -> float:
        return self.noticed_at - self.ready_at

    @property
    def ready_to_spawn(self) -> float:
        return self.spawned_at - self.ready_at

    @property
    def noticed_to_spawn(self) -> float:
        return self.spawned_at - self.noticed_at


def ready_delays(runs: int) -> list[float]:
    """Ready delays spread evenly over POLL_S.

    With fixed phases the poll that sees `ready` would land at the same offset
    every run; spreading the delay samples every offset the user can meet.
    """
    return [READY_DELAY_MIN_S + POLL_S * (i + 0.5) / runs for i in range(runs)]


async def timed_play(rig: Rig, ready_delay: float = READY_DELAY_MIN_S) -> PlaySample:
    rig.sim.control.set_phase_durations(ready_delay=ready_delay)
    noticed: list[float] = []
    unsubscribe = rig.core.store.subscribe(first_ready(noticed.append))
    try:
        steps_from = len(rig.streamer.steps)
        await rig.play_and_keep()
    finally:
        unsubscribe()
    ready_at = rig.ready_at()
    spawned_at, pid = rig.streamer.spawned[-1]
    logged = [e for e in read_log(rig.moonlight_home) if e.get("pid") == pid and "argv" in e]
    if not logged or logged[0]["argv"][:1] != ["stream"]:
        raise RuntimeError(f"pid {pid} is not a logged `moonlight stream` run")
    steps = rig.streamer.steps[steps_from:]
    lists = [s for s in steps if s.name == "is_paired"]
    pairs = [s for s in steps if s.name == "pair"]
    await rig.stop_session()
    if not noticed:
        raise RuntimeError("the core never saw the session ready")
    return PlaySample(
        ready_at=ready_at,
        noticed_at=noticed[0],
        spawned_at=spawned_at,
        paired_already=not pairs,
        list_s=lists[0].ended - lists[0].started if lists else 0.0,
        pair_s=sum(p.ended - p.started for p in pairs),
    )


async def unpaired_samples(latency: float, runs: int) -> list[PlaySample]:
    samples = []
    for delay in ready_delays(runs):
        rig = await open_rig(bench_config(), latency_s=latency)
        try:
            samples.append(await timed_play(rig, delay))
        finally:
            await rig.close()
    return samples


async def paired_samples(latency: float, runs: int) -> list[PlaySample]:
    rig = await open_rig(bench_config(), latency_s=latency)
    try:
        await timed_play(rig)  # warm-up: pairs this Moonlight with the host
        samples = []
        for delay in ready_delays(runs):
            rig.fresh_minute()
            samples.append(await timed_play(rig, delay))
        return samples
    finally:
        await rig.close()


def figures_for(
    latency: float, paired: list[PlaySample], pairing: list[PlaySample]
) -> list[Figure]:
    rtt = f"RTT {latency * 1000:.0f} ms"
    paired_limit = 3 * latency + PAIRED_SLACK_S
    pairing_limit = 3 * latency + PAIRING_SLACK_S
    if any(not s.paired_already for s in paired) or any(s.paired_already for s in pairing):
        raise RuntimeError("a run did not pair (or paired) as its group expects")
    return [
        Figure(
            GROUP,
            f"ready noticed after server set it, {rtt}",
            "s",
            [s.notice_delay for s in paired + pairing],
            Target(NOTICE_MEDIAN_S, f"<= {NOTICE_MEDIAN_S} s"),
        ),
        Figure(
            GROUP,
            f"ready noticed, worst run, {rtt}",
            "s",
            [s.notice_delay for s in paired + pairing],
            Target(NOTICE_MAX_S, f"<= {NOTICE_MAX_S} s", on="max"),
        ),
        Figure(
            GROUP,
            f"ready -> stream spawn, paired, {rtt}",
            "s",
            [s.ready_to_spawn for s in paired],
            Target(PAIRED_AT_50_MS_S, f"<= {PAIRED_AT_50_MS_S} s") if latency == 0.05 else None,
        ),
        Figure(
            GROUP,
            f"  of which after noticing, paired, {rtt}",
            "s",
            [s.noticed_to_spawn for s in paired],
            Target(paired_limit, f"<= {paired_limit:.2f} s (3 RTT + 0.2 s)"),
        ),
        Figure(
            GROUP,
            f"  `moonlight list` check, paired, {rtt}",
            "s",
            [s.list_s for s in paired],
        ),
        Figure(
            GROUP,
            f"ready -> stream spawn, pairing, {rtt}",
            "s",
            [s.ready_to_spawn for s in pairing],
        ),
        Figure(
            GROUP,
            f"  of which after noticing, pairing, {rtt}",
            "s",
            [s.noticed_to_spawn for s in pairing],
            Target(pairing_limit, f"<= {pairing_limit:.2f} s (3 RTT + 1.5 s)"),
        ),
        Figure(
            GROUP,
            f"  pairing step (list, PIN, pair, confirm), {rtt}",
            "s",
            [s.pair_s for s in pairing],
        ),
    ]


async def measure(options: Options) -> list[Figure]:
    runs = options.count(full=3, quick=1)
    figures: list[Figure] = []
    for latency in LATENCIES_S:
        progress(f"time-to-play at {latency * 1000:.0f} ms: {runs} paired, {runs} pairing")
        paired = await paired_samples(latency, runs)
        pairing = await unpaired_samples(latency, runs)
        figures += figures_for(latency, paired, pairing)
    return figures


if __name__ == "__main__":
    sys.exit(harness.main(measure))
