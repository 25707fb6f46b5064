"""Moonlight as the app uses it: ready check, pairing state, pairing, streaming.

Only `moonlight list` has meaningful exit codes; `pair` and `stream` end on
dialogs and exit 0 whatever happened. So pairing is decided by polling `list`
under our own deadline (the PIN's expiry, on the app's Clock), and the pair
process, which stays open on its success dialog, is closed by us once the
pairing has had a moment to be saved.

Process timeouts are real seconds (the child runs on real time); the PIN
deadline and the polling rhythm follow the Clock, as the server's PIN does.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from pawpado_desktop.clock import SYSTEM_CLOCK, Clock
from pawpado_desktop.concurrency import first_of, within
from pawpado_desktop.config import LocalSettings
from pawpado_desktop.moonlight.children import ChildKind, ChildRecord, ChildRegistry
from pawpado_desktop.moonlight.dialogs import Outcome, classify, last_outcome
from pawpado_desktop.moonlight.errors import (
    INSTALL_URL,
    BadAddress,
    HostUnreachable,
    MoonlightTooOld,
    MoonlightUnusable,
    PairingFailed,
    PinExpired,
    StreamSettingsInvalid,
    WrongPin,
)
from pawpado_desktop.moonlight.instances import RunningMoonlight, running_moonlights
from pawpado_desktop.moonlight.locate import MoonlightExecutable, SearchRoots, locate_moonlight
from pawpado_desktop.moonlight.options import StreamOptions
from pawpado_desktop.moonlight.process import Completed, WatchedProcess, run_captured, spawn
from pawpado_desktop.moonlight.stream import StreamProcess
from pawpado_desktop.moonlight.version import MIN_VERSION, MoonlightVersion, read_version

log = logging.getLogger(__name__)

_PIN_RE = re.compile(r"^[0-9]{4}$")
_HOST_RE = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class MoonlightTimeouts:
    version: float = 15.0  # `--version`, real seconds
    list: float = 45.0  # `list` itself looks for the host for up to 30 s
    # After `list` confirmed the pairing, before we close the dialog. `list` is a
    # separate process reading the saved host list, so the save it waits for is
    # done; this only spares a trailing background write (trap 6).
    save_grace: float = 0.2
    close: float = 5.0  # from SIGTERM to SIGKILL
    pair_poll: float = 1.0  # Clock seconds between `list` checks while pairing
    # ... but this often for the first PAIR_FINE_FOR_S after the pair process starts
    # or says something (its success dialog comes a moment before the save).
    pair_poll_fine: float = 0.1


PAIR_FINE_FOR_S = 1.0
# A `list` that just said "not paired" is trusted this long by `pair()`, which
# then skips its own check (the Play pipeline has just asked).
UNPAIRED_FRESH_S = 10.0


def host_address(ip: str, port: int) -> str:
    """`IP:PORT` as Moonlight wants it; IPv6 is bracketed."""
    try:
        if ipaddress.ip_address(ip).version == 6:
            return f"[{ip}]:{port}"
    except ValueError:
        pass
    return f"{ip}:{port}"


def check_address(address: str) -> str:
    """`address`, unless Moonlight would not read it as a host (or would see an option)."""
    host, port = address, ""
    if address.startswith("["):
        host, _, port = address[1:].partition("]")
        port = port.removeprefix(":")
        valid_host = _is_ip(host)
    else:
        if address.count(":") == 1:
            host, port = address.split(":")
        valid_host = bool(_HOST_RE.fullmatch(host)) and not host.startswith("-")
    if not valid_host or (port and not _is_port(port)):
        raise BadAddress(
            "{address!r} is not an address Moonlight can connect to. Try Play again; if it "
            "keeps happening, contact Pawpado support.",
            address=address,
        )
    return address


class Moonlight:
    """One Moonlight installation. Located lazily, so constructing never fails."""

    def __init__(
        self,
        executable: MoonlightExecutable | None = None,
        *,
        settings: LocalSettings | None = None,
        env: Mapping[str, str] | None = None,
        platform: str = sys.platform,
        roots: SearchRoots | None = None,
        clock: Clock = SYSTEM_CLOCK,
        timeouts: MoonlightTimeouts | None = None,
        on_warning: Callable[[str], None] | None = None,
        children: ChildRegistry | None = None,
    ) -> None:
        self._executable = executable
        self._settings = settings
        self._env = env  # for the search and the children; None: this process's
        self._platform = platform
        self._roots = roots
        self._clock = clock
        self._timeouts = timeouts or MoonlightTimeouts()
        self._on_warning = on_warning
        self._version: MoonlightVersion | None = None
        self._children: set[WatchedProcess] = set()
        self._registry = children or ChildRegistry()
        self._unpaired_seen: tuple[str, float] | None = None  # address, monotonic time

    async def executable(self) -> MoonlightExecutable:
        """The installation to run; raises `MoonlightNotInstalled`."""
        if self._executable is None:
            # Reading settings and probing install locations touch the disk.
            self._executable = await asyncio.to_thread(self._locate)
            log.info("using Moonlight at %s (%s)", self._executable.path, self._executable.kind)
        return self._executable

    def _locate(self) -> MoonlightExecutable:
        settings = self._settings if self._settings is not None else LocalSettings.load()
        env = self._env if self._env is not None else os.environ
        return locate_moonlight(settings, env, self._platform, self._roots)

    async def version(self) -> MoonlightVersion:
        if self._version is None:
            self._version = await read_version(
                await self.executable(), time_limit=self._timeouts.version, env=self._env
            )
        return self._version

    async def check_ready(self) -> MoonlightVersion:
        """Installed and new enough to pair from the command line, or a clear error."""
        version = await self.version()
        if version < MIN_VERSION:
            raise MoonlightTooOld(
                "Moonlight {version} is too old: Pawpado needs Moonlight {minimum} or "
                "newer to pair and play. Update it from {url}.",
                version=str(version),
                minimum=str(MIN_VERSION),
                url=INSTALL_URL,
            )
        return version

    async def is_paired(self, address: str) -> bool:
        """Whether Moonlight can stream from `address` now (from `moonlight list`).

        Raises `HostUnreachable` when Moonlight cannot reach the host at all.
        """
        self._unpaired_seen = None
        done = await self._list(address)
        if done.returncode == 0:
            return True
        found = last_outcome((done.stderr + "\n" + done.stdout).splitlines())
        if found is not None and found[0] is Outcome.NOT_PAIRED:
            self._unpaired_seen = (address, self._clock.monotonic())
            return False
        if found is not None and found[0] is Outcome.UNREACHABLE:
            raise _unreachable(address)
        raise MoonlightUnusable(
            "`moonlight list` failed (exit code {code}): {said}. Update Moonlight from {url}.",
            code=done.returncode,
            said=_first_line(done.stderr or done.stdout),
            url=INSTALL_URL,
        )

    async def close_orphans(self) -> list[ChildRecord]:
        """Close the Moonlight processes a Pawpado process that died left running.

        Only those recorded by a Pawpado process that has ended, and only while the
        PID is still the very Moonlight it started; see `children.ChildRegistry`.
        """
        return await self._registry.close_orphans(self._timeouts.close)

    async def other_instances(self) -> list[RunningMoonlight]:
        """Moonlight processes on this computer that we did not start."""
        ours = {child.pid for child in self._children if child.returncode is None}
        found = await running_moonlights(self._platform, env=self._env)
        return [p for p in found if p.pid not in ours and p.pid != os.getpid()]

    async def pair(self, address: str, pin: str, expires_at: datetime) -> None:
        """Pair with the host at `address` using the server's PIN, before `expires_at`.

        Returns once `moonlight list` confirms the pairing and the pair process
        has been closed. On failure the pair process is killed and the error says
        why: `WrongPin`, `PinExpired`, `HostUnreachable` or `PairingFailed`.
        """
        check_address(address)
        if not _PIN_RE.match(pin):
            raise PairingFailed("The pairing PIN is not four digits. Start pairing again.")
        await self.check_ready()
        if not self._just_seen_unpaired(address) and await self.is_paired(address):
            log.info("already paired with %s", address)
            return
        await self._warn_about_other_instances()
        lines_changed = asyncio.Event()

        def on_line(line: str) -> None:
            if classify(line) is not None:
                lines_changed.set()

        watched = await self._start(["pair", address, "--pin", pin], on_line)
        try:
            await self._until_paired(watched, address, pin, expires_at, lines_changed)
            # Moonlight saves the host list in the background: let it finish.
            await asyncio.sleep(self._timeouts.save_grace)
            await watched.stop(self._timeouts.close)
        finally:
            if watched.returncode is None:
                await asyncio.shield(watched.kill())
        if not await self.is_paired(address):
            raise PairingFailed(
                "Moonlight paired but forgot the pairing when it closed. Close every "
                "other Moonlight window and try again."
            )

    def _just_seen_unpaired(self, address: str) -> bool:
        """`list` said "not paired" for `address` a moment ago (a repeat would cost a
        Moonlight start; if it paired since, the pair dialog says so and `list` confirms)."""
        seen, self._unpaired_seen = self._unpaired_seen, None
        return (
            seen is not None
            and seen[0] == address
            and self._clock.monotonic() - seen[1] < UNPAIRED_FRESH_S
        )

    async def stream(self, address: str, app: str, options: StreamOptions) -> StreamProcess:
        """Start streaming `app`; the returned handle's `wait()` says how it ended."""
        check_address(address)
        if not app.strip() or app.startswith("-"):
            raise StreamSettingsInvalid(
                "{app!r} is not an app name Moonlight can start. Choose an app "
                "(for example Desktop) in Settings.",
                app=app,
            )
        version = await self.check_ready()
        watched = await self._start(["stream", address, app, *options.to_args(version)])
        return StreamProcess(watched, address=address, app=app)

    async def _list(self, address: str) -> Completed:
        check_address(address)
        executable = await self.executable()
        listed = run_captured(
            executable.command("list", address),
            env=self._env,
            cwd=executable.cwd,
            tracker=self._registry.tracker(ChildKind.LIST, ["list", address]),
        )
        return await within(SYSTEM_CLOCK, self._timeouts.list, listed, self._list_too_slow)

    def _list_too_slow(self) -> MoonlightUnusable:
        return MoonlightUnusable(
            "`moonlight list` did not finish within {seconds:g} seconds. "
            "Close any Moonlight window that is waiting for you, then try again.",
            seconds=self._timeouts.list,
        )

    async def _start(
        self, args: list[str], on_line: Callable[[str], None] | None = None
    ) -> WatchedProcess:
        executable = await self.executable()
        tracker = self._registry.tracker(ChildKind(args[0]), args)
        process = await spawn(
            executable.command(*args), env=self._env, cwd=executable.cwd, tracker=tracker
        )
        watched = WatchedProcess(process, on_line, tracker)
        self._children = {c for c in self._children if c.returncode is None} | {watched}
        return watched

    async def _warn_about_other_instances(self) -> None:
        others = await self.other_instances()
        if not others:
            return
        pids = ", ".join(str(p.pid) for p in others)
        message = (
            f"Another Moonlight window is open (process {pids}). Close it: when it "
            "closes it can overwrite the pairing Pawpado is about to make."
        )
        log.warning("%s", message)
        if self._on_warning is not None:
            self._on_warning(message)

    async def _until_paired(
        self,
        watched: WatchedProcess,
        address: str,
        pin: str,
        expires_at: datetime,
        lines_changed: asyncio.Event,
    ) -> None:
        fine_until = self._clock.monotonic() + PAIR_FINE_FOR_S
        while True:
            _raise_for_pair_failure(watched, address, pin)
            remaining = (expires_at - self._clock.now()).total_seconds()
            if remaining <= 0:
                raise PinExpired(
                    "The pairing PIN expired before Moonlight finished pairing. Try again "
                    "for a fresh PIN; if it keeps happening, check that Tailscale is "
                    "connected and close other Moonlight windows."
                )
            lines_changed.clear()
            # The first to finish decides; a `list` still running is cancelled and kills its child.
            index, paired = await first_of(
                self._paired_now(address),
                self._clock.sleep(remaining),
                lines_changed.wait(),
                watched.wait(),
            )
            if index == 0 and paired:
                return
            if index != 0:  # Moonlight said something: its result is near
                fine_until = self._clock.monotonic() + PAIR_FINE_FOR_S
                continue
            # not yet: wait a little (less while the result is near), or until it speaks
            fine = self._clock.monotonic() < fine_until
            poll = self._timeouts.pair_poll_fine if fine else self._timeouts.pair_poll
            await first_of(
                self._clock.sleep(min(poll, remaining)),
                lines_changed.wait(),
                watched.wait(),
            )
            if lines_changed.is_set():
                fine_until = self._clock.monotonic() + PAIR_FINE_FOR_S

    async def _paired_now(self, address: str) -> bool:
        done = await self._list(address)
        return done.returncode == 0


