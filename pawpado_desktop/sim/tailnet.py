"""The account's tailnet as a control server sees it: auth keys and joined nodes."""

from __future__ import annotations

import ipaddress
import secrets
import string
from dataclasses import dataclass, field

from pawpado_desktop.sim.errors import SimError

CGNAT = ipaddress.ip_network("100.64.0.0/10")
_KEY_ALPHABET = string.ascii_letters + string.digits


def random_tailnet_ip(taken: set[str]) -> str:
    """A fresh address in 100.64.0.0/10 (never .0 or .255 in the last octet)."""
    while True:
        offset = secrets.randbelow(CGNAT.num_addresses)
        address = str(CGNAT.network_address + offset)
        if address not in taken and not address.endswith((".0", ".255")):
            return address


def _random_text(length: int) -> str:
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(length))


@dataclass
class AuthKey:
    key: str = field(repr=False)
    session_id: int
    expires_at: float
    tags: tuple[str, ...]
    ephemeral: bool = True
    used: bool = False


@dataclass
class Node:
    node_id: str
    hostname: str
    ip: str
    session_id: int | None  # the session during which it joined
    ephemeral: bool


class Tailnet:
    def __init__(self) -> None:
        self.keys: dict[str, AuthKey] = {}
        self.nodes: dict[str, Node] = {}

    def mint_key(
        self, session_id: int, now: float, lifetime: float, tags: tuple[str, ...]
    ) -> AuthKey:
        # Shaped like Tailscale's: tskey-auth-<id>-<secret>.
        text = f"tskey-auth-k{_random_text(11)}-{_random_text(32)}"
        key = AuthKey(key=text, session_id=session_id, expires_at=now + lifetime, tags=tags)
        self.keys[text] = key
        return key

    def redeem(
        self,
        key_text: str,
        node_id: str,
        hostname: str,
        *,
        session_id: int | None,
        now: float,
        taken_ips: set[str],
    ) -> tuple[Node, AuthKey]:
        key = self.keys.get(key_text)
        if key is None:
            raise SimError(400, "INVALID_KEY", "invalid key: unable to validate API key")
        if key.used:
            raise SimError(400, "KEY_USED", "auth key already used")
        if now >= key.expires_at:
            raise SimError(400, "KEY_EXPIRED", "auth key expired")
        key.used = True
        previous = self.nodes.get(node_id)
        ip = previous.ip if previous else random_tailnet_ip(taken_ips | self.node_ips())
        node = Node(node_id, hostname, ip, session_id, key.ephemeral)
        self.nodes[node_id] = node
        return node, key

    def leave(self, node_id: str) -> None:
        self.nodes.pop(node_id, None)  # every node here is ephemeral: gone at once

    def node_ips(self) -> set[str]:
        return {n.ip for n in self.nodes.values()}

    def joined_during(self, session_id: int) -> bool:
        return any(n.session_id == session_id for n in self.nodes.values())
