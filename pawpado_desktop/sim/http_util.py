"""Small helpers shared by the simulator's HTTP handlers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_BODY = 1 << 20  # a simulator has no business with bigger requests


class BadBody(Exception):
    """The request body could not be read as what the endpoint expects."""


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    payload = json.dumps(body, separators=(",", ":")).encode()
    return Response(payload, status, headers=dict(headers or {}), media_type="application/json")


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    return json_response({"error": code, "message": message}, status, headers)


async def read_body(request: Request) -> bytes:
    """The body, refused as soon as it grows past MAX_BODY (never held whole)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BadBody("The request body is too large.")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form (what OAuth endpoints and HTML forms send); last value wins."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise BadBody(f"Send the parameters as {FORM_TYPE}.")
    try:
        text = (await read_body(request)).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBody("The form is not valid UTF-8.") from exc
    return dict(parse_qsl(text, keep_blank_values=True))


async def read_json(request: Request, *, allow_empty: bool = False) -> Any:
    """The parsed JSON body; None for an empty body when allowed."""
    body = await read_body(request)
    if not body.strip():
        if allow_empty:
            return None
        raise BadBody("The request body is empty; send a JSON object.")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise BadBody("The request body is not valid JSON.") from exc
