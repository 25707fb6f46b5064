"""What the fake Moonlight remembers, and how it reaches the simulated host.

`FakeMoonlightConfig` is the fake's Moonlight.conf: its client id and the
hosts it knows, keyed by the host's uniqueId, with the pinned server
certificate (`srvcert`) only for hosts it paired with. `SimHost` talks to the
simulator's `/_sim/moonlight/*` endpoints, which stand in for Sunshine.

The fake starts hundreds of times in a test run, so this module imports little:
plain HTTP/1.1 on a socket instead of urllib.request (whose http.client and email
parser cost more than all the rest of the fake's start).
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pawpado_desktop.atomic_file import atomic_write

CONFIG_NAME = "Moonlight.conf"
LOG_NAME = "invocations.jsonl"
_HTTP_TIMEOUT = 5.0


class FakeMoonlightConfig:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / CONFIG_NAME
        home.mkdir(parents=True, exist_ok=True)
        self._lock_path = home / f"{CONFIG_NAME}.lock"

    def load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        data.setdefault("hosts", [])
        return data

    def write(self, data: dict[str, Any]) -> None:
        """Replace the whole file, as Moonlight rewrites its whole host list."""
        with _locked(self._lock_path):
            atomic_write(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def update(self, change: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Read, apply `change`, and write back only if it reports a change."""
        with _locked(self._lock_path):
            data = self.load()
            if change(data):
                atomic_write(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
            return data

    def client_id(self) -> str:
        def ensure(data: dict[str, Any]) -> bool:
            if isinstance(data.get("uniqueid"), str):
                return False
            import secrets  # only on a first start: a module of many imports

            data["uniqueid"] = secrets.token_hex(8).upper()  # a random 64-bit id
            return True

        return str(self.update(ensure)["uniqueid"])


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise config updates between fake processes (flock: cheap to import)."""
    with path.open("a") as handle:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def find_host(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    """A known host matching `key` by name, uniqueId or address (case-insensitive)."""
    wanted = key.lower()
    for host in data["hosts"]:
        names = {str(host.get(k, "")).lower() for k in ("hostname", "uuid", "manualaddress")}
        if wanted in names:
            return dict(host)
    return None


def remember_host(data: dict[str, Any], info: dict[str, Any], address: str) -> bool:
    """Add or refresh the host `info` (from the simulator) reached at `address`."""
    for host in data["hosts"]:
        if host.get("uuid") == info["uniqueId"]:
            before = dict(host)
            host.update(hostname=info["hostname"], manualaddress=address, apps=info["apps"])
            return bool(host != before)
    data["hosts"].append(
        {
            "uuid": info["uniqueId"],
            "hostname": info["hostname"],
            "manualaddress": address,
            "apps": info["apps"],
        }
    )
    return True


def pin_server_cert(data: dict[str, Any], unique_id: str) -> bool:
    for host in data["hosts"]:
        if host.get("uuid") == unique_id:
            host["srvcert"] = f"FAKE-SUNSHINE-CERT-{unique_id}"
            return True
    return False


def holds_server_cert(data: dict[str, Any], unique_id: str) -> bool:
    return any(h.get("uuid") == unique_id and h.get("srvcert") for h in data["hosts"])


class SimAnswer:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body

    @property
    def error(self) -> str:
        return str(self.body.get("error", ""))


class SimHost:
    """The simulator's Moonlight endpoints, over plain loopback HTTP."""

    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._netloc = parts.netloc
        self._prefix = parts.path.rstrip("/")

    def host(self, address: str, client_id: str) -> dict[str, Any] | None:
        """The host's serverinfo at `address`, or None when it is unreachable."""
        query = urllib.parse.urlencode({"address": address, "clientId": client_id})
        answer = self._call("GET", f"/_sim/moonlight/host?{query}", None)
        return answer.body if answer.status == 200 else None

    def pair(self, address: str, client_id: str, client_name: str, pin: str) -> SimAnswer:
        body = {"address": address, "clientId": client_id, "clientName": client_name, "pin": pin}
        return self._call("POST", "/_sim/moonlight/pair", body)

    def stream(self, address: str, client_id: str, app: str) -> SimAnswer:
        body = {"address": address, "clientId": client_id, "app": app}
        return self._call("POST", "/_sim/moonlight/stream", body)

    def stream_end(self, stream_id: str) -> None:
        self._call("POST", "/_sim/moonlight/stream-end", {"streamId": stream_id})

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> SimAnswer:
        data = b"" if body is None else json.dumps(body).encode()
        head = [
            f"{method} {self._prefix}{path} HTTP/1.1",
            f"Host: {self._netloc}",
            "Connection: close",
            f"Content-Length: {len(data)}",
        ]
        if body is not None:
            head.append("Content-Type: application/json")
        request = ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + data
        try:
            with socket.create_connection((self._host, self._port), _HTTP_TIMEOUT) as conn:
                conn.sendall(request)
                return _answer(_read_to_end(conn))
        except (OSError, ValueError):
            return SimAnswer(0, {"error": "UNREACHABLE"})  # like a host that does not answer


def _read_to_end(conn: socket.socket) -> bytes:
    chunks: list[bytes] = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(raw: bytes) -> SimAnswer:
    """An HTTP/1.1 response read whole (the server closed it): its status and JSON body.
    The simulator sends every answer with a Content-Length; an answer without one, or
    cut short of it, raises ValueError (the fake then sees the host as unreachable)."""
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        raise ValueError("no end of headers")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    version, status, *_ = status_line.split(" ", 2)
    if not version.startswith("HTTP/1."):
        raise ValueError("not an HTTP/1 response")
    lengths = [
        value
        for name, _, value in (line.partition(":") for line in header_lines)
        if name.strip().lower() == "content-length"
    ]
    if len(lengths) != 1 or len(body) < int(lengths[0]):
        raise ValueError("no Content-Length, or a body cut short of it")
    return SimAnswer(int(status), _json(body[: int(lengths[0])]))


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
