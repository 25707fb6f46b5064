"""Where tailscaled's LocalAPI listens on this computer, and whether Tailscale is installed.

Per platform (see the LocalAPI fact sheet, section 1):
- Linux and other Unixes: a Unix socket at one of the default paths.
- macOS: the App Store app (TCP port + token found with `lsof`), then the
  standalone app (`/Library/Tailscale/ipnport` + `sameuserproof-<port>`), then
  the open-source daemon's Unix socket, in the order the `tailscale` CLI uses.
- Windows: the named pipe tailscaled has used since v1.34.
`PAWPADO_TAILSCALE_SOCKET` overrides all of that with a socket (or pipe) path.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.concurrency import within

SOCKET_ENV = "PAWPADO_TAILSCALE_SOCKET"

LINUX_SOCKETS = (
    "/var/run/tailscale/tailscaled.sock",
    "/run/tailscale/tailscaled.sock",
    "/var/packages/Tailscale/var/tailscaled.sock",  # Synology DSM7
    "/var/packages/Tailscale/etc/tailscaled.sock",  # Synology DSM6
    "/tmp/tailscale/tailscaled.sock",  # QNAP  # noqa: S108 - a fixed system path, not a temp file
    "/perm/tailscaled/tailscaled.sock",  # Gokrazy
)
MACOS_SOCKET = "/var/run/tailscaled.socket"
MACSYS_PORT_LINK = "/Library/Tailscale/ipnport"
WINDOWS_PIPE = r"\\.\pipe\ProtectedPrefix\Administrators\Tailscale\tailscaled"

# Where installers put the CLI or the daemon, for GUI launches with a minimal PATH.
KNOWN_INSTALL_DIRS: Mapping[str, Sequence[str]] = {
    "linux": ("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/snap/bin"),
    "darwin": (
        "/Applications/Tailscale.app/Contents/MacOS",
        "/opt/homebrew/bin",
        "/usr/local/bin",
    ),
    "win32": (r"C:\Program Files\Tailscale", r"C:\Program Files (x86)\Tailscale"),
}
_PROGRAM_NAMES = ("tailscale", "tailscaled", "Tailscale", "tailscale.exe", "tailscale-ipn.exe")

_SAME_USER_PROOF = re.compile(r"sameuserproof-(\d+)-([0-9A-Za-z]+)")
LSOF_TIMEOUT_S = 5.0
PORT_PROBE_TIMEOUT_S = 1.0  # as the Go client's dial probe


def platform_family(platform: str | None = None) -> str:
    platform = platform or sys.platform
    if platform.startswith("linux"):
        return "linux"
    if platform.startswith(("win", "cygwin")):
        return "win32"
    return platform


@dataclass(frozen=True)
class LocalEndpoint:
    """How to reach tailscaled: a Unix socket, a loopback TCP port with a token, or a pipe."""

    kind: Literal["unix", "tcp", "pipe"]
    address: str  # socket path, "127.0.0.1:<port>", or pipe path
    token: str | None = field(default=None, repr=False)  # macOS GUI same-user proof

    def describe(self) -> str:
        return {"unix": "socket", "tcp": "port", "pipe": "pipe"}[self.kind] + " " + self.address


async def discover_endpoint(
    env: Mapping[str, str] | None = None, *, platform: str | None = None
) -> LocalEndpoint:
    env = os.environ if env is None else env
    family = platform_family(platform)
    override = env.get(SOCKET_ENV, "").strip()
    if override:
        kind: Literal["unix", "pipe"] = "pipe" if override.startswith("\\\\") else "unix"
        return LocalEndpoint(kind, override)
    if family == "win32":
        return LocalEndpoint("pipe", WINDOWS_PIPE)
    if family == "darwin":
        found = await _macos_app_store_endpoint()
        if found is None:
            macsys = await asyncio.to_thread(_macsys_endpoint)
            # The files outlive the app: use the port only if something listens there.
            found = macsys if macsys and await _port_answers(macsys.address) else None
        return found or LocalEndpoint("unix", MACOS_SOCKET)
    existing = await asyncio.to_thread(_first_existing, LINUX_SOCKETS)
    return LocalEndpoint("unix", existing or LINUX_SOCKETS[0])


async def _port_answers(address: str, timeout_s: float = PORT_PROBE_TIMEOUT_S) -> bool:
    host, _, port = address.rpartition(":")
    try:
        _, writer = await within(SYSTEM_CLOCK, timeout_s, asyncio.open_connection(host, int(port)))
    except (OSError, TimeoutError, ValueError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


def _first_existing(paths: Sequence[str]) -> str | None:
    return next((path for path in paths if os.path.exists(path)), None)


def find_tailscale(
    env: Mapping[str, str] | None = None,
    *,
    platform: str | None = None,
    search_dirs: Sequence[str] | None = None,
) -> str | None:
    """Absolute path of an installed Tailscale program, or None.

    Looks in PATH and in the installers' usual folders (`search_dirs` replaces
    both, for tests).
    """
    env = os.environ if env is None else env
    if search_dirs is None:
        path_dirs = [d for d in env.get("PATH", "").split(os.pathsep) if d]
        search_dirs = [*path_dirs, *KNOWN_INSTALL_DIRS.get(platform_family(platform), ())]
    search_path = os.pathsep.join(search_dirs)
    for name in _PROGRAM_NAMES:
        found = shutil.which(name, path=search_path)
        if found:
            return found
    return None


async def _macos_app_store_endpoint() -> LocalEndpoint | None:
    """The sandboxed App Store app leaves its port and token in an open file's name."""
    lsof = shutil.which("lsof") or "/usr/sbin/lsof"
    try:
        process = await asyncio.create_subprocess_exec(
            lsof,
            "-n",
            "-a",
            f"-u{os.getuid()}",
            "-c",
            "IPNExtension",
            "-F",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return None
    try:
        output, _ = await within(SYSTEM_CLOCK, LSOF_TIMEOUT_S, process.communicate())
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return None
    return parse_same_user_proof(output.decode(errors="replace"))


def parse_same_user_proof(lsof_output: str) -> LocalEndpoint | None:
    for line in lsof_output.splitlines():
        if ".tailscale.ipn.macos/" not in line:
            continue
        match = _SAME_USER_PROOF.search(line)
        if match:
            return LocalEndpoint("tcp", f"127.0.0.1:{match.group(1)}", token=match.group(2))
    return None


def _macsys_endpoint(port_link: str = MACSYS_PORT_LINK) -> LocalEndpoint | None:
    """The standalone app: a symlink whose target is the port, and a token file next to it."""
    try:
        port = int(os.readlink(port_link))
        proof = Path(port_link).parent / f"sameuserproof-{port}"
        token = proof.read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None  # absent, or not an admin (the token file is 0640 root:admin)
    return LocalEndpoint("tcp", f"127.0.0.1:{port}", token=token) if token else None
