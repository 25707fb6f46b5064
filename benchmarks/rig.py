"""A signed-in Core built by the real factory, on a DemoWorld (simulator + fakes).

`open_rig()` starts a `DemoWorld` (simulator, fake tailscaled on a Unix socket,
fake `moonlight`), points the environment at it and calls `build_core`, the
same wiring the tray and the CLI use. Only the sign-in is short-cut: tokens
from the simulator go straight into the credential store. The streamer is
wrapped in `TimedStreamer`, which notes when each Moonlight step ran and when
the stream process was spawned, so time-to-play can be read without touching
the pipeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pawpado_desktop.api.ratelimit import RateLimiter
from pawpado_desktop.auth.manager import AuthManager
from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.cli.wiring import wiring_from_env
from pawpado_desktop.clock import Clock
from pawpado_desktop.core.factory import build_core
from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.core.ports import Streamer, StreamHandle
from pawpado_desktop.core.service import Core
from pawpado_desktop.core.state import AppState, Listener
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.fake_moonlight import read_log

if TYPE_CHECKING:  # the simulator stays out of processes that only measure the core
    from pawpado_desktop.sim.demo_world import DemoWorld
    from pawpado_desktop.sim.server import SimulatorServer

RICH = Decimal("10000000.00")  # enough for hundreds of Plays


@dataclass
class StreamerStep:
    name: str  # "is_paired", "pair", "stream"
    started: float  # time.time()
    ended: float


class TimedStreamer:
    """A `Streamer` that passes every call through and notes when it ran."""

    def __init__(self, inner: Streamer) -> None:
        self.inner = inner
        self.steps: list[StreamerStep] = []
        self.spawned: list[tuple[float, int | None]] = []  # (time.time(), pid)

    async def check_ready(self) -> object:
        return await self.inner.check_ready()

    async def close_orphans(self) -> object:
        return await self.inner.close_orphans()

    async def is_paired(self, address: str) -> bool:
        started = time.time()
        try:
            return await self.inner.is_paired(address)
        finally:
            self.steps.append(StreamerStep("is_paired", started, time.time()))

    async def pair(self, address: str, pin: str, expires_at: Any) -> None:
        started = time.time()
        try:
            await self.inner.pair(address, pin, expires_at)
        finally:
            self.steps.append(StreamerStep("pair", started, time.time()))

    async def stream(self, address: str, app: str, options: Any) -> StreamHandle:
        started = time.time()
        handle = await self.inner.stream(address, app, options)
        # create_subprocess_exec returns once the child has exec'd: this is the spawn.
        spawned = time.time()
        self.spawned.append((spawned, getattr(handle, "pid", None)))
        self.steps.append(StreamerStep("stream", started, spawned))
        return handle


@dataclass
class Rig:
    world: DemoWorld
    core: Core
    streamer: TimedStreamer
    _listeners: list[Callable[[], None]] = field(default_factory=list)

    @property
    def sim(self) -> SimulatorServer:
        assert self.world.sim is not None
        return self.world.sim

    @property
    def moonlight_home(self) -> Path:
        assert self.world.root is not None
        return self.world.root / "moonlight-home"

    def watch(self, listener: Listener) -> None:
        """Subscribe to the core's state for the rig's lifetime."""
        self._listeners.append(self.core.store.subscribe(listener))

    def ready_at(self) -> float:
        """Simulator time (epoch s) at which the current session became ready.

        The simulator replays its timed events at their exact instants (sim/world.py
        `advance`), so ready is set at started_at + provisioning + starting + ready_delay.
        """
        world = self.sim.world
        with world.lock:
            session = world.sessions.current
            d = world.sessions.durations
            if session.started_at is None:
                raise RuntimeError("no session has started")
            return session.started_at + d.provisioning + d.starting + d.ready_delay

    def fresh_minute(self) -> None:
        """Reset the rate windows on both sides, as if the last Play were a minute ago.

        Back to back, half a dozen Plays in thirty seconds spend the poll budget
        (30 a minute), and the client then rightly spaces its polls out: that
        would measure the benchmark's pace, not the user's wait.
        """
        self.sim.control.reset_rate_limits()
        self.core._client.limiter = RateLimiter(self.core.clock)

    async def play_and_keep(self) -> None:
        """One Play up to the end of its stream, leaving the instance to `stop_session`.

        keep_running skips the core's own stop, whose 5 s stopping poll would only
        make each run longer without touching what is measured.
        """
        await self.core.play(PlayOptions(grace_minutes=0, keep_running=True))

    async def stop_session(self) -> None:
        """Stop the session server-side and wait until it is `stopped`."""
        control = self.sim.control
        if control.session()["state"] in ("provisioning", "starting", "running"):
            control.stop_session()
        while control.session()["state"] != "stopped":
            await asyncio.sleep(0.02)
        await self.core.refresh_session()

    async def close(self) -> None:
        for unsubscribe in self._listeners:
            unsubscribe()
        await self.core.aclose()
        kill_fake_moonlights(self.moonlight_home)
        await asyncio.to_thread(self.world.stop)


def kill_fake_moonlights(home: Path) -> None:
    """SIGKILL fake moonlight processes that logged a start but no exit."""
    entries = read_log(home)
    exited = {e["pid"] for e in entries if e.get("event") == "exit"}
    for pid in {e["pid"] for e in entries if "argv" in e} - exited:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"pawpado_desktop.sim.fake_moonlight" in cmdline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def bench_config(**overrides: Any) -> SimConfig:
    """A rich account and short phases unless told otherwise (seconds of sim time)."""
    values: dict[str, Any] = {
        "provisioning_seconds": 0.5,
        "starting_seconds": 0.5,
        "ready_delay_seconds": 0.5,
        "stopping_seconds": 0.1,
        "balance": RICH,
    }
    values.update(overrides)
    return SimConfig(**values)


def apply_env(world_env: dict[str, str], changes: dict[str, str | None] | None) -> None:
    """Point os.environ at a world, then add (or, with None, remove) `changes`."""
    os.environ.update(world_env)
    for name, value in (changes or {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


async def signed_in_core(clock: Clock | None, token_response: dict[str, Any]) -> Core:
    """`build_core` on the current environment, with a sign-in already in its store.

    `token_response` is a token endpoint answer (the simulator's `as_response()`).
    """
    core = await build_core(wiring_from_env(os.environ, clock=clock))
    auth = core._services.auth
    assert isinstance(auth, AuthManager)
    try:
        await auth.store.save(TokenSet.from_response(token_response, core.clock.now()))
    except BaseException:
        await core.aclose()
        raise
    return core


async def open_rig(
    config: SimConfig,
    *,
    clock: Clock | None = None,
    stream_seconds: float = 0.3,
    latency_s: float = 0.0,
) -> Rig:
    """A DemoWorld and a started, signed-in Core on it (`latency_s` on every request)."""
    from pawpado_desktop.sim.demo_world import DemoWorld

    world = DemoWorld(config=config, clock=clock, stream_seconds=stream_seconds)
    await asyncio.to_thread(world.start)
    try:
        assert world.sim is not None
        apply_env(world.env(), None)
        if latency_s > 0:
            world.sim.control.set_latency(latency_s)
        core = await signed_in_core(clock, world.sim.control.sign_in_directly().as_response())
    except BaseException:
        await asyncio.to_thread(world.stop)
        raise
    streamer = TimedStreamer(core._services.streamer)
    core._services.streamer = streamer
    rig = Rig(world, core, streamer)
    await core.start()
    return rig


def first_ready(on_ready: Callable[[float], None]) -> Listener:
    """A store listener calling `on_ready(time.time())` when the session turns ready."""

    def listener(old: AppState, new: AppState) -> None:
        was = old.session is not None and old.session.is_playable
        if new.session is not None and new.session.is_playable and not was:
            on_ready(time.time())

    return listener
