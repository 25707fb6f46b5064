"""What the fake Moonlight remembers, and how it reaches the simulated host.

`FakeMoonlightConfig` is the fake's Moonlight.conf: its client id and the
hosts it knows, keyed by the host's uniqueId, with the pinned server
certificate (`srvcert`) only for hosts it paired with. `SimHost` talks to the
simulator's `/_sim/moonlight/*` endpoints, which stand in for Sunshine.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pawpado_desktop.config import atomic_write

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


@dataclass(frozen=True)
class SimAnswer:
    status: int
    body: dict[str, Any]

    @property
    def error(self) -> str:
        return str(self.body.get("error", ""))


class SimHost:
    """The simulator's Moonlight endpoints, over plain loopback HTTP."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        # Never through a proxy: the simulator is on this machine.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

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
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the simulator's http base
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data else {},
        )
        try:
            with self._opener.open(request, timeout=_HTTP_TIMEOUT) as response:
                return SimAnswer(response.status, _json(response.read()))
        except urllib.error.HTTPError as error:
            return SimAnswer(error.code, _json(error.read()))
        except (urllib.error.URLError, OSError):
            return SimAnswer(0, {"error": "UNREACHABLE"})  # like a host that does not answer


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
