"""/_sim/ admin endpoints: `SimControl` over HTTP, for scripts, benchmarks and other
processes. No auth (loopback test tool); JSON in, JSON out, errors as
{"error": CODE, "message": text}."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pawpado_desktop.sim.control import SimControl
from pawpado_desktop.sim.errors import SimError
from pawpado_desktop.sim.faults import FaultResponse
from pawpado_desktop.sim.http_util import BadBody, error_response, json_response, read_json

Action = Callable[[SimControl, dict[str, Any]], Any]


class _Field:
    """Typed access to a JSON body with messages that name the field."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if name not in self.body or self.body[name] is None:
            if default is ...:
                raise SimError(400, "VALIDATION_ERROR", f"{name}: required")
            return default
        value = self.body[name]
        ok = isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, float))
        if not ok:
            raise SimError(400, "VALIDATION_ERROR", f"{name}: wrong type")
        return value


def _handler(control: SimControl, action: Action) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        try:
            body = await read_json(request, allow_empty=True) if request.method != "GET" else None
            if body is None:
                body = dict(request.query_params)
            if not isinstance(body, dict):
                raise SimError(400, "VALIDATION_ERROR", "body: must be a JSON object")
            result = action(control, body)
        except BadBody as exc:
            return error_response(400, "VALIDATION_ERROR", f"body: {exc}")
        except SimError as exc:
            return error_response(exc.status, exc.code, exc.message)
        if result is None:
            return Response(status_code=204)
        return json_response(result)

    return handle


def _replace(control: SimControl, body: dict[str, Any]) -> dict[str, Any]:
    f = _Field(body)
    text = f.get("body", str, "")
    repeat = f.get("repeat", int, 1)
    if repeat < 1 or len(text) * repeat > 64 * 1024 * 1024:
        raise SimError(400, "VALIDATION_ERROR", "repeat: must be from 1 up to a 64 MB body")
    headers = f.get("headers", dict, {})
    response = FaultResponse(
        status=f.get("status", int, 502),
        body=text.encode() * repeat,
        content_type=f.get("contentType", str, "text/html; charset=utf-8"),
        headers=tuple((str(k), str(v)) for k, v in headers.items()),
        disconnect=f.get("disconnect", bool, False),
    )
    rule = control.replace_responses(
        f.get("pattern", str),
        response,
        count=f.get("count", int, 1),
        method=f.get("method", str, None),
        after=f.get("after", bool, False),
    )
    return {"id": rule}


def _answer_urls(control: SimControl, body: dict[str, Any]) -> None:
    f = _Field(body)
    names = {
        "verificationUri": "verification_uri",
        "verificationUriComplete": "verification_uri_complete",
        "checkoutUrl": "checkout_url",
    }
    control.set_answer_urls(
        **{name: f.get(key, str) for key, name in names.items() if body.get(key) is not None}
    )


def _requests(control: SimControl, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "records": [dataclasses.asdict(r) for r in control.request_log()],
        "counts": control.request_counts(),
        "rateLimited": control.rate_limited_counts(),
    }


def _phases(control: SimControl, body: dict[str, Any]) -> None:
    f = _Field(body)
    number = (int, float)
    control.set_phase_durations(
        provisioning=f.get("provisioning", number, None),
        starting=f.get("starting", number, None),
        ready_delay=f.get("readyDelay", number, None),
        stopping=f.get("stopping", number, None),
    )


def _sign_in(control: SimControl, body: dict[str, Any]) -> dict[str, Any]:
    return control.sign_in_directly(_Field(body).get("scope", str, None)).as_response()