def _raise_for_pair_failure(watched: WatchedProcess, address: str, pin: str) -> None:
    lines = list(watched.lines)
    found = last_outcome(lines)
    if found is not None:
        outcome, line = found
        if outcome is Outcome.WRONG_PIN:
            raise WrongPin(
                "Moonlight says the PIN did not match. Start pairing again for a fresh PIN."
            )
        if outcome is Outcome.UNREACHABLE:
            raise _unreachable(address)
        if outcome is Outcome.PAIR_FAILED:
            raise PairingFailed(
                "Moonlight could not pair: {said} Try again; if it "
                "keeps failing, stop and start your cloud PC.",
                said=line.replace(pin, "****"),
            )
    code = watched.returncode
    if code is not None:
        said = _first_line("\n".join(lines)).replace(pin, "****")
        if said:
            raise PairingFailed(
                "Moonlight closed before pairing finished (exit code {code}: {said}). Try "
                "again; if it keeps failing, update Moonlight from {url}.",
                code=code,
                said=said,
                url=INSTALL_URL,
            )
        raise PairingFailed(
            "Moonlight closed before pairing finished (exit code {code}). Try again; if it "
            "keeps failing, update Moonlight from {url}.",
            code=code,
            url=INSTALL_URL,
        )


def _unreachable(address: str) -> HostUnreachable:
    return HostUnreachable(
        "Moonlight could not reach your cloud PC at {address}. Check that Tailscale "
        "is connected and the PC is ready, then try again.",
        address=address,
    )


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _is_port(text: str) -> bool:
    # isdigit() alone accepts "²" and numbers too long for int().
    return text.isascii() and text.isdigit() and len(text) <= 5 and 0 < int(text) < 65536


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
