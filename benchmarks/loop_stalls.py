"""Event-loop stalls during start-up and a full Play, with a slow keyring.

The keyring is `benchmarks.slow_keyring.SlowKeyring` chosen through
PYTHON_KEYRING_BACKEND, the way a user's configuration would be, so the real
backend choice and the real KeyringStore (chunks on one worker thread) run.
Every keyring call takes 300 ms. Access tokens live 5 s, so the Play refreshes
them (re-read, redeem, save) several times while it runs.

Each run is a fresh process (`--one-run`), as the app is at launch: cold
imports and first connections happen inside what is measured. A `StallWatch`
times every callback of its loop, first during `Core.start()` (the stored
sign-in is read), then through a full Play from a stopped PC with first-time
pairing, the stream and the stop. Real clock, short simulator phases. The world
runs in a third process so its threads do not take the GIL from the loop.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from benchmarks import harness
from benchmarks.harness import PROJECT, Options
from benchmarks.loopwatch import StallWatch
from benchmarks.report import Figure, Target, progress
from benchmarks.rig import apply_env, signed_in_core
from benchmarks.slow_keyring import DELAY_ENV, SlowKeyring
from benchmarks.world_process import WorldProcess
from pawpado_desktop.core.play import PlayOptions

GROUP = "event-loop stalls (slow keyring, 300 ms per call)"
STALL_TARGET_S = 0.030
TOKEN_LIFETIME_S = 5.0
SLOW_KEYRING = {
    "PAWPADO_CREDENTIAL_STORE": None,
    "PYTHON_KEYRING_BACKEND": "benchmarks.slow_keyring.SlowKeyring",
    DELAY_ENV: "0.3",
}


def summary(watch: StallWatch) -> dict[str, Any]:
    worst = watch.slowest[0] if watch.slowest else None
    return {
        "longest_ms": watch.longest * 1000,
        "over": watch.over(STALL_TARGET_S),
        "callbacks": watch.callbacks,
        "gc_ms": watch.longest_gc * 1000,
        "full_gcs": watch.full_collections,
        "what": worst.what if worst else "",
        "where": worst.stack if worst else "",
    }


async def one_run() -> dict[str, Any]:
    async with WorldProcess({}, stream_seconds=1.0) as world:
        apply_env(world.env, SLOW_KEYRING)
        await world.admin("POST", "/_sim/huudis/token-lifetime", {"seconds": TOKEN_LIFETIME_S})
        core = await signed_in_core(None, await world.admin("POST", "/_sim/huudis/sign-in", {}))
        loop = asyncio.get_running_loop()
        try:
            with StallWatch(loop) as at_start:
                await core.start()
            calls_before = SlowKeyring.calls
            await world.admin("POST", "/_sim/requests/clear")
            with StallWatch(loop) as in_play:
                await core.play(PlayOptions(grace_minutes=0))
            keyring_calls = SlowKeyring.calls - calls_before
            log = (await world.admin("GET", "/_sim/requests"))["records"]
        finally:
            await core.aclose()
    return {
        "start": summary(at_start),
        "play": summary(in_play),
        "keyring_calls": keyring_calls,
        "refreshes": sum(1 for r in log if r["path"].endswith("/token")),
    }


async def fresh_process_run() -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.loop_stalls",
        "--one-run",
        stdout=asyncio.subprocess.PIPE,
        cwd=PROJECT,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"a stall run failed with exit code {process.returncode}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def culprit(runs: list[dict[str, Any]]) -> str:
    worst = max(runs, key=lambda r: float(r["longest_ms"]))
    if not worst["what"]:
        return ""
    where = f" | at: {worst['where']}" if worst["where"] else ""
    return f"worst {worst['longest_ms']:.1f} ms in {worst['what']}{where}"


def figures(results: list[dict[str, Any]]) -> list[Figure]:
    target = Target(STALL_TARGET_S * 1000, "<= 30 ms", on="max")
    starts = [r["start"] for r in results]
    plays = [r["play"] for r in results]
    return [
        Figure(
            GROUP,
            "longest callback during Core.start() (cold process)",
            "ms",
            [s["longest_ms"] for s in starts],
            target,
            note=culprit(starts),
        ),
        Figure(
            GROUP,
            "longest callback during a full Play",
            "ms",
            [p["longest_ms"] for p in plays],
            target,
            note=culprit(plays),
        ),
        Figure(GROUP, "callbacks over 30 ms in the Play", "count", [p["over"] for p in plays]),
        Figure(GROUP, "longest GC pause in the Play", "ms", [p["gc_ms"] for p in plays]),
        Figure(GROUP, "callbacks run in the Play", "count", [p["callbacks"] for p in plays]),
        Figure(GROUP, "keyring calls in the Play", "count", [r["keyring_calls"] for r in results]),
        Figure(GROUP, "token refreshes in the Play", "count", [r["refreshes"] for r in results]),
    ]


async def measure(options: Options) -> list[Figure]:
    runs = options.count(full=3, quick=2)
    progress(f"loop stalls: {runs} fresh processes, start-up + a full Play, slow keyring")
    return figures([await fresh_process_run() for _ in range(runs)])


def one_run_main() -> int:
    harness.quiet_simulator()
    print(json.dumps(asyncio.run(one_run())), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--one-run"]:
        sys.exit(one_run_main())
    sys.exit(harness.main(measure))
