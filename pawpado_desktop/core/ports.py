"""What the core needs from Tailscale and Moonlight, as structural protocols.

`pawpado_desktop.tailscale` and `pawpado_desktop.moonlight` satisfy these; tests
and benchmarks may pass other implementations. Keeping the core to these few
calls keeps the Play pipeline readable and its failure paths testable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.tailscale.models import ConnectionPath


class Tailnet(Protocol):
    async def check_ready(self) -> object:
        """Raise a precise error unless tailscaled is installed, running and writable."""
        ...

    async def join(
        self, auth_key: str, control_url: str | None, instance_ip: str | None, deadline_s: float
    ) -> Any:
        """Join on a fresh profile, remembering the user's to restore it later."""
        ...

    async def leave(self) -> None:
        """Log out of our profile and switch back to the user's. Idempotent."""
        ...

    async def restore_after_crash(self) -> bool:
        """Restore the user's profile if a previous run died mid-join."""
        ...

    async def verify_stream_host(self, address: str, instance_ip: str | None) -> str:
        """The checked `host:port` to give Moonlight: a peer of the joined tailnet (the
        cloud PC at `instance_ip`, when given). Raises a PawpadoError for any other host."""
        ...

    async def connection_path(self, instance_ip: str) -> ConnectionPath:
        """How this computer reaches the cloud PC now: direct, relayed, or unknown, with the
        round trip; read-only and bounded (a ping of at most a couple of seconds)."""
        ...


class StreamOutcome(Protocol):
    def error(self) -> PawpadoError | None:
        """Why the stream failed (a crash, a failure dialog), or None if it ended well."""
        ...


class StreamHandle(Protocol):
    async def wait(self) -> StreamOutcome:
        """Return when the stream process has ended, with how it ended."""
        ...

    async def terminate(self) -> object: ...


class Streamer(Protocol):
    async def check_ready(self) -> object:
        """Raise a precise error unless Moonlight is installed and new enough."""
        ...

    async def is_paired(self, address: str) -> bool: ...

    async def pair(self, address: str, pin: str, expires_at: datetime) -> None: ...

    async def stream(self, address: str, app: str, options: Any) -> StreamHandle:
        """Launch the stream; `options` from `moonlight.StreamOptions.from_settings`."""
        ...

    async def close_orphans(self) -> object:
        """Close the Moonlight processes a Pawpado process that died left running."""
        ...
