"""The Pawpado REST API under /api/v1: all fourteen operations of the contract.

Every authenticated call goes: bearer check (401, no rate headers: we do not
know whose bucket it is), then the rate limit of its class (429), then body
validation and the operation, all under the world's lock at one instant of
simulator time. Rate headers ride on every answer after the bearer check.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pawpado_desktop.sim import validation
from pawpado_desktop.sim.contract import api_version
from pawpado_desktop.sim.errors import SimError
from pawpado_desktop.sim.fakes import instance_dns_name
from pawpado_desktop.sim.http_util import BadBody, error_response, json_response, read_body
from pawpado_desktop.sim.huudis import AccessClaims
from pawpado_desktop.sim.requestlog import HEALTH_PATH, rate_class
from pawpado_desktop.sim.timefmt import iso
from pawpado_desktop.sim.world import World

ACCOUNT_DELETION_GRACE = 30 * 24 * 3600.0
UNAUTHENTICATED = "Missing or invalid bearer token"


@dataclass(frozen=True)
class Call:
    """One authenticated request, as an operation sees it."""

    world: World
    now: float
    claims: AccessClaims
    body: Any  # parsed JSON, or None when the body was empty


Operation = Callable[[Call], dict[str, Any]]
Handler = Callable[[Request], Awaitable[Response]]


def _parse_json(raw: bytes | None) -> Any:
    if raw is None:
        raise validation.invalid("body: too large")
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise validation.invalid("body: not valid JSON") from exc


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def endpoint(world: World, operation: Operation) -> Handler:
    async def handle(request: Request) -> Response:
        raw: bytes | None
        try:
            raw = await read_body(request)
        except BadBody:
            raw = None  # refused below, once we know who is asking
        token = _bearer(request)
        klass = rate_class(request.method, request.url.path) or "read"
        with world.tick() as now:
            claims = world.huudis.verify_access(token, now) if token else None
            if claims is None:
                return error_response(
                    401, "UNAUTHENTICATED", UNAUTHENTICATED, {"WWW-Authenticate": "Bearer"}
                )
            verdict = world.limiter.check(klass, now)
            headers = verdict.headers()
            if not verdict.allowed:
                return error_response(
                    429,
                    "RATE_LIMITED",
                    f"Too many requests; retry after {verdict.retry_after} seconds.",
                    headers,
                )
            try:
                body = _parse_json(raw)
                result = operation(Call(world, now, claims, body))
            except SimError as exc:
                return error_response(exc.status, exc.code, exc.message, headers | exc.headers)
        return json_response(result, headers=headers)

    return handle


# -- sessions ---------------------------------------------------------------------------


def start_session(call: Call) -> dict[str, Any]:
    w = call.world
    instance_type = validation.start_request(call.body, w.config.instance_types)
    return w.sessions.start(call.now, instance_type).view()


def stop_session(call: Call) -> dict[str, Any]:
    return call.world.sessions.stop(call.now).view()


def poll_session(call: Call) -> dict[str, Any]:
    return call.world.sessions.current.view()


def pair_session(call: Call) -> dict[str, Any]:
    w = call.world
    w.sessions.require_ready()
    pin = w.sunshine.mint_pin(call.now, w.config.pin_lifetime)
    return {"pin": pin.pin, "expiresAt": iso(pin.expires_at)}


def connect_session(call: Call) -> dict[str, Any]:
    w = call.world
    s = w.sessions.require_ready()
    return {
        "tailnetIp": s.tailnet_ip,
        "port": w.config.connect_port,
        "hostname": instance_dns_name(w),
    }


def tailscale_key(call: Call) -> dict[str, Any]:
    w = call.world
    s = w.sessions.require_booting()
    key = w.tailnet.mint_key(
        s.id, call.now, w.config.tailscale_key_lifetime, w.config.tailscale_tags
    )
    return {
        "authKey": key.key,
        "expiresAt": iso(key.expires_at),
        "ephemeral": key.ephemeral,
        "controlUrl": w.config.tailscale_control_url,
        "tags": list(key.tags),
    }


# -- credits, billing ---------------------------------------------------------------------


def credits_me(call: Call) -> dict[str, Any]:
    w = call.world
    c = w.config
    return {
        "balance": str(w.wallet.balance),
        "currency": c.currency,
        "ratePerMinute": str(c.rate_per_minute),
        "minimumStartBalance": str(c.minimum_start_balance),
        "storage": {"usedGb": c.storage_used_gb, "quotaGb": c.storage_quota_gb},
    }


def topup(call: Call) -> dict[str, Any]:
    w = call.world
    c = w.config
    amount, return_url = validation.topup_request(call.body, c.minimum_topup, c.currency)
    checkout = w.wallet.open_checkout(
        amount, return_url, call.now, c.checkout_lifetime, c.topup_auto_settle_seconds
    )
    return {
        "checkoutId": checkout.id,
        "checkoutUrl": w.faults.answer_urls.get(
            "checkout_url", f"{w.base_url}/_sim/checkout/{checkout.id}"
        ),
        "expiresAt": iso(checkout.expires_at),
    }


def billing_storage(call: Call) -> dict[str, Any]:
    c = call.world.config
    today = datetime.fromtimestamp(call.now, UTC)
    start = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return {
        "tier": c.storage_tier,
        "sizeGb": c.storage_quota_gb,
        "usedGb": c.storage_used_gb,
        "pricePerMonth": str(c.storage_price_per_month),
        "currency": c.currency,
        "periodStart": iso(start.timestamp()),
        "periodEnd": iso(end.timestamp()),
    }


# -- settings, account --------------------------------------------------------------------


def get_settings(call: Call) -> dict[str, Any]:
    return dict(call.world.settings)


def patch_settings(call: Call) -> dict[str, Any]:
    w = call.world
    w.settings.update(validation.settings_patch(call.body, w.config.instance_types))
    return dict(w.settings)


def whoami(call: Call) -> dict[str, Any]:
    c = call.world.config
    return {
        "huudisUserId": call.claims.subject,
        "email": c.email,
        "name": c.name,
        "expiresAt": iso(call.claims.expires_at),
    }


def delete_account(call: Call) -> dict[str, Any]:
    w = call.world
    state = w.sessions.current.state
    if state in ("provisioning", "starting", "running", "stopping"):
        raise SimError(
            409, "SESSION_ALREADY_RUNNING", f"The session is {state}; stop it before deleting."
        )
    if w.deletion_at is None:
        w.deletion_at = call.now + ACCOUNT_DELETION_GRACE
    return {"status": "scheduled", "deleteAt": iso(w.deletion_at)}


async def health(request: Request) -> Response:
    return json_response({"status": "ok", "version": f"{api_version()}-sim"})


OPERATIONS: list[tuple[str, str, Operation]] = [
    ("POST", "/api/v1/sessions/start", start_session),
    ("POST", "/api/v1/sessions/stop", stop_session),
    ("GET", "/api/v1/sessions/poll", poll_session),
    ("POST", "/api/v1/sessions/pair", pair_session),
    ("GET", "/api/v1/sessions/connect", connect_session),
    ("POST", "/api/v1/sessions/tailscale-key", tailscale_key),
    ("GET", "/api/v1/credits/me", credits_me),
    ("POST", "/api/v1/credits/topup", topup),
    ("GET", "/api/v1/billing/storage", billing_storage),
    ("GET", "/api/v1/settings", get_settings),
    ("PATCH", "/api/v1/settings", patch_settings),
    ("GET", "/api/v1/session", whoami),
    ("DELETE", "/api/v1/account/delete", delete_account),
]


def api_routes(world: World) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Operation]] = {}
    for method, path, operation in OPERATIONS:
        by_path.setdefault(path, {})[method] = operation
    routes: list[BaseRoute] = [Route(HEALTH_PATH, health, methods=["GET"])]
    for path, methods in by_path.items():
        if len(methods) == 1:
            [(method, operation)] = methods.items()
            routes.append(Route(path, endpoint(world, operation), methods=[method]))
            continue
        handlers = {m: endpoint(world, op) for m, op in methods.items()}

        async def dispatch(request: Request, handlers: dict[str, Handler] = handlers) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            return await handlers[method](request)

        routes.append(Route(path, dispatch, methods=list(methods)))
    return routes
