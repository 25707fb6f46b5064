"""The fake tailscaled's control server: who accepts an auth key, and who the peers are.

`HttpKeyVerifier` asks the simulator's admin endpoints (`/_sim/tailscale/*`), so
a key minted by `POST /api/v1/sessions/tailscale-key` joins the session's
tailnet. `MemoryKeyVerifier` plays the same part in memory for unit tests.
Both answer like a control server: a refused key is a `KeyRefused` whose message
reads like one ("auth key expired"), never containing the key.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from pawpado_desktop.tls import tls_context

INVALID_KEY = ("INVALID_KEY", "invalid key: unable to validate API key")
KEY_EXPIRED = ("KEY_EXPIRED", "auth key expired")
KEY_USED = ("KEY_USED", "auth key already used")
DEFAULT_TAILNET = "pawpado-demo.ts.net"


class KeyRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Redemption:
    node_ip: str
    tailnet_name: str
    control_url: str | None
    ephemeral: bool
    approved: bool = True  # False: the tailnet wants an admin to approve the device


class KeyVerifier(Protocol):
    async def redeem(self, auth_key: str, node_id: str, hostname: str) -> Redemption:
        """Accept the key for `node_id` (marks it used) or raise `KeyRefused`."""
        ...

    async def leave(self, node_id: str) -> None: ...

    async def peers(self, node_id: str) -> list[dict[str, Any]] | None:
        """Peers as the simulator describes them; None once the node is unknown (gone)."""
        ...

    async def aclose(self) -> None: ...


class HttpKeyVerifier:
    """Talks to the simulator's `/_sim/tailscale/*` endpoints over loopback HTTP."""

    def __init__(self, sim_url: str, *, timeout: float = 5.0) -> None:
        self.sim_url = sim_url.rstrip("/")
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"HttpKeyVerifier({self.sim_url})"

    def _client(self) -> httpx.AsyncClient:
        # Created lazily so it belongs to the loop of the fake's server thread.
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.sim_url, timeout=self._timeout, trust_env=False, verify=tls_context()
            )
        return self._http

    async def redeem(self, auth_key: str, node_id: str, hostname: str) -> Redemption:
        try:
            response = await self._client().post(
                "/_sim/tailscale/redeem",
                json={"authKey": auth_key, "nodeId": node_id, "hostname": hostname},
            )
        except httpx.HTTPError as exc:
            reason = f"control server unreachable: {type(exc).__name__}"
            raise KeyRefused("UNREACHABLE", reason) from None
        body = _json(response)
        if response.status_code != 200:
            code = str(body.get("error", "INVALID_KEY"))
            message = str(
                body.get("message")
                or dict([INVALID_KEY, KEY_EXPIRED, KEY_USED]).get(code, "auth key rejected")
            )
            raise KeyRefused(code, message.replace(auth_key, "<key>"))
        return Redemption(
            node_ip=str(body["nodeIp"]),
            tailnet_name=str(body.get("tailnetName") or DEFAULT_TAILNET),
            control_url=body.get("controlUrl") if isinstance(body.get("controlUrl"), str) else None,
            ephemeral=bool(body.get("ephemeral", True)),
        )

    async def leave(self, node_id: str) -> None:
        # If the simulator is down the node just stays, like an offline ephemeral node.
        with contextlib.suppress(httpx.HTTPError):
            await self._client().post("/_sim/tailscale/leave", json={"nodeId": node_id})

    async def peers(self, node_id: str) -> list[dict[str, Any]] | None:
        try:
            response = await self._client().get("/_sim/tailscale/peers", params={"nodeId": node_id})
        except httpx.HTTPError:
            return []  # control unreachable: keep the last picture, show no peers
        if response.status_code == 404:
            return None
        peers = _json(response).get("peers")
        return [p for p in peers if isinstance(p, dict)] if isinstance(peers, list) else []

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@dataclass
class _Key:
    expired: bool = False
    used: bool = False
    ephemeral: bool = True
    control_url: str | None = None
    needs_approval: bool = False


@dataclass
class MemoryKeyVerifier:
    """An in-memory control server for unit tests. Thread-safe: the fake runs on its own loop.

    `set_instance()` puts the cloud PC among the peers of every joined node.
    """

    tailnet_name: str = DEFAULT_TAILNET
    joined: dict[str, str] = field(default_factory=dict)  # node id -> hostname
    left: list[str] = field(default_factory=list)
    _keys: dict[str, _Key] = field(default_factory=dict, repr=False)
    _instance: dict[str, Any] | None = field(default=None, repr=False)
    _next_ip: int = 10
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def mint_key(
        self,
        *,
        expired: bool = False,
        ephemeral: bool = True,
        control_url: str | None = None,
        needs_approval: bool = False,
    ) -> str:
        key = f"tskey-auth-k{secrets.token_hex(6)}-{secrets.token_urlsafe(24)}"
        with self._lock:
            self._keys[key] = _Key(expired, False, ephemeral, control_url, needs_approval)
        return key

    def set_instance(
        self,
        ip: str,
        *,
        online: bool = True,
        direct: bool = True,
        relay: str = "sin",
        latency_ms: float | None = None,
    ) -> None:
        """The cloud PC; `latency_ms` is what pings report (None: the fake's 18 / 95 ms)."""
        instance: dict[str, Any] = {
            "id": "n-instance",
            "hostName": "pawpado-instance",
            "dnsName": f"pawpado-instance.{self.tailnet_name}.",
            "tailscaleIPs": [ip],
            "online": online,
            "curAddr": "13.250.1.10:41641" if direct else "",
            "relay": relay,
        }
        if latency_ms is not None:
            instance["pingLatencyMs"] = latency_ms
        with self._lock:
            self._instance = instance

    async def redeem(self, auth_key: str, node_id: str, hostname: str) -> Redemption:
        with self._lock:
            key = self._keys.get(auth_key)
            if key is None:
                raise KeyRefused(*INVALID_KEY)
            if key.expired:
                raise KeyRefused(*KEY_EXPIRED)
            if key.used:
                raise KeyRefused(*KEY_USED)
            key.used = True
            self.joined[node_id] = hostname
            self._next_ip += 1
            ip = f"100.90.0.{self._next_ip}"
        return Redemption(
            ip, self.tailnet_name, key.control_url, key.ephemeral, approved=not key.needs_approval
        )

    async def leave(self, node_id: str) -> None:
        with self._lock:
            if self.joined.pop(node_id, None) is not None:
                self.left.append(node_id)

    async def peers(self, node_id: str) -> list[dict[str, Any]] | None:
        with self._lock:
            if node_id not in self.joined:
                return None
            return [dict(self._instance)] if self._instance else []

    async def aclose(self) -> None:
        return None