# (method, path, action)
ADMIN: list[tuple[str, str, Action]] = [
    ("GET", "/_sim/state", lambda c, b: c.snapshot()),
    ("GET", "/_sim/session", lambda c, b: c.session()),
    (
        "POST",
        "/_sim/session/stop",
        lambda c, b: c.stop_session(_Field(b).get("message", str, None)),
    ),
    (
        "POST",
        "/_sim/session/kill",
        lambda c, b: c.kill_session(
            _Field(b).get("message", str, "The instance stopped unexpectedly.")
        ),
    ),
    ("GET", "/_sim/balance", lambda c, b: {"balance": str(c.balance())}),
    ("POST", "/_sim/balance", lambda c, b: c.set_balance(_Field(b).get("balance", str))),
    ("GET", "/_sim/settings", lambda c, b: c.settings()),
    ("POST", "/_sim/phases", _phases),
    (
        "POST",
        "/_sim/faults/capacity",
        lambda c, b: c.fail_starts_with_capacity(
            _Field(b).get("count", int), _Field(b).get("retryAfter", int, 30)
        ),
    ),
    (
        "POST",
        "/_sim/faults/start-failure",
        lambda c, b: c.fail_next_start(_Field(b).get("phase", str), _Field(b).get("message", str)),
    ),
    (
        "POST",
        "/_sim/faults/latency",
        lambda c, b: c.set_latency(
            _Field(b).get("seconds", (int, float)), _Field(b).get("pattern", str, "*")
        ),
    ),
    ("POST", "/_sim/faults/replace", _replace),
    ("POST", "/_sim/faults/clear", lambda c, b: c.clear_faults()),
    ("POST", "/_sim/faults/answer-urls", _answer_urls),
    ("GET", "/_sim/huudis/stats", lambda c, b: dataclasses.asdict(c.huudis_stats())),
    ("GET", "/_sim/huudis/pending", lambda c, b: {"userCodes": c.pending_user_codes()}),
    (
        "POST",
        "/_sim/huudis/approve",
        lambda c, b: {"found": c.approve_device(_Field(b).get("userCode", str))},
    ),
    (
        "POST",
        "/_sim/huudis/deny",
        lambda c, b: {"found": c.deny_device(_Field(b).get("userCode", str))},
    ),
    (
        "POST",
        "/_sim/huudis/auto-approve",
        lambda c, b: c.set_auto_approve(_Field(b).get("enabled", bool)),
    ),
    (
        "POST",
        "/_sim/huudis/token-lifetime",
        lambda c, b: c.set_access_token_lifetime(_Field(b).get("seconds", (int, float))),
    ),
    ("POST", "/_sim/huudis/sign-in", _sign_in),
    ("POST", "/_sim/huudis/revoke-all", lambda c, b: {"revoked": c.revoke_all_tokens()}),
    ("POST", "/_sim/pin", lambda c, b: c.force_next_pin(_Field(b).get("pin", str))),
    (
        "POST",
        "/_sim/relay",
        lambda c, b: c.set_relay_path(
            _Field(b).get("relay", bool),
            region=_Field(b).get("region", str, None),
            latency_ms=_Field(b).get("latencyMs", (int, float), None),
            ping_error=_Field(b).get("pingError", str, None),
        ),
    ),
    ("POST", "/_sim/ratelimits/reset", lambda c, b: c.reset_rate_limits()),
    (
        "POST",
        "/_sim/clock/advance",
        lambda c, b: c.advance_clock(_Field(b).get("seconds", (int, float))),
    ),
    ("GET", "/_sim/clock", lambda c, b: {"now": c.now()}),
    ("GET", "/_sim/requests", _requests),
    ("POST", "/_sim/requests/clear", lambda c, b: c.clear_request_log()),
    ("GET", "/_sim/checkouts", lambda c, b: {"checkouts": c.checkouts()}),
    ("GET", "/_sim/tailnet/nodes", lambda c, b: {"nodes": c.tailnet_nodes()}),
    ("GET", "/_sim/sunshine/paired", lambda c, b: {"clients": c.paired_clients()}),
]


def admin_routes(control: SimControl) -> list[BaseRoute]:
    return [Route(path, _handler(control, action), methods=[m]) for m, path, action in ADMIN]
