"""A hostile HTTP server on a real loopback socket: the transport faults of issue 13.

It answers every request according to a mode, taken from the first path segment
(`/drip/api/v1/health`, `/bomb/.well-known/openid-configuration`) or, for a
client whose paths are fixed (the LocalAPI), from `server.mode`:

- `drip`: a 200 with a large Content-Length, then one byte every `DRIP_S`;
- `huge`: a 200 whose body runs to `HUGE_BYTES` (no Content-Length);
- `bomb`: a gzip body that inflates to `HUGE_BYTES` of zeros;
- `badenc`: `Content-Encoding: gzip` over plain JSON;
- `crash`: a Content-Length, a few bytes of it, then the connection is closed;
- `redirect`: a 302 to the same address, for ever;
- `ok`: an OpenID configuration whose token endpoint is `/drip/token`.

One request per connection. Nothing large is ever held by the server: bodies
are written from one shared chunk, with back-pressure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib

DRIP_S = 0.2
HUGE_BYTES = 200 * 1024 * 1024
CHUNK = b"0" * 65536
MODES = ("drip", "huge", "bomb", "badenc", "crash", "redirect", "ok")


def gzip_bomb(size: int = HUGE_BYTES) -> bytes:
    """`size` zero bytes, gzipped (about a thousandth of the size)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b"\0" * (1 << 20)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


class HostileServer:
    def __init__(self, bomb: bytes) -> None:
        self.mode = "ok"
        self.requests: list[str] = []  # "METHOD /path"
        self._bomb_body = bomb
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.port}/{mode}"

    def hits(self, mode: str) -> int:
        return sum(1 for r in self.requests if r.split(" ", 1)[1].startswith(f"/{mode}/"))

    async def start(self) -> HostileServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            request = await reader.readline()
            if not request:
                return
            method, target, _ = request.decode("latin-1").split(" ", 2)
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            self.requests.append(f"{method} {target}")
            first = target.lstrip("/").split("/", 1)[0]
            mode = first if first in MODES else self.mode
            await getattr(self, f"_{mode}")(writer, target)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client gave up, as it should
        finally:
            writer.transport.abort()
            self._tasks.discard(task)

    @staticmethod
    async def _head(writer: asyncio.StreamWriter, status: str, *headers: str) -> None:
        lines = [f"HTTP/1.1 {status}", "Connection: close", *headers, "", ""]
        writer.write("\r\n".join(lines).encode("latin-1"))
        await writer.drain()

    async def _drip(self, writer: asyncio.StreamWriter, target: str) -> None:
        await self._head(
            writer, "200 OK", "Content-Type: application/json", "Content-Length: 100000"
        )
        for _ in range(100000):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(DRIP_S)

    async def _huge(self, writer: asyncio.StreamWriter, target: str) -> None:
        await self._head(writer, "200 OK", "Content-Type: application/json")
        for _ in range(HUGE_BYTES // len(CHUNK)):
            writer.write(CHUNK)
            await writer.drain()

    async def _bomb(self, writer: asyncio.StreamWriter, target: str) -> None:
        await self._head(
            writer,
            "200 OK",
            "Content-Type: application/json",
            "Content-Encoding: gzip",
            f"Content-Length: {len(self._bomb_body)}",
        )
        writer.write(self._bomb_body)
        await writer.drain()

    async def _badenc(self, writer: asyncio.StreamWriter, target: str) -> None:
        body = b'{"status": "ok", "state": "running"}'
        await self._head(
            writer,
            "200 OK",
            "Content-Type: application/json",
            "Content-Encoding: gzip",
            f"Content-Length: {len(body)}",
        )
        writer.write(body)
        await writer.drain()

    async def _crash(self, writer: asyncio.StreamWriter, target: str) -> None:
        await self._head(
            writer, "200 OK", "Content-Type: application/json", "Content-Length: 1000"
        )
        writer.write(b'{"status": "o')
        await writer.drain()

    async def _redirect(self, writer: asyncio.StreamWriter, target: str) -> None:
        await self._head(writer, "302 Found", f"Location: {target}", "Content-Length: 0")

    async def _ok(self, writer: asyncio.StreamWriter, target: str) -> None:
        issuer = self.url("ok")
        body = json.dumps(
            {
                "issuer": issuer,
                "device_authorization_endpoint": self.url("drip") + "/device",
                "token_endpoint": self.url("drip") + "/token",
                "revocation_endpoint": self.url("drip") + "/revoke",
            }
        ).encode()
        await self._head(
            writer,
            "200 OK",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
        )
        writer.write(body)
        await writer.drain()
