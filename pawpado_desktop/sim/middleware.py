"""The outer ASGI layer: injected faults in front of the handlers, then the request log.

Written as plain ASGI (not BaseHTTPMiddleware) so it can see the status a client
really got, drop a connection half-way, or discard a real answer after the
handler has changed state.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pawpado_desktop.sim.faults import FaultResponse
from pawpado_desktop.sim.requestlog import API_PREFIX, LOGGED_PREFIXES, RequestRecord, rate_class
from pawpado_desktop.sim.world import CapturedExchange, World

# Under /_sim/ only these act like the outside world and may be faulted.
FAULTABLE_SIM_PREFIXES = ("/_sim/tailscale/", "/_sim/moonlight/", "/_sim/checkout/")


def is_admin_path(path: str) -> bool:
    return path.startswith("/_sim/") and not path.startswith(FAULTABLE_SIM_PREFIXES)


async def _discard(message: Message) -> None:
    return None


async def send_fault(fault: FaultResponse, send: Send) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in fault.headers]
    if fault.content_type is not None and not any(k == b"content-type" for k, _ in headers):
        headers.append((b"content-type", fault.content_type.encode("latin-1")))
    headers = [(k, v) for k, v in headers if k != b"content-length"]
    headers.append((b"content-length", str(len(fault.body)).encode()))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    if fault.disconnect:
        # Half the promised body, then return: the server closes the connection.
        await send(
            {"type": "http.response.body", "body": fault.body[: len(fault.body) // 2],
             "more_body": True}
        )
        return
    await send({"type": "http.response.body", "body": fault.body, "more_body": False})


class SimMiddleware:
    def __init__(self, app: ASGIApp, world: World) -> None:
        self.app = app
        self.world = world

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_admin_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        world = self.world
        method: str = scope["method"]
        path: str = scope["path"]
        with world.lock:
            delay = world.faults.latency_for(path)
            rule = world.faults.take_replacement(method, path)
        if delay > 0:
            await asyncio.sleep(delay)  # real seconds: clients time out on real clocks

        seen: dict[str, Any] = {"status": 0, "headers": [], "body": []}
        capture = (
            world.captured is not None and rule is None and path.startswith(API_PREFIX)
        )
        logged = path.startswith(LOGGED_PREFIXES)

        def keep_exchange() -> None:
            exchange = CapturedExchange(
                method=method,
                path=path,
                query=scope.get("query_string", b"").decode("latin-1"),
                status=seen["status"],
                headers=tuple(
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in seen["headers"]
                ),
                body=b"".join(seen["body"]),
            )
            with world.lock:
                if world.captured is not None:
                    world.captured.append(exchange)

        async def watching_send(message: Message) -> None:
            # The log and the captured answer are both recorded before the client can
            # see the answer (its headers, its last body part), so a test that inspects
            # them right after its request always finds it.
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                seen["headers"] = message.get("headers", [])
                if logged:
                    self._log(method, path, seen["status"], faulted=rule is not None)
            elif message["type"] == "http.response.body" and capture:
                seen["body"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    keep_exchange()
            await send(message)

        if rule is None:
            await self.app(scope, receive, watching_send)
        else:
            if rule.after:
                await self.app(scope, receive, _discard)
            await send_fault(rule.response, watching_send)

    def _log(self, method: str, path: str, status: int, *, faulted: bool) -> None:
        world = self.world
        with world.lock:
            world.log.add(
                RequestRecord(
                    method=method,
                    path=path,
                    status=status,
                    rate_class=rate_class(method, path),
                    at=world.now(),
                    faulted=faulted,
                )
            )
