"""A strict fake tailscaled: the LocalAPI on a Unix socket, for tests and the demo.

In-process (a uvicorn server on its own thread and loop):

    with FakeTailscaled(tmp_path / "ts.sock", sim_url=sim.base_url) as fake:
        ...  # point PAWPADO_TAILSCALE_SOCKET at fake.socket_path

or as a process: `python -m pawpado_desktop.sim.fake_tailscaled --socket PATH --sim-url URL`.

Like the real daemon it refuses a wrong Host header and any Origin/Referer, answers
errors as Go's http.Error text (JSON for PATCH prefs and ping), puts an integer
`State` on the IPN bus, and reports a refused key only on the bus. Options play a
platform's defaults (`platform`), a system policy (`forced_prefs`) and a slow
answer to chosen calls (`answer_delays`, for races between two processes). Keys are checked
by the simulator's `/_sim/tailscale/*` endpoints (`sim_url`) or in memory
(`MemoryKeyVerifier`). Every request is recorded, with the auth key redacted, so
tests can assert what the client sent. See `fake_tailscaled_state` for semantics.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import copy
import getpass
import hmac
import json
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from pawpado_desktop.sim.fake_tailscaled_keys import (
    HttpKeyVerifier,
    KeyVerifier,
    MemoryKeyVerifier,
)
from pawpado_desktop.sim.fake_tailscaled_state import (
    FakeBackend,
    LocalApiError,
    Permission,
)

REDACTED = "<redacted>"
LOCALAPI_HOSTS = ("local-tailscaled.sock", "")
_CLOSE = {"__close__": True}
_T = TypeVar("_T")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any  # parsed JSON (AuthKey redacted), text, or None
    had_auth_key: bool
    status: int = 0
    profile_id: str = ""  # the current profile's ID when the request arrived ("" = empty)


def _redacted_body(raw: bytes) -> tuple[Any, bool]:
    if not raw:
        return None, False
    try:
        body = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace"), False
    if isinstance(body, dict) and body.get("AuthKey"):
        return {**body, "AuthKey": REDACTED}, True
    return body, False


def _text_error(status: int, message: str) -> Response:
    return Response(message + "\n", status_code=status, media_type="text/plain; charset=utf-8")


def _error_response(error: LocalApiError) -> Response:
    if error.json_key:
        return JSONResponse({error.json_key: error.message}, status_code=error.status)
    return _text_error(error.status, error.message)


class _LocalApi:
    """The HTTP face of a `FakeBackend`: routing, checks, recording."""

    def __init__(
        self,
        backend: FakeBackend,
        token: str | None = None,
        answer_delays: dict[str, float | threading.Event] | None = None,
    ) -> None:
        self.backend = backend
        self.token = token  # macOS GUI style: Basic auth, empty user, password = token
        self.requests: list[RecordedRequest] = []
        # "METHOD name" (e.g. "PUT profiles/") -> seconds to hold the answer after acting,
        # or an Event to hold it until set (at most a minute): opens a window between two
        # calls of a client, for races with another process.
        self.answer_delays = dict(answer_delays or {})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/localapi/v0/{name:path}",
                    self.dispatch,
                    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                ),
            ]
        )

    async def dispatch(self, request: Request) -> Response:
        body, had_key = _redacted_body(await request.body())
        record = RecordedRequest(
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            had_auth_key=had_key,
            profile_id=self.backend.current.id,
        )
        with self.backend.lock:
            self.requests.append(record)
        refusal = self.refusal(request, record.headers)
        if refusal is not None:
            response = refusal
        else:
            try:
                response = await self.route(request, request.path_params["name"])
            except LocalApiError as error:
                response = _error_response(error)
        record.status = response.status_code
        delay = self.answer_delays.get(f"{request.method} {request.path_params['name']}", 0.0)
        if isinstance(delay, threading.Event):
            await asyncio.to_thread(delay.wait, 60.0)
        elif delay > 0:
            await asyncio.sleep(delay)
        return response

    def refusal(self, request: Request, headers: dict[str, str]) -> Response | None:
        """The real handler's checks before any endpoint: Host, Origin/Referer, password."""
        host = headers.get("host", "")
        # A loopback Host is fine only where a password is required (the macOS GUI).
        loopback = self.token is not None and host.split(":")[0] in ("127.0.0.1", "localhost")
        if (
            (host not in LOCALAPI_HOSTS and not loopback)
            or "origin" in headers
            or ("referer" in headers)
        ):
            return _text_error(403, "invalid localapi request")
        if self.token is None:
            return None
        auth = headers.get("authorization", "")
        if not auth.startswith("Basic "):
            return _text_error(401, "auth required")
        try:
            _, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            password = ""
        if not hmac.compare_digest(password, self.token):
            return _text_error(403, "bad password")
        return None

    async def route(self, request: Request, name: str) -> Response:
        backend = self.backend
        method = request.method
        if name == "status":
            peers = request.query_params.get("peers") != "false"
            return JSONResponse(await backend.status(peers))
        if name == "watch-ipn-bus":
            return self.bus(request)
        if name == "prefs":
            if method == "PATCH":
                if not backend.can_write():
                    raise LocalApiError(403, "prefs write access denied", json_key="Error")
                return JSONResponse(backend.patch_prefs(await _json(request, json_key="Error")))
            return JSONResponse(backend.public_prefs())
        if name == "check-prefs":
            backend.require_write("checkprefs access denied")
            return JSONResponse({})
        if name == "ping":
            return await self.ping(request)
        if name in ("start", "login-interactive", "logout"):
            denial = {
                "start": "access denied",
                "login-interactive": "login access denied",
                "logout": "logout access denied",
            }[name]
            backend.require_write(denial)
            if method != "POST":
                raise LocalApiError(400, "want POST")
            if name == "start":
                backend.start(await _json(request))
            elif name == "login-interactive":
                backend.login_interactive()
            else:
                await backend.logout()
            return Response(status_code=204)
        if name == "profiles" or name.startswith("profiles/"):
            backend.require_write("profiles access denied")
            return self.profiles(method, name.removeprefix("profiles").strip("/"))
        return _text_error(404, "404 page not found")

    def profiles(self, method: str, profile_id: str) -> Response:
        backend = self.backend
        if profile_id == "":
            if method == "GET":
                return JSONResponse([p.as_login_profile() for p in backend.profiles.values()])
            if method == "PUT":
                backend.new_profile()
                return Response(status_code=201)
            raise LocalApiError(405, "use GET or PUT")
        if profile_id == "current":
            if method != "GET":
                raise LocalApiError(405, "use GET")
            return JSONResponse(backend.current.as_login_profile())
        if method == "GET":
            profile = backend.profiles.get(profile_id)
            if profile is None:
                raise LocalApiError(404, "Profile not found")
            return JSONResponse(profile.as_login_profile())
        if method == "POST":
            backend.switch_profile(profile_id)
            return Response(status_code=204)
        if method == "DELETE":
            backend.delete_profile(profile_id)
            return Response(status_code=204)
        raise LocalApiError(405, "use GET, POST or DELETE")

    async def ping(self, request: Request) -> Response:
        if request.method != "POST":
            raise LocalApiError(400, "want POST")
        ip = request.query_params.get("ip", "")
        kind = request.query_params.get("type", "")
        if not ip:
            raise LocalApiError(400, "missing 'ip' parameter")
        if kind not in ("disco", "TSMP", "ICMP", "peerapi"):
            raise LocalApiError(500, f"invalid ping type {kind!r}", json_key="error")
        result = await self.backend.ping(ip)
        while result is None:  # an offline peer: like tailscaled, wait until the client gives up
            if await request.is_disconnected():
                return Response(status_code=499)
            await asyncio.sleep(0.05)
        return JSONResponse(result)

    def bus(self, request: Request) -> Response:
        try:
            mask = int(request.query_params.get("mask", "0"))
        except ValueError:
            raise LocalApiError(400, "bad mask") from None
        queue = self.backend.watch(mask)

        async def lines() -> AsyncIterator[bytes]:
            try:
                while True:
                    note = await queue.get()
                    if note is _CLOSE:
                        return
                    yield (json.dumps(note) + "\n").encode()
            finally:
                self.backend.unwatch(queue)

        return StreamingResponse(lines(), media_type="application/json")

    def close_watchers(self) -> None:
        self.backend.publish(_CLOSE)


