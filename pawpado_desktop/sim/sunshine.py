"""The instance's streaming host (Sunshine) as far as Moonlight can tell.

Its identity and paired clients live on the disk, so they outlive sessions;
PINs and streams belong to the running instance.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field

from pawpado_desktop.sim.errors import SimError


@dataclass
class Pin:
    pin: str = field(repr=False)
    expires_at: float
    used: bool = False


@dataclass(frozen=True)
class Stream:
    id: str
    client_id: str
    app: str
    started_at: float


class Sunshine:
    def __init__(self, hostname: str = "pawpado-cloud-pc") -> None:
        self.unique_id = str(uuid.uuid4()).upper()
        self.hostname = hostname
        self.paired: dict[str, str] = {}  # clientId -> clientName
        self.pin: Pin | None = None
        self.forced_pin: str | None = None
        self.streams: dict[str, Stream] = {}

    def mint_pin(self, now: float, lifetime: float) -> Pin:
        """A new PIN replaces any earlier one."""
        text = self.forced_pin if self.forced_pin is not None else f"{secrets.randbelow(10000):04d}"
        self.forced_pin = None
        self.pin = Pin(text, now + lifetime)
        return self.pin

    def pair(self, client_id: str, client_name: str, pin: str, now: float) -> None:
        current = self.pin
        if current is None or pin != current.pin:
            raise SimError(403, "WRONG_PIN", "The PIN does not match.")
        if current.used or now >= current.expires_at:
            raise SimError(410, "PIN_EXPIRED", "The PIN has expired or was already used.")
        current.used = True
        self.paired[client_id] = client_name

    def start_stream(self, client_id: str, app: str, apps: tuple[str, ...], now: float) -> Stream:
        if client_id not in self.paired:
            raise SimError(403, "NOT_PAIRED", "This client is not paired with the host.")
        if app not in apps:
            raise SimError(404, "UNKNOWN_APP", f"The host has no app named {app!r}.")
        stream = Stream("st_" + secrets.token_hex(8), client_id, app, now)
        self.streams[stream.id] = stream
        return stream

    def end_stream(self, stream_id: str) -> bool:
        return self.streams.pop(stream_id, None) is not None

    def instance_gone(self) -> None:
        """The instance stopped: streams drop and the PIN dies with it."""
        self.streams.clear()
        self.pin = None
