"""The fence around the game tailnet: what a server may make Tailscale and Moonlight do.

The control URL, the auth key and the stream host all come from Pawpado's server.
A compromised or broken server must not get this computer's DNS, its routes or an
exit node through the game profile, nor point Moonlight (which sends keyboard and
mouse input) at a host outside the game tailnet. So:
- the control URL must be https (plain http only to a loopback host: tests, simulator);
- the game profile's prefs force the settings below whatever the platform's defaults
  (`RouteAll` defaults to true on Windows and macOS, `CorpDNS` everywhere);
- the stream host must be a Tailscale address of a peer of the joined tailnet; a host
  name counts only if it names that peer in tailscaled's own status (never DNS).
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from pawpado_desktop.errors import Phrase
from pawpado_desktop.safe_url import url_problem
from pawpado_desktop.tailscale.errors import StreamHostRefused, UnsafeControlUrl
from pawpado_desktop.tailscale.models import PeerStatus, Prefs, Status

# Applied last to the game profile's prefs (fact sheet, section 3: `ipn.Prefs`).
FENCED_PREFS: dict[str, Any] = {
    "CorpDNS": False,  # the game tailnet's DNS settings stay out of this computer
    "RouteAll": False,  # no subnet routes it advertises
    "ExitNodeID": "",  # no exit node: the user's traffic keeps its own way out
    "ExitNodeIP": "",
    "RunSSH": False,  # no Tailscale SSH server towards the game tailnet
    "RunWebClient": False,
    "AdvertiseRoutes": [],  # this computer routes nothing for the game tailnet
}

TAILSCALE_V4 = ipaddress.ip_network("100.64.0.0/10")
TAILSCALE_V6 = ipaddress.ip_network("fd7a:115c:a1e0::/48")


def check_control_url(url: str) -> str:
    """The control URL if it is safe to hand to tailscaled, else `UnsafeControlUrl`.

    The same rule as any server URL (`safe_url.url_problem`: https, plain http only to
    a loopback host, no user info), and no query or fragment either.
    """
    if url_problem(url) is not None:
        raise UnsafeControlUrl(url)
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise UnsafeControlUrl(url)
    return url


def fence_prefs(prefs: Prefs) -> Prefs:
    """`prefs` with the fenced settings forced (a new dict)."""
    return {**prefs, **FENCED_PREFS}


def fence_violations(prefs: Prefs) -> list[str]:
    """The fenced prefs tailscaled does not hold as we set them (a policy may override)."""
    wrong = []
    for name, wanted in FENCED_PREFS.items():
        value = prefs.get(name)
        if name == "AdvertiseRoutes":
            if value:  # [] and null both mean none
                wrong.append(name)
        elif name == "ExitNodeIP":
            if value not in ("", None):
                wrong.append(name)
        elif value != wanted:
            wrong.append(name)
    return wrong


def is_tailscale_ip(text: str) -> bool:
    """Whether `text` is an address Tailscale hands out (100.64.0.0/10, fd7a:115c:a1e0::/48)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if address.version == 4:
        return address in TAILSCALE_V4
    return address in TAILSCALE_V6


def split_host_port(address: str) -> tuple[str, int | None]:
    """`host:port`, `[v6]:port`, a bare host or a bare IPv6 address, as (host, port)."""
    if address.startswith("["):
        host, sep, rest = address[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError("bad bracketed address")
        return host, _port(rest[1:]) if rest else None
    if address.count(":") > 1:
        return address, None  # a bare IPv6 address
    host, sep, port = address.partition(":")
    return host, _port(port) if sep else None


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError("bad port")
    return int(text)


def join_host_port(host: str, port: int | None) -> str:
    shown_host = f"[{host}]" if ":" in host else host
    return shown_host if port is None else f"{shown_host}:{port}"


def _names_of(peer: PeerStatus) -> set[str]:
    names = {peer.host_name.lower()} if peer.host_name else set()
    dns = peer.dns_name.rstrip(".").lower()
    if dns:
        names.update({dns, dns.split(".")[0]})
    return names


def resolve_stream_host(status: Status, address: str, instance_ip: str | None) -> str:
    """The address to give Moonlight, checked against tailscaled's view of the tailnet.

    The host must be a Tailscale address of a peer (not this computer), or a name
    that tailscaled's status gives to exactly one peer, which then stands in as
    its address. With `instance_ip` (the session's cloud PC), it must be that peer.
    """
    try:
        host, port = split_host_port(address.strip())
    except ValueError:
        raise StreamHostRefused(address, Phrase("it is not a host and port")) from None
    if not host:
        raise StreamHostRefused(address, Phrase("it names no host"))
    try:
        literal: str | None = str(ipaddress.ip_address(host))
    except ValueError:
        literal = None
    if literal is not None:
        if not is_tailscale_ip(literal):
            raise StreamHostRefused(address, Phrase("it is not an address on a Tailscale network"))
        peer = status.peer_with_ip(literal)
        if peer is None:
            raise StreamHostRefused(address, Phrase("no computer has it on the game network"))
        chosen = literal
    else:
        wanted = host.rstrip(".").lower()
        matches = [p for p in status.peers if wanted in _names_of(p)]
        if len(matches) != 1:
            raise StreamHostRefused(
                address, Phrase("it does not name your gaming PC on the game network")
            )
        peer = matches[0]
        usable = [ip for ip in peer.tailscale_ips if is_tailscale_ip(ip)]
        if not usable:
            raise StreamHostRefused(address, Phrase("your gaming PC has no Tailscale address"))
        chosen = next((ip for ip in usable if ":" not in ip), usable[0])
    if instance_ip and instance_ip not in peer.tailscale_ips:
        raise StreamHostRefused(address, Phrase("it is not your gaming PC on the game network"))
    return join_host_port(chosen, port)
