"""A DemoWorld in a process of its own, steered through the simulator's /_sim/ endpoints.

In the benchmark's own process the simulator and the fake tailscaled run on
threads that share the GIL with the core: their work would show up as the
core's event-loop stalls. Measurements of the core's loop therefore put the
world here, where it can only cost what a remote server costs.

Child: `python -m benchmarks.world_process` reads one JSON line (config
overrides, stream length), starts the world, prints `{"env": ...}` and serves
until its stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
from types import TracebackType
from typing import Any

from benchmarks.harness import PROJECT
from benchmarks.rig import bench_config, kill_fake_moonlights


class WorldProcess:
    def __init__(self, overrides: dict[str, float], stream_seconds: float) -> None:
        self._orders = {"overrides": overrides, "stream_seconds": stream_seconds}
        self._process: asyncio.subprocess.Process | None = None
        self.env: dict[str, str] = {}

    async def __aenter__(self) -> WorldProcess:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.world_process",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=PROJECT,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(self._orders).encode() + b"\n")
        await self._process.stdin.drain()
        line = await asyncio.wait_for(self._process.stdout.readline(), 30)
        if not line:
            raise RuntimeError("the world process ended before it was ready")
        self.env = json.loads(line)["env"]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process = self._process
        if process is not None and process.stdin is not None:
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()

    async def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call a /_sim/ endpoint. urllib on a thread, not httpx: a cold process must
        meet its first async request (and its lazy imports) in the code measured."""
        url = self.env["PAWPADO_BASE_URL"] + path
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")

        def call() -> Any:
            with urllib.request.urlopen(request, timeout=10) as response:  # loopback only
                raw = response.read()
            return json.loads(raw) if raw else None

        return await asyncio.to_thread(call)


def _serve() -> int:
    from pawpado_desktop.sim.demo_world import DemoWorld

    orders = json.loads(sys.stdin.readline())
    config = bench_config(**orders["overrides"])
    world = DemoWorld(config=config, stream_seconds=orders["stream_seconds"]).start()
    try:
        print(json.dumps({"env": world.env()}), flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or dies)
    finally:
        if world.root is not None:
            kill_fake_moonlights(world.root / "moonlight-home")
        world.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_serve())
