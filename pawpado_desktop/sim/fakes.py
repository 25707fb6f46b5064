"""What the fake tailscaled and the fake Moonlight ask the simulated world.

These functions are the one implementation behind both the /_sim/tailscale and
/_sim/moonlight endpoints and the matching `SimControl` methods. Callers hold
the world's lock with the world advanced to `now`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pawpado_desktop.sim.errors import SimError
from pawpado_desktop.sim.world import World

WIREGUARD_PORT = 41641


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def instance_hostname(world: World) -> str:
    """The instance's tailnet host name: stable per instance id."""
    instance = world.sessions.current.instance_id or "none"
    return f"pawpado-{_digest(instance)[:8]}"


def instance_dns_name(world: World) -> str:
    return f"{instance_hostname(world)}.{world.config.tailnet_name}"


def instance_peers(world: World) -> list[dict[str, Any]]:
    """The instance as a peer, once it is running (online once ready)."""
    s = world.sessions.current
    if s.state != "running" or s.tailnet_ip is None:
        return []
    relayed = world.relay_path
    peer: dict[str, Any] = {
        "id": "n" + _digest(s.instance_id or "")[:12],
        "hostName": instance_hostname(world),
        "dnsName": instance_dns_name(world) + ".",
        "tailscaleIPs": [s.tailnet_ip],
        "online": s.ready,
        "curAddr": "" if relayed else f"{s.public_ip}:{WIREGUARD_PORT}",
        "relay": world.relay_region,
    }
    # Not PeerStatus fields: how the fake tailscaled answers a ping to this peer.
    if world.path_latency_ms is not None:
        peer["pingLatencyMs"] = world.path_latency_ms
    if world.ping_error:
        peer["pingError"] = world.ping_error
    return [peer]


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise SimError(400, "BAD_REQUEST", f"{name}: required, a non-empty string")
    return value


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise SimError(400, "BAD_REQUEST", "body: must be a JSON object")
    return body


# -- tailscale -----------------------------------------------------------------------


def tailscale_redeem(world: World, now: float, body: Any) -> dict[str, Any]:
    request = _object(body)
    key_text, node_id = _text(request, "authKey"), _text(request, "nodeId")
    hostname = str(request.get("hostname") or node_id)
    s = world.sessions.current
    during = s.id if s.state in ("provisioning", "starting", "running") else None
    taken = {s.tailnet_ip} if s.tailnet_ip else set()
    node, key = world.tailnet.redeem(
        key_text, node_id, hostname, session_id=during, now=now, taken_ips=taken
    )
    return {
        "nodeIp": node.ip,
        "controlUrl": world.config.tailscale_control_url,
        "tailnetName": world.config.tailnet_name,
        "ephemeral": key.ephemeral,
        "peers": instance_peers(world),
    }


def tailscale_leave(world: World, body: Any) -> None:
    world.tailnet.leave(_text(_object(body), "nodeId"))


def tailscale_peers(world: World, node_id: str) -> dict[str, Any]:
    if node_id not in world.tailnet.nodes:
        raise SimError(404, "UNKNOWN_NODE", f"No node {node_id!r} is on the tailnet.")
    return {"peers": instance_peers(world)}


# -- moonlight -----------------------------------------------------------------------


def _reachable(world: World, address: str) -> None:
    """The streaming host answers only at its tailnet address, once ready, to a
    client that joined the tailnet during this session."""
    s = world.sessions.current
    expected = f"{s.tailnet_ip}:{world.config.connect_port}"
    up = s.state == "running" and s.ready and address == expected
    if not up or not world.tailnet.joined_during(s.id):
        raise SimError(404, "UNREACHABLE", f"No streaming host answered at {address}.")


def moonlight_host(world: World, address: str, client_id: str) -> dict[str, Any]:
    _reachable(world, address)
    host = world.sunshine
    return {
        "uniqueId": host.unique_id,
        "hostname": host.hostname,
        "apps": list(world.config.moonlight_apps),
        "paired": client_id in host.paired,
    }


def moonlight_pair(world: World, now: float, body: Any) -> dict[str, Any]:
    request = _object(body)
    _reachable(world, _text(request, "address"))
    client_id = _text(request, "clientId")
    pin = request.get("pin")
    if not isinstance(pin, str):
        raise SimError(400, "BAD_REQUEST", "pin: required, four digits as a string")
    world.sunshine.pair(client_id, str(request.get("clientName") or client_id), pin, now)
    return {"uniqueId": world.sunshine.unique_id}


def moonlight_stream(world: World, now: float, body: Any) -> dict[str, Any]:
    request = _object(body)
    _reachable(world, _text(request, "address"))
    stream = world.sunshine.start_stream(
        _text(request, "clientId"), _text(request, "app"), world.config.moonlight_apps, now
    )
    world.sessions.stream_started()
    return {"streamId": stream.id}


def moonlight_stream_end(world: World, now: float, body: Any) -> None:
    if world.sunshine.end_stream(_text(_object(body), "streamId")):
        world.sessions.stream_ended(now)
