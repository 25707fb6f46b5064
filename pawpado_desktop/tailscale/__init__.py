"""Tailscale: the LocalAPI client, and joining the cloud PC's tailnet on a separate profile.

Typical use, all awaited: `client = await connect_default()` and
`joiner = TailnetJoiner(client, clock=clock)`; at start-up
`joiner.restore_after_crash()`; before Play `joiner.check_ready()`; then
`joiner.join(auth_key, control_url, instance_ip, deadline_s)` (a `JoinResult`),
`joiner.wait_for_instance(ip, timeout_s)` until the cloud PC is online,
`joiner.verify_stream_host(address, ip)` before Moonlight connects,
`joiner.connection_path(ip)` (direct, relayed via a DERP region, or unknown, with the
round trip) while streaming, and at the
end `joiner.leave()` and `client.aclose()`. One process at a time owns the join
(`TailnetBusy` for the others); the game profile is fenced (`fence`).
"""

from pawpado_desktop.tailscale.client import IpnBus, LocalClient, connect_default
from pawpado_desktop.tailscale.errors import (
    StreamHostRefused,
    TailnetBusy,
    TailscaleApiError,
    TailscaleError,
    TailscaleJoinFailed,
    TailscaleKeyRejected,
    TailscaleNoPermission,
    TailscaleNotInstalled,
    TailscaleNotRunning,
    TailscaleOperatorLimit,
    TailscaleProfileChanged,
    UnsafeControlUrl,
    UnsafeGamePrefs,
)
from pawpado_desktop.tailscale.joiner import TailnetJoiner
from pawpado_desktop.tailscale.models import (
    BackendState,
    ConnectionPath,
    JoinResult,
    LoginProfile,
    Notify,
    PathKind,
    PeerInfo,
    PingResult,
    Status,
)

__all__ = [
    "BackendState",
    "ConnectionPath",
    "IpnBus",
    "JoinResult",
    "LocalClient",
    "LoginProfile",
    "Notify",
    "PathKind",
    "PeerInfo",
    "PingResult",
    "Status",
    "StreamHostRefused",
    "TailnetBusy",
    "TailnetJoiner",
    "TailscaleApiError",
    "TailscaleError",
    "TailscaleJoinFailed",
    "TailscaleKeyRejected",
    "TailscaleNoPermission",
    "TailscaleNotInstalled",
    "TailscaleNotRunning",
    "TailscaleOperatorLimit",
    "TailscaleProfileChanged",
    "UnsafeControlUrl",
    "UnsafeGamePrefs",
    "connect_default",
]