async def _json(request: Request, json_key: str | None = None) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise LocalApiError(400, "invalid JSON body", json_key=json_key) from None


class FakeTailscaled:
    """Runs the fake on `socket_path` in a background thread. `stop()` = daemon down.

    With `tcp_token` it listens like the macOS GUI app instead: on a loopback TCP
    port (`tcp_port` once started), requiring that token as the Basic-auth password.
    """

    def __init__(
        self,
        socket_path: str | Path,
        *,
        verifier: KeyVerifier | None = None,
        sim_url: str | None = None,
        permission: Permission = "full",
        caller_user: str | None = None,
        with_user_profile: bool = True,
        user_operator: str = "",
        login_delay_s: float = 0.0,
        tcp_token: str | None = None,
        platform: str = "linux",
        forced_prefs: dict[str, Any] | None = None,
        answer_delays: dict[str, float | threading.Event] | None = None,
    ) -> None:
        self.socket_path = Path(socket_path)
        self.tcp_token = tcp_token
        self.tcp_port: int | None = None
        if verifier is None:
            verifier = HttpKeyVerifier(sim_url) if sim_url else MemoryKeyVerifier()
        self.verifier = verifier
        self.backend = FakeBackend(
            verifier,
            permission=permission,
            caller_user=caller_user if caller_user is not None else getpass.getuser(),
            with_user_profile=with_user_profile,
            user_operator=user_operator,
            login_delay_s=login_delay_s,
            platform=platform,
            forced_prefs=forced_prefs,
        )
        self._api = _LocalApi(self.backend, tcp_token, answer_delays)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None

    def __repr__(self) -> str:
        return f"FakeTailscaled({self.socket_path})"

    # -- running ---------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> FakeTailscaled:
        if self._thread is not None:
            return self
        where: dict[str, Any] = (
            {"host": "127.0.0.1", "port": 0} if self.tcp_token else {"uds": str(self.socket_path)}
        )
        config = uvicorn.Config(
            self._api.app(),
            **where,
            lifespan="off",
            log_level="warning",
            access_log=False,
            http="h11",
            loop="asyncio",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(ready,), daemon=True, name="fake-tailscaled"
        )
        self._thread.start()
        if not ready.wait(timeout) or not self._server.started:
            self.stop()
            raise RuntimeError(f"fake tailscaled did not start on {self.socket_path}")
        if self.tcp_token:
            self.tcp_port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        server = self._server
        assert server is not None

        async def serve() -> None:
            watcher = asyncio.ensure_future(server.serve())
            # uvicorn only offers a flag to say it is listening.
            while not server.started and not watcher.done():  # noqa: ASYNC110
                await asyncio.sleep(0.005)
            ready.set()
            await watcher

        try:
            loop.run_until_complete(serve())
            loop.run_until_complete(self.backend.close())
        finally:
            ready.set()
            loop.close()

    def stop(self) -> None:
        """Shut down and remove the socket, as when tailscaled is not running."""
        thread, server, loop = self._thread, self._server, self._loop
        if thread is None or server is None:
            return
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._api.close_watchers)
        server.should_exit = True
        thread.join(timeout=10)
        self._thread = self._server = self._loop = None
        self.socket_path.unlink(missing_ok=True)

    def __enter__(self) -> FakeTailscaled:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- for tests: inspect and steer (thread-safe) -----------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.backend.lock:
            return list(self._api.requests)

    def call(self, fn: Callable[[FakeBackend], _T], timeout: float = 5.0) -> _T:
        """Run `fn(backend)` on the fake's loop (so bus notifications go out) and return it."""
        loop = self._loop
        if loop is None:
            return fn(self.backend)

        async def run() -> _T:
            return fn(self.backend)

        return asyncio.run_coroutine_threadsafe(run(), loop).result(timeout)

    def snapshot(self) -> dict[str, Any]:
        """Deep copies of the current profile, all profiles, and the state number."""

        def take(backend: FakeBackend) -> dict[str, Any]:
            return copy.deepcopy(
                {
                    "state": backend.state,
                    "current": backend.current.as_login_profile(),
                    "current_prefs": backend.current.prefs,
                    "current_login": backend.current.login,
                    "profiles": {
                        pid: {"profile": p.as_login_profile(), "prefs": p.prefs, "login": p.login}
                        for pid, p in backend.profiles.items()
                    },
                }
            )

        return self.call(take)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A strict fake tailscaled (LocalAPI only).")
    parser.add_argument("--socket", required=True, help="Unix socket path to listen on")
    parser.add_argument(
        "--sim-url",
        default=os.environ.get("PAWPADO_SIM_URL", ""),
        help="simulator base URL for key checks (default: $PAWPADO_SIM_URL)",
    )
    parser.add_argument(
        "--permission",
        choices=("full", "operator"),
        default="full",
        help="operator: act as a root daemon towards a non-operator caller",
    )
    parser.add_argument(
        "--no-user-profile",
        action="store_true",
        help="start with no logged-in profile of the user's own",
    )
    args = parser.parse_args(argv)
    if not args.sim_url:
        parser.error("--sim-url (or PAWPADO_SIM_URL) is required")
    fake = FakeTailscaled(
        args.socket,
        sim_url=args.sim_url,
        permission=args.permission,
        with_user_profile=not args.no_user_profile,
    )
    config = uvicorn.Config(
        fake._api.app(),
        uds=args.socket,
        lifespan="off",
        log_level="warning",
        http="h11",
        loop="asyncio",
        timeout_graceful_shutdown=1,
    )
    # uvicorn re-raises SIGINT/SIGTERM once it has shut down; exiting from the restored
    # handler (not dying of the signal) lets the socket be removed below.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: sys.exit(0))
    try:
        uvicorn.Server(config).run()
    finally:
        Path(args.socket).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
