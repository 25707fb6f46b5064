"""`SimulatorServer`: the simulator on a loopback port, in a thread with its own loop.

The app under test keeps its own event loop to itself: the simulator never runs
on it, so a blocked or slow simulator handler cannot hide a blocking bug in the
app, and the other way round.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import threading
from types import TracebackType
from typing import Any

import uvicorn

from pawpado_desktop.clock import SYSTEM_CLOCK, Clock
from pawpado_desktop.sim.app import build_app
from pawpado_desktop.sim.config import SimConfig
from pawpado_desktop.sim.control import SimControl
from pawpado_desktop.sim.world import World

START_TIMEOUT = 10.0


class _Server(uvicorn.Server):
    """uvicorn's server with an immediate exit instead of its 0.1 s polling loop."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit: asyncio.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._exit = asyncio.Event()
        if not self.should_exit:
            await self._exit.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown minus its fixed 0.1 s nap: close, then wait only as needed."""
        for listener in self.servers:
            listener.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.config.timeout_graceful_shutdown or 2)
        # uvicorn signals no event when its last connection closes, so look often.
        while self.server_state.connections and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        for task in list(self.server_state.tasks):
            task.cancel()
        for listener in self.servers:
            await listener.wait_closed()

    def request_exit(self) -> None:
        self.should_exit = True
        loop, event = self.loop, self._exit
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(event.set)


def _url_host(host: str) -> str:
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host


class SimulatorServer:
    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        capture_responses: bool = False,
    ) -> None:
        self.config = config or SimConfig()
        self.clock = clock or SYSTEM_CLOCK
        self.host = host
        self._requested_port = port
        self.port: int | None = None
        self.world = World(self.config, self.clock, capture=capture_responses)
        self.control = SimControl(self.world)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the simulator is not started")
        return f"http://{_url_host(self.host)}:{self.port}"

    @property
    def issuer_url(self) -> str:
        return self.base_url + "/huudis"

    def start(self) -> None:
        """Listen and serve in the background; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the simulator is already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto must say TCP, or asyncio skips TCP_NODELAY on accepted connections
        # and every keep-alive answer waits 40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self.world.set_base_url(self.base_url)
        config = uvicorn.Config(
            build_app(self.world, self.control),
            host=self.host,
            port=self.port,
            lifespan="off",
            log_level="warning",
            access_log=False,
            http="h11",
            loop="asyncio",
            ws="none",
            timeout_graceful_shutdown=2,
        )
        server = _Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=self._run, args=(server, sock), name=f"pawpado-sim:{self.port}", daemon=True
        )
        self._thread.start()
        deadline = threading.Event()
        for _ in range(int(START_TIMEOUT / 0.005)):
            if server.started or not self._thread.is_alive():
                break
            deadline.wait(0.005)
        if not server.started:
            self.stop()
            raise RuntimeError(f"the simulator did not start: {self._failure!r}")

    def _run(self, server: _Server, sock: socket.socket) -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported by start(); a thread cannot raise
            self._failure = exc
        finally:
            sock.close()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.request_exit()
        thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> SimulatorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where: Any = self.base_url if self.port is not None else "not started"
        return f"SimulatorServer({where})"
