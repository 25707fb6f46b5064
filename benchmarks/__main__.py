"""Run every benchmark and print one table: `uv run python -m benchmarks [--quick]`.

Each benchmark module runs in its own process (its own sealed environment, no
state shared between them); this runner prints their tables as they finish,
then all figures together. `--json` and `--markdown` save the combined figures
(the Markdown is what docs/PERFORMANCE.md quotes). The exit code is not about
the figures: it is non-zero only when a benchmark itself failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import PROJECT, ensure_bytecode
from benchmarks.report import Figure, load, markdown, print_table, save

# In the order they run: the start-up figures first, on a machine still quiet.
BENCHMARKS = {
    "startup": "tray start-up, RSS, idle CPU and wake-ups, import time",
    "idle_core": "the core's idle hour (memory growth, CPU) and real-time idle",
    "time_to_play": "ready noticed, ready -> stream spawn at 0/50/150 ms, paired/pairing",
    "pipelining": "pipelined vs sequential Play",
    "request_budget": "requests per minute per phase and class, 429s",
    "loop_stalls": "event-loop stalls with a slow keyring",
}
TIME_LIMIT_S = {"quick": 480.0, "full": 900.0}  # the start-up one waits 30 s per outside launch


def run_one(name: str, quick: bool, out: Path) -> tuple[list[Figure], float, str]:
    argv = [sys.executable, "-m", f"benchmarks.{name}", "--json", str(out)]
    if quick:
        argv.append("--quick")
    started = time.monotonic()
    try:
        done = subprocess.run(
            argv, check=False, cwd=PROJECT, timeout=TIME_LIMIT_S["quick" if quick else "full"]
        )
    except subprocess.TimeoutExpired:
        return [], time.monotonic() - started, "timed out"
    took = time.monotonic() - started
    if done.returncode != 0 or not out.exists():
        return [], took, f"failed (exit code {done.returncode})"
    return load(out), took, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer runs (about 5 minutes)")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run just these")
    parser.add_argument("--json", type=Path, help="save all figures as JSON")
    parser.add_argument("--markdown", type=Path, help="save all figures as Markdown tables")
    args = parser.parse_args(argv)
    ensure_bytecode()
    figures: list[Figure] = []
    failures: list[str] = []
    timings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pawpado-bench-results-") as folder:
        for name in args.only or list(BENCHMARKS):
            print(f"\n##### {name}: {BENCHMARKS[name]}", flush=True)
            found, took, problem = run_one(name, args.quick, Path(folder) / f"{name}.json")
            figures += found
            timings.append(f"{name} {took:.0f} s")
            if problem:
                failures.append(f"{name}: {problem}")
    print("\n\n######## all figures (median, min, max over the runs)")
    print_table(figures)
    print("\ntime taken: " + ", ".join(timings))
    if args.json:
        save(figures, args.json)
    if args.markdown:
        args.markdown.write_text(markdown(figures), encoding="utf-8")
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
