"""The path to the cloud PC: direct (with the endpoint), relayed through a DERP region, or
unknown, with the round-trip time of the last ping.

Read from tailscaled (fact sheet, section 3): a disco ping's `PingResult` says how the
pong came back (`Endpoint` set: direct; `DERPRegionCode` set: through that relay) and
its `LatencySeconds`; without a pong, the peer's `CurAddr` (direct) or `Relay` (DERP
region code) in the status says what the engine last used. The LocalAPI gives region
codes ("sin"); the names are those of Tailscale's default DERP map, and a code it does
not know (a custom DERP server) is shown as the code.
"""

from __future__ import annotations

import re

from pawpado_desktop.tailscale.models import ConnectionPath, PathKind, PeerStatus, PingResult

# Tailscale's default DERP regions, code -> name.
DERP_REGIONS: dict[str, str] = {
    "ams": "Amsterdam",
    "blr": "Bangalore",
    "dbi": "Dubai",
    "den": "Denver",
    "dfw": "Dallas",
    "fra": "Frankfurt",
    "hkg": "Hong Kong",
    "hnl": "Honolulu",
    "jnb": "Johannesburg",
    "lax": "Los Angeles",
    "lhr": "London",
    "mad": "Madrid",
    "mia": "Miami",
    "nai": "Nairobi",
    "nyc": "New York City",
    "ord": "Chicago",
    "par": "Paris",
    "sao": "São Paulo",
    "sea": "Seattle",
    "sfo": "San Francisco",
    "sin": "Singapore",
    "syd": "Sydney",
    "tok": "Tokyo",
    "tor": "Toronto",
    "waw": "Warsaw",
}
_CODE = re.compile(r"[A-Za-z0-9._-]{1,32}")  # daemon text: shown only when it looks like a code
_ENDPOINT = re.compile(r"[0-9A-Fa-f.:\[\]]{3,60}")


def region_name(code: str) -> str:
    """A DERP region's name ("Singapore" for "sin"); the code for a region not in the list."""
    return DERP_REGIONS.get(code.lower(), code)


def describe(path: ConnectionPath) -> str:
    """`Direct · 18 ms`, `Relayed via Singapore · 95 ms`, `Connection path unknown`: the
    CLI's words (the tray words it through its catalogue)."""
    if path.kind is PathKind.DIRECT:
        text = "Direct"
    elif path.kind is PathKind.RELAYED:
        text = f"Relayed via {region_name(path.relay_code)}" if path.relay_code else "Relayed"
    else:
        return "Connection path unknown"
    return text if path.rtt_ms is None else f"{text} · {round(path.rtt_ms)} ms"


UNKNOWN_PATH = ConnectionPath(PathKind.UNKNOWN)


def path_from(peer: PeerStatus, ping: PingResult | None) -> ConnectionPath:
    """The path as the ping saw it, else as the status last saw it (no round trip then)."""
    if not peer.online:
        return UNKNOWN_PATH
    if ping is not None and ping.direct is not None:
        rtt = ping.latency_s * 1000 if ping.latency_s is not None else None
        if ping.direct:
            return ConnectionPath(PathKind.DIRECT, endpoint=_endpoint(ping.endpoint), rtt_ms=rtt)
        return ConnectionPath(PathKind.RELAYED, relay_code=_code(ping.derp_region_code), rtt_ms=rtt)
    if peer.cur_addr:
        return ConnectionPath(PathKind.DIRECT, endpoint=_endpoint(peer.cur_addr))
    if peer.relay:
        return ConnectionPath(PathKind.RELAYED, relay_code=_code(peer.relay))
    return UNKNOWN_PATH


def _code(raw: str) -> str:
    return raw if _CODE.fullmatch(raw) else ""


def _endpoint(raw: str) -> str:
    return raw if _ENDPOINT.fullmatch(raw) else ""
