"""What `build_core` is built from: every outside choice, made explicit.

The environment is read once, at the entry point (`cli/wiring.wiring_from_env`);
the demo world and the test rigs make a `Wiring` of their own. Nothing below the
entry point reads the environment to decide where to connect or what to store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pawpado_desktop import safe_url
from pawpado_desktop.auth.store import CredentialStore
from pawpado_desktop.clock import SYSTEM_CLOCK, Clock
from pawpado_desktop.config import Endpoints
from pawpado_desktop.core.ownership import Role
from pawpado_desktop.moonlight.client import MoonlightTimeouts
from pawpado_desktop.tailscale.endpoint import LocalEndpoint

UrlOpener = Callable[[str], Awaitable[bool | None]]  # False: no browser could be opened
Closer = Callable[[], Awaitable[None]]
# Where the sign-in is kept: the OS keyring (default), an opt-in 0600 file, memory for
# this run only, or a store object of the caller's (tests, embedders).
CredentialStoreChoice = Literal["keyring", "file", "memory"] | CredentialStore


async def open_in_browser(url: str) -> bool:
    """Open `url` through the one gate (safe_url): anything but a web address raises;
    False when no browser could be opened."""
    return await safe_url.open_in_browser(url)


def tailscaled_at(address: str) -> LocalEndpoint:
    """tailscaled at a given socket path (or a Windows named pipe, `\\\\.\\pipe\\...`)."""
    return LocalEndpoint("pipe" if address.startswith("\\\\") else "unix", address)


@dataclass(frozen=True)
class Wiring:
    endpoints: Endpoints
    config_dir: Path  # settings, state files, locks, the history
    # The environment Moonlight's children run in and its install search looks at
    # (PATH, HOME, DISPLAY); the explicit location is `moonlight_path`, not this.
    child_env: Mapping[str, str]
    credential_store: CredentialStoreChoice = "keyring"
    tailnet: LocalEndpoint | None = None  # None: this computer's tailscaled
    moonlight_path: str = ""  # an explicit Moonlight executable (the setting still wins)
    clock: Clock = SYSTEM_CLOCK
    open_url: UrlOpener = open_in_browser
    role: Role = Role.CLI
    demo: bool = False
    moonlight_timeouts: MoonlightTimeouts | None = None
    # Released after every service, last first (the demo world).
    on_close: tuple[Closer, ...] = ()
