"""Huudis over HTTP: discovery, device authorization, token, revocation, userinfo and
the verification page, all under /huudis."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from pawpado_desktop.sim import pages
from pawpado_desktop.sim.http_util import BadBody, json_response, read_form
from pawpado_desktop.sim.huudis import DEVICE_GRANT, KNOWN_SCOPES, REFRESH_GRANT, OAuthError
from pawpado_desktop.sim.world import World

PREFIX = "/huudis"
DEVICE_AUTHORIZATION_PATH = "/oauth/device_authorization"
TOKEN_PATH = "/oauth/token"  # noqa: S105 (a path, not a secret)
REVOCATION_PATH = "/oauth/revoke"
USERINFO_PATH = "/oauth/userinfo"
VERIFICATION_PATH = "/device"
# RFC 6749 §5.1: token answers must never be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _oauth_error(error: OAuthError) -> Response:
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="huudis"'
    return json_response(error.body(), error.status, headers)


def huudis_routes(world: World) -> list[BaseRoute]:
    async def discovery(request: Request) -> Response:
        issuer = world.issuer
        return json_response(
            {
                "issuer": issuer,
                "device_authorization_endpoint": issuer + DEVICE_AUTHORIZATION_PATH,
                "token_endpoint": issuer + TOKEN_PATH,
                "revocation_endpoint": issuer + REVOCATION_PATH,
                "userinfo_endpoint": issuer + USERINFO_PATH,
                "grant_types_supported": [DEVICE_GRANT, REFRESH_GRANT],
                "response_types_supported": ["code"],
                "scopes_supported": sorted(KNOWN_SCOPES),
                "token_endpoint_auth_methods_supported": ["none"],
                "revocation_endpoint_auth_methods_supported": ["none"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["HS256"],
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "email", "name"],
            }
        )

    async def device_authorization(request: Request) -> Response:
        try:
            form = await read_form(request)
        except BadBody as exc:
            return _oauth_error(OAuthError("invalid_request", str(exc)))
        try:
            with world.tick() as now:
                grant = world.huudis.authorize_device(form.get("client_id"), form.get("scope"), now)
                remaining = grant.expires_at - now
                hostile = dict(world.faults.answer_urls)
        except OAuthError as exc:
            return _oauth_error(exc)
        verification_uri = world.issuer + VERIFICATION_PATH
        complete = f"{verification_uri}?user_code={grant.user_code}"
        return json_response(
            {
                "device_code": grant.device_code,
                "user_code": grant.user_code,
                "verification_uri": hostile.get("verification_uri", verification_uri),
                "verification_uri_complete": hostile.get("verification_uri_complete", complete),
                "expires_in": round(remaining),
                "interval": grant.interval,
            },
            headers=NO_STORE,
        )

    async def token(request: Request) -> Response:
        try:
            form = await read_form(request)
        except BadBody as exc:
            return _oauth_error(OAuthError("invalid_request", str(exc)))
        grant_type = form.get("grant_type", "")
        try:
            with world.tick() as now:
                world.huudis.count_token_request(grant_type or "(missing)")
                if grant_type == DEVICE_GRANT:
                    pair = world.huudis.poll_device(
                        form.get("device_code"), form.get("client_id"), now
                    )
                elif grant_type == REFRESH_GRANT:
                    pair = world.huudis.refresh(
                        form.get("refresh_token"), form.get("client_id"), now
                    )
                elif not grant_type:
                    raise OAuthError("invalid_request", "The grant_type parameter is missing.")
                else:
                    raise OAuthError("unsupported_grant_type", "This grant type is not supported.")
        except OAuthError as exc:
            return _oauth_error(exc)
        return json_response(pair.as_response(), headers=NO_STORE)

    async def revoke(request: Request) -> Response:
        try:
            form = await read_form(request)
            with world.tick():
                world.huudis.revoke(
                    form.get("token"), form.get("token_type_hint"), form.get("client_id")
                )
        except BadBody as exc:
            return _oauth_error(OAuthError("invalid_request", str(exc)))
        except OAuthError as exc:
            return _oauth_error(exc)
        return Response(b"", 200, headers=NO_STORE)

    async def userinfo(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with world.tick() as now:
            claims = (
                world.huudis.verify_access(token.strip(), now)
                if scheme.lower() == "bearer"
                else None
            )
        if claims is None:
            return json_response(
                {"error": "invalid_token", "error_description": "Missing or invalid token."},
                401,
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        config = world.config
        return json_response({"sub": claims.subject, "email": config.email, "name": config.name})

    async def verification_page(request: Request) -> Response:
        action = PREFIX + VERIFICATION_PATH
        if request.method == "GET":
            prefill = request.query_params.get("user_code", "")
            return HTMLResponse(pages.device_form(action, prefill))
        try:
            form = await read_form(request)
        except BadBody as exc:
            return HTMLResponse(pages.device_form(action, "", error=str(exc)), 400)
        choice = form.get("action", "")
        code = form.get("user_code", "")
        if choice not in ("approve", "deny"):
            return HTMLResponse(
                pages.device_form(action, code, error="Choose Approve or Deny."), 400
            )
        with world.tick() as now:
            found = world.huudis.decide(code, choice == "approve", now)
        if not found:
            return HTMLResponse(
                pages.device_form(
                    action,
                    code,
                    error="That code is not valid or has expired. Check the code on your "
                    "device, or start the sign-in again there.",
                ),
                400,
            )
        return HTMLResponse(pages.device_result(choice == "approve"))

    return [
        Route(PREFIX + "/.well-known/openid-configuration", discovery, methods=["GET"]),
        Route(PREFIX + DEVICE_AUTHORIZATION_PATH, device_authorization, methods=["POST"]),
        Route(PREFIX + TOKEN_PATH, token, methods=["POST"]),
        Route(PREFIX + REVOCATION_PATH, revoke, methods=["POST"]),
        Route(PREFIX + USERINFO_PATH, userinfo, methods=["GET"]),
        Route(PREFIX + VERIFICATION_PATH, verification_page, methods=["GET", "POST"]),
    ]
