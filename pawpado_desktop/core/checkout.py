"""A top-up checkout from the app's side: how it ends, and what to offer for a Play.

Pawpado has no checkout-status endpoint: the balance (polled) says when a payment
is credited, the checkout's `expiresAt` bounds the wait, and the checkout's
`returnUrl`, a one-shot page on loopback served here, hears the browser come back
from Plugipay with `status=cancelled` (or `paid`, `expired`). Nothing in that
request is trusted beyond a word from a short list: at worst a forged visit ends
the wait early, and the balance still rises if the user paid.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from pawpado_desktop.api.models import Credits
from pawpado_desktop.core.budget import MINIMUM_TOPUP, topup_suggestions
from pawpado_desktop.errors import ExitCode, PawpadoError

log = logging.getLogger(__name__)

# A paid checkout usually settles in seconds to minutes; wait this long past a
# `paid` return (or past the expiry) before saying the credit has not arrived.
SETTLE_WAIT_S = 10 * 60.0
# A far-future `expiresAt` must not make the app wait for ever.
MAX_WATCH_S = 60 * 60.0
_REQUEST_TIMEOUT_S = 5.0  # a browser sends its request at once; anything slower is dropped
_RETURN_STATUSES = ("paid", "settled", "cancelled", "expired")
# The page the browser lands on, by what it brought back (a word from the list above).
_SAID = {
    "paid": "Payment made: Pawpado Desktop shows it once it is credited.",
    "settled": "Payment complete: Pawpado Desktop shows your new balance.",
    "cancelled": "Top-up cancelled: nothing was charged.",
    "expired": "This checkout expired: start a new top-up from Pawpado Desktop.",
    "returned": "Pawpado Desktop shows your balance once a payment is credited.",
}


def _page(status: str) -> str:
    return (
        "<!doctype html><meta charset=utf-8><title>Pawpado Desktop</title>"
        f'<p id="result" data-result="{status}">{_SAID[status]}</p>'
        "<p>Back to Pawpado Desktop: you can close this tab.</p>"
    )


class TopupOutcome(StrEnum):
    CREDITED = "credited"
    CANCELLED = "cancelled"  # the browser came back from the checkout: cancelled
    EXPIRED = "expired"  # the checkout's expiresAt passed without a credit
    NOT_CREDITED = "not_credited"  # paid (said the return page), no credit in time
    STOPPED = "stopped"  # replaced by another top-up, or the app closed


@dataclass(frozen=True)
class TopupResult:
    outcome: TopupOutcome
    credits: Credits | None  # the presenter words the outcome (present/notices)


class TopupNotCompleted(PawpadoError):
    """A "Top up and play" whose top-up ended without a credit: nothing was started."""

    title = "Top-up not completed"
    exit_code = ExitCode.INSUFFICIENT_CREDITS


def amount_to_play(credits: Credits) -> Decimal:
    """The "Top up and play" offer: an hour of play, and at least what starting needs."""
    hour = topup_suggestions(credits.rate_per_minute)[0][1] if credits.rate_per_minute > 0 else 0
    step = Decimal(1000) if credits.shortfall_to_start >= 1000 else Decimal(1)
    missing = (credits.shortfall_to_start / step).to_integral_value(rounding=ROUND_CEILING) * step
    return max(Decimal(hour), missing, MINIMUM_TOPUP)


class ReturnListener:
    """The checkout's returnUrl: one page on 127.0.0.1 at an unguessable path."""

    def __init__(self) -> None:
        self._path = "/pawpado/checkout/" + secrets.token_urlsafe(16)
        self._server: asyncio.Server | None = None
        self.status: str | None = None  # what the browser brought back, once it did
        self.on_return: Callable[[], None] = lambda: None

    async def start(self) -> str:
        """Listen; returns the URL to send as `returnUrl`."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}{self._path}"

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_REQUEST_TIMEOUT_S):
                head = await reader.readuntil(b"\r\n\r\n")
            words = head.split(b"\r\n", 1)[0].decode("ascii", "replace").split(" ")
            target = urlsplit(words[1]) if len(words) == 3 and words[0] == "GET" else None
            if target is None or target.path != self._path:
                await _answer(writer, 404, "Not found")
                return
            said = parse_qs(target.query).get("status", [""])[0]
            status = said if said in _RETURN_STATUSES else "returned"
            if self.status is None:
                self.status = status
                log.info("the browser came back from the checkout: %s", status)
                self.on_return()
            await _answer(writer, 200, _page(status))
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass  # not a browser's request: nothing to say to it
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _answer(writer: asyncio.StreamWriter, status: int, body: str) -> None:
    data = body.encode()
    reason = "OK" if status == 200 else "Not Found"
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(data)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + data)
    await writer.drain()
