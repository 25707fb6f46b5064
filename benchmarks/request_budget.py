"""Request budget: API requests per minute in each phase, against each rate-limit class.

One signed-in core on a ScaledClock (shared with the simulator) lives through a
day in miniature: idle, a Play from a stopped PC with a slow (upper-end
production) boot, a stream, the stop, idle again, then a top-up watch that sees
no payment. The simulator's request log (its own clock, its own classes) is cut
into the server's fixed 60-second windows; every window that lies wholly in one
phase is one sample of that phase's requests per minute. A phase shorter than a
window is shown as its average rate, marked "(avg)".

The contract's limits per account: read 60/min, write 20/min, poll 30/min.
"""

from __future__ import annotations

import math
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from benchmarks import harness
from benchmarks.harness import Options
from benchmarks.report import Figure, Target, progress
from benchmarks.rig import bench_config, open_rig
from pawpado_desktop.clock import ScaledClock
from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.state import AppState, PlayPhase
from pawpado_desktop.sim.requestlog import RequestRecord

GROUP = "request budget per phase (ScaledClock)"
SPEED = 60.0
WINDOW = 60.0
LIMITS = {"read": 60, "write": 20, "poll": 30}
PHASE_OF = {
    PlayPhase.PREFLIGHT: "starting",
    PlayPhase.STARTING: "starting",
    PlayPhase.BOOTING: "starting",
    PlayPhase.WAITING_READY: "starting",
    PlayPhase.CONNECTING: "connecting",
    PlayPhase.PAIRING: "connecting",
    PlayPhase.STREAMING: "running",
    PlayPhase.GRACE: "running",
    PlayPhase.STOPPING: "stopping",
    PlayPhase.DONE: "idle",
    PlayPhase.FAILED: "idle",
    PlayPhase.CANCELLED: "idle",
}
ORDER = ("idle", "starting", "connecting", "running", "stopping", "top-up watch")


@dataclass(frozen=True)
class Segment:
    phase: str
    start: float  # simulator epoch seconds
    end: float


def segments(marks: list[tuple[float, str]], end: float) -> list[Segment]:
    out = []
    for (start, phase), (stop, _) in zip(marks, [*marks[1:], (end, "")], strict=True):
        if stop > start:
            out.append(Segment(phase, start, stop))
    return out


def per_minute(records: list[RequestRecord], segs: list[Segment]) -> dict[tuple[str, str], Figure]:
    """Samples of requests per minute, per (phase, class)."""
    windows: dict[tuple[str, str], list[float]] = defaultdict(list)
    averages: dict[tuple[str, str], list[float]] = defaultdict(list)
    paths: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for seg in segs:
        inside = [r for r in records if seg.start <= r.at < seg.end and r.rate_class]
        for r in inside:
            paths[(seg.phase, str(r.rate_class))][f"{r.method} {r.path}"] += 1
        first = math.ceil(seg.start / WINDOW) * WINDOW
        whole = [(w, w + WINDOW) for w in _frange(first, seg.end - WINDOW, WINDOW)]
        for rate_class in LIMITS:
            mine = [r for r in inside if r.rate_class == rate_class]
            if whole:
                windows[(seg.phase, rate_class)] += [
                    float(sum(1 for r in mine if a <= r.at < b)) for a, b in whole
                ]
            else:
                averages[(seg.phase, rate_class)].append(len(mine) * WINDOW / (seg.end - seg.start))
    figures = {}
    for phase in ORDER:
        for rate_class, limit in LIMITS.items():
            key = (phase, rate_class)
            samples = windows.get(key) or averages.get(key)
            if not samples:
                continue
            avg = "" if windows.get(key) else " (avg)"
            figures[key] = Figure(
                GROUP,
                f"{phase}: {rate_class} requests/min{avg}",
                "/min",
                samples,
                Target(limit, f"<= {limit}/min", on="max"),
                note=_mix(paths[key]),
            )
    return figures


def _mix(paths: Counter[str]) -> str:
    """Which calls make up a busy figure (only worth saying above a few a minute)."""
    total = sum(paths.values())
    if total < 20:
        return ""
    return ", ".join(f"{path} {100 * n // total}%" for path, n in paths.most_common(3))


def _frange(first: float, last: float, step: float) -> list[float]:
    values = []
    value = first
    while value <= last:
        values.append(value)
        value += step
    return values


def peaks(records: list[RequestRecord]) -> list[Figure]:
    """The busiest server window of the whole run, per class (what the limiter counts)."""
    counts: dict[tuple[str, float], int] = defaultdict(int)
    for r in records:
        if r.rate_class:
            counts[(r.rate_class, math.floor(r.at / WINDOW))] += 1
    figures = []
    for rate_class, limit in LIMITS.items():
        busiest = max((n for (c, _), n in counts.items() if c == rate_class), default=0)
        figures.append(
            Figure(
                GROUP,
                f"busiest server window, whole run: {rate_class}",
                "/min",
                [float(busiest)],
                Target(limit, f"<= {limit}/min", on="max"),
            )
        )
    return figures


async def one_day(idle_s: float, running_s: float) -> list[Figure]:
    clock = ScaledClock(SPEED)
    config = bench_config(
        provisioning_seconds=90.0,
        starting_seconds=120.0,
        ready_delay_seconds=30.0,
        stopping_seconds=30.0,
        # Pairing runs on real time (Moonlight's processes): at 60x the usual two
        # minutes of PIN life would be two real seconds.
        pin_lifetime=900.0,
    )
    rig = await open_rig(config, clock=clock, stream_seconds=running_s / SPEED)
    marks: list[tuple[float, str]] = []

    def mark(phase: str) -> None:
        if not marks or marks[-1][1] != phase:
            marks.append((clock.now().timestamp(), phase))

    def on_state(old: AppState, new: AppState) -> None:
        if new.play.phase is not old.play.phase and new.play.phase in PHASE_OF:
            mark(PHASE_OF[new.play.phase])

    try:
        rig.watch(on_state)
        mark("idle")
        await clock.sleep(idle_s)
        await rig.core.play(PlayOptions(grace_minutes=0))
        mark("idle")
        await clock.sleep(2 * WINDOW)
        mark("top-up watch")
        await rig.core.topup(Decimal(30000), open_browser=False)
        await rig.core.wait_for_topup()  # nobody pays: the watch runs its full course
        end = clock.now().timestamp()
        records = rig.sim.control.request_log()
        limited = rig.sim.control.rate_limited_counts()
    finally:
        await rig.close()
    figures = list(per_minute(records, segments(marks, end)).values())
    figures += peaks(records)
    figures.append(
        Figure(
            GROUP,
            "429 answers from the simulator's limiter, whole run",
            "count",
            [float(sum(limited.values()))],
            Target(0, "0", on="max"),
        )
    )
    return figures


async def measure(options: Options) -> list[Figure]:
    idle_s = (5 if options.quick else 10) * WINDOW
    running_s = (3 if options.quick else 5) * WINDOW
    progress(
        f"request budget: idle {idle_s / 60:g} min, stream {running_s / 60:g} min at {SPEED:g}x"
    )
    return await one_day(idle_s, running_s)


if __name__ == "__main__":
    sys.exit(harness.main(measure))
