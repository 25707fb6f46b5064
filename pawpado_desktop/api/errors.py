"""Errors of the Pawpado API, one class per contract error code.

The `error` code of the body decides the class, never the HTTP status alone (the
status is only a hint, per the contract). Unknown codes become `UnknownApiError`
carrying the server's message. Bodies that are not the promised JSON become
`ProtocolError`; failures to reach the server become `NetworkError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pawpado_desktop.errors import ExitCode, PawpadoError, Phrase


class NetworkError(PawpadoError):
    """The server could not be reached, or did not answer in time."""

    title = "Cannot reach Pawpado"
    exit_code = ExitCode.NETWORK


class ProtocolError(PawpadoError):
    """The server answered, but not with what the contract promises."""

    title = "Unexpected answer from Pawpado"
    exit_code = ExitCode.NETWORK


class ApiError(PawpadoError):
    """An error body `{"error": CODE, "message": text}` from the API."""

    code: str = ""
    title = "Pawpado refused the request"

    def __init__(
        self,
        template: str,
        /,
        *,
        code: str | None = None,
        status: int | None = None,
        server_message: str = "",
        retry_after: float | None = None,
        **params: object,
    ) -> None:
        super().__init__(template, **params)
        if code is not None:
            self.code = code
        self.status = status
        self.server_message = server_message
        self.retry_after = retry_after


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"
    title = "Not signed in"
    exit_code = ExitCode.NOT_SIGNED_IN


class InsufficientCredits(ApiError):
    code = "INSUFFICIENT_CREDITS"
    title = "Not enough credit"
    exit_code = ExitCode.INSUFFICIENT_CREDITS


class SessionAlreadyRunning(ApiError):
    code = "SESSION_ALREADY_RUNNING"
    title = "A session is already running"


class SessionNotRunning(ApiError):
    code = "SESSION_NOT_RUNNING"
    title = "No session is running"


class NotReady(ApiError):
    code = "NOT_READY"
    title = "The gaming PC is not ready yet"


class AwsCapacity(ApiError):
    code = "AWS_CAPACITY"
    title = "No gaming PC free right now"
    exit_code = ExitCode.CAPACITY


class ValidationFailed(ApiError):
    code = "VALIDATION_ERROR"
    title = "Invalid value"

    @property
    def field(self) -> str | None:
        """The offending field: the message names it first (`field: problem`)."""
        head, sep, _ = self.server_message.partition(":")
        head = head.strip()
        return head if sep and head and " " not in head else None


class RateLimited(ApiError):
    code = "RATE_LIMITED"
    title = "Too many requests"
    exit_code = ExitCode.NETWORK


class ServerError(ApiError):
    code = "INTERNAL"
    title = "Pawpado had a problem"
    exit_code = ExitCode.NETWORK


class UnknownApiError(ApiError):
    """A code this version of the app does not know: shown with the server's message."""


_BY_CODE: dict[str, type[ApiError]] = {
    cls.code: cls
    for cls in (
        Unauthenticated,
        InsufficientCredits,
        SessionAlreadyRunning,
        SessionNotRunning,
        NotReady,
        AwsCapacity,
        ValidationFailed,
        RateLimited,
        ServerError,
    )
}


def _advised(
    cls: type[ApiError],
    server_message: str,
    retry_after: float | None,
    **details: Any,
) -> ApiError:
    """The error of class `cls` with advice around what the server said (shown as it came)."""
    said: object = server_message.rstrip(".") or Phrase("No details were given")
    common = {"server_message": server_message, "retry_after": retry_after, **details}
    if cls is Unauthenticated:
        return cls(
            "Your sign-in is no longer valid. Sign in again with `pawpado-desktop login`.",
            **common,
        )
    if cls is InsufficientCredits:
        return cls("{said}. Top up your balance, then try again.", said=said, **common)
    if cls is AwsCapacity:
        if retry_after:
            return cls(
                "The Jakarta region has no free gaming PC at the moment ({said}). "
                "Try again in {seconds} s.",
                said=said,
                seconds=round(retry_after),
                **common,
            )
        return cls(
            "The Jakarta region has no free gaming PC at the moment ({said}). "
            "Try again shortly.",
            said=said,
            **common,
        )
    if cls is RateLimited:
        if retry_after:
            return cls(
                "Pawpado asked the app to slow down ({said}). Try again in {seconds} s.",
                said=said,
                seconds=round(retry_after),
                **common,
            )
        return cls(
            "Pawpado asked the app to slow down ({said}). Try again shortly.",
            said=said,
            **common,
        )
    if cls is ServerError:
        return cls(
            "Pawpado had an internal problem ({said}). Try again in a minute.",
            said=said,
            **common,
        )
    if cls is ValidationFailed:
        return cls("Pawpado did not accept a value: {said}.", said=said, **common)
    return cls("{said}.", said=said, **common)


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if 0 <= value < math.inf else None  # not "inf", not "nan"


def api_error(status: int, body: Any, headers: Mapping[str, str]) -> PawpadoError:
    """The typed error for a non-2xx answer whose body has already been parsed."""
    retry_after = parse_retry_after(headers)
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        code = body["error"]
        raw_message = body.get("message")
        server_message = raw_message if isinstance(raw_message, str) else ""
        cls = _BY_CODE.get(code, UnknownApiError)
        return _advised(cls, server_message, retry_after, code=code, status=status)
    if status >= 500:
        return ServerError(
            "Pawpado is having trouble (HTTP {http_status}). Try again in a minute.",
            http_status=status,
            status=status,
            retry_after=retry_after,
        )
    return ProtocolError(
        "Pawpado answered HTTP {status} without the expected error details. "
        "If this keeps happening, check for an app update.",
        status=status,
    )
