"""One bounded HTTP exchange, shared by the Pawpado, Huudis and LocalAPI clients.

httpx bounds each read (its timeout), not the whole exchange: a server that
sends one byte every few seconds keeps a request alive for ever. It also
decodes a compressed body a whole network chunk at a time, so 64 KiB of gzip can
turn into gigabytes before any size check sees it. Here every exchange has an
overall deadline (connect + headers + body), and the body is decoded by us, a
bounded piece at a time, under a cap that counts decoded bytes: a drip, a huge
body or a gzip bomb ends at the deadline or the cap, with memory bounded by the
cap. The deadline is real time, like httpx's own timeouts: the far end lives in
real time whatever clock the app runs on.

Errors are raised as the small `ExchangeError` family (and httpx's own
`HTTPError`s pass through); each client words them for its own service.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from dataclasses import dataclass
from typing import Any

import httpx

MAX_BODY_BYTES = 1 << 20  # the largest real answer of any of our services is a few KiB
ACCEPT_ENCODING = "gzip, deflate"  # what `_decoder` can read; nothing else is asked for


class ExchangeError(Exception):
    """The exchange failed in a way httpx does not describe; `str()` is safe to show."""


class DeadlineExceeded(ExchangeError):
    """The whole exchange took longer than its deadline (a slow or dripping server)."""


class BodyTooLarge(ExchangeError):
    """The body, decoded, is larger than the cap."""


class Undecodable(ExchangeError):
    """The body's Content-Encoding is unknown, or the body does not match it."""


@dataclass(frozen=True)
class Answer:
    """A complete answer: status, headers and the decoded body (at most the cap)."""

    status_code: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> Any:
        """The body as JSON; ValueError (or RecursionError) when it is not."""
        return json.loads(self.body)


async def exchange(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    deadline_s: float,
    max_bytes: int = MAX_BODY_BYTES,
) -> Answer:
    """Send `request` and read its whole answer within `deadline_s` and `max_bytes`."""
    request.headers["Accept-Encoding"] = ACCEPT_ENCODING
    try:
        async with asyncio.timeout(deadline_s):
            response = await http.send(request, stream=True)
            try:
                body = await read_capped(response, max_bytes)
            finally:
                await response.aclose()
    except TimeoutError:
        raise DeadlineExceeded(f"no complete answer within {deadline_s:g} s") from None
    return Answer(response.status_code, response.headers, body)


async def send_headers(
    http: httpx.AsyncClient, request: httpx.Request, *, deadline_s: float
) -> httpx.Response:
    """Send `request` and return once the headers are in, within `deadline_s`.

    For a long-lived stream whose reader decides how long to wait between
    messages; close the response when done.
    """
    request.headers["Accept-Encoding"] = "identity"
    try:
        async with asyncio.timeout(deadline_s):
            return await http.send(request, stream=True)
    except TimeoutError:
        raise DeadlineExceeded(f"no answer within {deadline_s:g} s") from None


async def read_capped(response: httpx.Response, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The decoded body of a streamed response; BodyTooLarge past `max_bytes`."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(f"the answer announced {int(declared)} bytes")
    decoder = _decoder(response.headers.get("content-encoding", ""))
    parts: list[bytes] = []
    raw_size = 0
    size = 0
    async for chunk in response.aiter_raw():
        raw_size += len(chunk)
        if raw_size > max_bytes:  # compressed data is never larger than what it holds
            raise BodyTooLarge("the answer is larger than any real one")
        part = decoder.feed(chunk, max_bytes - size)
        size += len(part)
        parts.append(part)
    decoder.finish()
    return b"".join(parts)


class _Identity:
    def feed(self, chunk: bytes, room: int) -> bytes:
        if len(chunk) > room:
            raise BodyTooLarge("the answer is larger than any real one")
        return chunk

    def finish(self) -> None:
        pass


class _Inflate:
    """gzip or zlib ("deflate", RFC 9110) decoded at most `room + 1` bytes at a time."""

    def __init__(self, wbits: int, name: str) -> None:
        self._inflater = zlib.decompressobj(wbits)
        self._name = name

    def feed(self, chunk: bytes, room: int) -> bytes:
        if self._inflater.eof:
            return b""  # bytes after the end of the stream are not part of the body
        try:
            out = self._inflater.decompress(chunk, room + 1)
        except zlib.error:
            raise Undecodable(f"the answer is not valid {self._name} data") from None
        if len(out) > room:  # the rest of the input stays unread: nothing more is inflated
            raise BodyTooLarge("the answer, uncompressed, is larger than any real one")
        return out

    def finish(self) -> None:
        if not self._inflater.eof:
            raise Undecodable(f"the {self._name} data of the answer was cut off")


def _decoder(content_encoding: str) -> _Identity | _Inflate:
    coding = content_encoding.strip().lower()
    if coding in ("", "identity"):
        return _Identity()
    if coding in ("gzip", "x-gzip"):
        return _Inflate(zlib.MAX_WBITS | 16, "gzip")
    if coding == "deflate":
        return _Inflate(zlib.MAX_WBITS, "deflate")
    raise Undecodable(f"the answer uses an encoding this app does not read ({coding[:40]!r})")
