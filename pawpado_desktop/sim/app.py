"""Assembles the simulator's ASGI application: Huudis, the Pawpado API and /_sim/."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pawpado_desktop.sim.contract import openapi_bytes
from pawpado_desktop.sim.control import SimControl
from pawpado_desktop.sim.http_admin import admin_routes
from pawpado_desktop.sim.http_api import api_routes
from pawpado_desktop.sim.http_fakes import fake_routes
from pawpado_desktop.sim.http_huudis import huudis_routes
from pawpado_desktop.sim.http_util import error_response
from pawpado_desktop.sim.middleware import SimMiddleware
from pawpado_desktop.sim.world import World


async def _openapi(request: Request) -> Response:
    return Response(openapi_bytes(), media_type="application/json")


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return error_response(404, "NOT_FOUND", f"No such endpoint: {request.url.path}")
    if status == 405:
        return error_response(
            405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed on {request.url.path}"
        )
    return error_response(status, "INTERNAL", "The simulator could not handle this request.")


def build_app(world: World, control: SimControl) -> Starlette:
    routes: list[BaseRoute] = [Route("/openapi.json", _openapi, methods=["GET"])]
    routes += huudis_routes(world)
    routes += api_routes(world)
    routes += fake_routes(world)
    routes += admin_routes(control)
    return Starlette(
        routes=routes,
        middleware=[Middleware(SimMiddleware, world=world)],
        exception_handlers={HTTPException: _http_error},
    )
