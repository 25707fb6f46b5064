"""/_sim/tailscale, /_sim/moonlight and the checkout page: the simulator's face towards
the fake tailscaled, the fake Moonlight and a browser paying a top-up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pawpado_desktop.sim import fakes, pages
from pawpado_desktop.sim.errors import SimError
from pawpado_desktop.sim.http_util import (
    BadBody,
    error_response,
    json_response,
    read_form,
    read_json,
)
from pawpado_desktop.sim.world import World

JsonAction = Callable[[World, float, Any], dict[str, Any] | None]


def json_endpoint(world: World, action: JsonAction) -> Callable[[Request], Awaitable[Response]]:
    """POST a JSON body, get JSON back (or 204 when the action returns None)."""

    async def handle(request: Request) -> Response:
        try:
            body = await read_json(request)
            with world.tick() as now:
                result = action(world, now, body)
        except BadBody as exc:
            return error_response(400, "BAD_REQUEST", f"body: {exc}")
        except SimError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.headers)
        return Response(status_code=204) if result is None else json_response(result)

    return handle


def fake_routes(world: World) -> list[BaseRoute]:
    async def peers(request: Request) -> Response:
        try:
            with world.tick():
                result = fakes.tailscale_peers(world, request.query_params.get("nodeId", ""))
        except SimError as exc:
            return error_response(exc.status, exc.code, exc.message)
        return json_response(result)

    async def host(request: Request) -> Response:
        query = request.query_params
        try:
            with world.tick():
                result = fakes.moonlight_host(
                    world, query.get("address", ""), query.get("clientId", "")
                )
        except SimError as exc:
            return error_response(exc.status, exc.code, exc.message)
        return json_response(result)

    async def checkout(request: Request) -> Response:
        checkout_id = request.path_params["checkout_id"]
        action_url = f"/_sim/checkout/{checkout_id}"
        config = world.config
        if request.method == "POST":
            try:
                choice = (await read_form(request)).get("action", "")
            except BadBody:
                choice = ""
            with world.tick() as now:
                if choice == "pay":
                    world.pay_checkout(checkout_id, now)
                elif choice == "cancel":
                    world.wallet.cancel(checkout_id)
        with world.tick():
            found = world.wallet.checkouts.get(checkout_id)
            if found is None:
                return HTMLResponse(pages.not_found("No such checkout."), 404)
            if request.method == "POST" and found.return_url and found.status != "open":
                # Like Plugipay: the browser goes back to the shop with how it ended.
                sep = "&" if "?" in found.return_url else "?"
                query = urlencode({"checkout": found.id, "status": found.status})
                return RedirectResponse(f"{found.return_url}{sep}{query}", 303)
            page = pages.checkout_page(
                action_url, found.id, str(found.amount), config.currency, status=found.status
            )
        return HTMLResponse(page)

    def redeem(w: World, now: float, body: Any) -> dict[str, Any]:
        return fakes.tailscale_redeem(w, now, body)

    def leave(w: World, now: float, body: Any) -> None:
        fakes.tailscale_leave(w, body)

    def stream_end(w: World, now: float, body: Any) -> None:
        fakes.moonlight_stream_end(w, now, body)

    return [
        Route("/_sim/tailscale/redeem", json_endpoint(world, redeem), methods=["POST"]),
        Route("/_sim/tailscale/leave", json_endpoint(world, leave), methods=["POST"]),
        Route("/_sim/tailscale/peers", peers, methods=["GET"]),
        Route("/_sim/moonlight/host", host, methods=["GET"]),
        Route(
            "/_sim/moonlight/pair", json_endpoint(world, fakes.moonlight_pair), methods=["POST"]
        ),
        Route(
            "/_sim/moonlight/stream", json_endpoint(world, fakes.moonlight_stream), methods=["POST"]
        ),
        Route("/_sim/moonlight/stream-end", json_endpoint(world, stream_end), methods=["POST"]),
        Route("/_sim/checkout/{checkout_id}", checkout, methods=["GET", "POST"]),
    ]
