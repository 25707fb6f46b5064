"""Typed views of the LocalAPI's JSON (Go field names, parsed leniently).

Only the fields the app uses are lifted into attributes; `raw` keeps the rest,
because tailscaled adds fields between releases and a complete prefs object must
be sent back whole. Prefs stay a plain dict for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

Prefs = dict[str, Any]
DEFAULT_CONTROL_URL = "https://controlplane.tailscale.com"


class BackendState(IntEnum):
    """`Notify.State` numbers; `Status.BackendState` carries the names."""

    NO_STATE = 0
    IN_USE_OTHER_USER = 1
    NEEDS_LOGIN = 2
    NEEDS_MACHINE_AUTH = 3
    STOPPED = 4
    STARTING = 5
    RUNNING = 6

    @property
    def go_name(self) -> str:
        return _GO_NAMES[self]

    @classmethod
    def from_go_name(cls, name: str) -> BackendState:
        for state, go_name in _GO_NAMES.items():
            if go_name == name:
                return state
        return cls.NO_STATE


_GO_NAMES = {
    BackendState.NO_STATE: "NoState",
    BackendState.IN_USE_OTHER_USER: "InUseOtherUser",
    BackendState.NEEDS_LOGIN: "NeedsLogin",
    BackendState.NEEDS_MACHINE_AUTH: "NeedsMachineAuth",
    BackendState.STOPPED: "Stopped",
    BackendState.STARTING: "Starting",
    BackendState.RUNNING: "Running",
}


def _str(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    return value if isinstance(value, str) else ""


def _strings(raw: dict[str, Any], key: str) -> list[str]:
    value = raw.get(key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]


def _obj(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


@dataclass(frozen=True)
class PeerStatus:
    id: str
    host_name: str
    dns_name: str
    tailscale_ips: list[str]
    online: bool
    cur_addr: str  # the direct endpoint; empty when relayed
    relay: str  # DERP region code
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, raw: Any) -> PeerStatus:
        raw = _obj(raw)
        return cls(
            id=_str(raw, "ID"),
            host_name=_str(raw, "HostName"),
            dns_name=_str(raw, "DNSName"),
            tailscale_ips=_strings(raw, "TailscaleIPs"),
            online=raw.get("Online") is True,
            cur_addr=_str(raw, "CurAddr"),
            relay=_str(raw, "Relay"),
            raw=raw,
        )


@dataclass(frozen=True)
class Status:
    backend_state: BackendState
    tailscale_ips: list[str]
    auth_url: str
    tailnet_name: str  # empty when not connected
    health: list[str]
    version: str
    self_peer: PeerStatus | None
    peers: list[PeerStatus]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, raw: Any) -> Status:
        raw = _obj(raw)
        peer_map = _obj(raw.get("Peer"))
        tailnet = _obj(raw.get("CurrentTailnet"))
        return cls(
            backend_state=BackendState.from_go_name(_str(raw, "BackendState")),
            tailscale_ips=_strings(raw, "TailscaleIPs"),
            auth_url=_str(raw, "AuthURL"),
            tailnet_name=_str(tailnet, "Name"),
            health=_strings(raw, "Health"),
            version=_str(raw, "Version"),
            self_peer=PeerStatus.parse(raw["Self"]) if isinstance(raw.get("Self"), dict) else None,
            peers=[PeerStatus.parse(peer) for peer in peer_map.values()],
            raw=raw,
        )

    @property
    def ipv4(self) -> str | None:
        """This node's IPv4 tailnet address, if it has one."""
        return next((ip for ip in self.tailscale_ips if ":" not in ip), None)

    def peer_with_ip(self, ip: str) -> PeerStatus | None:
        return next((peer for peer in self.peers if ip in peer.tailscale_ips), None)


@dataclass(frozen=True)
class LoginProfile:
    id: str  # "" for a new empty profile that never logged in
    name: str
    control_url: str
    login_name: str
    tailnet: str
    node_id: str
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, raw: Any) -> LoginProfile:
        raw = _obj(raw)
        return cls(
            id=_str(raw, "ID"),
            name=_str(raw, "Name"),
            control_url=_str(raw, "ControlURL"),
            login_name=_str(_obj(raw.get("UserProfile")), "LoginName"),
            tailnet=_str(_obj(raw.get("NetworkProfile")), "DomainName"),
            node_id=_str(raw, "NodeID"),
            raw=raw,
        )


@dataclass(frozen=True)
class Notify:
    """One IPN bus message; `None`/empty means the field was absent (unchanged)."""

    state: BackendState | None
    err_message: str
    browse_to_url: str
    login_finished: bool
    prefs: Prefs | None
    health_warnings: list[str]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, raw: Any) -> Notify:
        raw = _obj(raw)
        state = raw.get("State")
        warnings = _obj(_obj(raw.get("Health")).get("Warnings"))
        return cls(
            state=BackendState(state) if isinstance(state, int) and 0 <= state <= 6 else None,
            err_message=_str(raw, "ErrMessage"),
            browse_to_url=_str(raw, "BrowseToURL"),
            login_finished="LoginFinished" in raw,
            prefs=raw["Prefs"] if isinstance(raw.get("Prefs"), dict) else None,
            health_warnings=[
                _str(_obj(w), "Text") or _str(_obj(w), "Title") for w in warnings.values()
            ],
            raw=raw,
        )


@dataclass(frozen=True)
class PingResult:
    ip: str
    node_name: str
    err: str
    latency_s: float | None
    endpoint: str  # "ip:port" when the pong came over a direct path
    derp_region_code: str  # set when it came through a relay
    is_local_ip: bool
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, raw: Any) -> PingResult:
        raw = _obj(raw)
        latency = raw.get("LatencySeconds")
        return cls(
            ip=_str(raw, "IP"),
            node_name=_str(raw, "NodeName"),
            err=_str(raw, "Err"),
            latency_s=float(latency) if isinstance(latency, int | float) else None,
            endpoint=_str(raw, "Endpoint"),
            derp_region_code=_str(raw, "DERPRegionCode"),
            is_local_ip=raw.get("IsLocalIP") is True,
            raw=raw,
        )

    @property
    def direct(self) -> bool | None:
        if self.err:
            return None
        if self.endpoint:
            return True
        return False if self.derp_region_code else None


class PathKind(StrEnum):
    DIRECT = "direct"
    RELAYED = "relayed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ConnectionPath:
    """How this computer reaches the cloud PC (`TailnetJoiner.connection_path`)."""

    kind: PathKind
    endpoint: str = ""  # "ip:port" of the cloud PC, when direct
    relay_code: str = ""  # the DERP region code ("sin"), when relayed
    rtt_ms: float | None = None  # the last ping's round trip; None without a pong


@dataclass(frozen=True)
class PeerInfo:
    """The cloud PC as this computer sees it on the tailnet."""

    ip: str
    host_name: str
    dns_name: str
    online: bool
    path: ConnectionPath

    @property
    def direct(self) -> bool | None:
        """None: unknown (offline, or neither a pong nor the engine tells)."""
        if self.path.kind is PathKind.UNKNOWN:
            return None
        return self.path.kind is PathKind.DIRECT


@dataclass(frozen=True)
class JoinResult:
    node_ip: str  # this computer's address on the game tailnet
    profile_name: str
    instance: PeerInfo | None

    @property
    def direct(self) -> bool | None:
        return self.instance.direct if self.instance else None
