"""Join the cloud PC's tailnet with a session key, and put the user's Tailscale back after.

Joining with a key on the user's current profile would overwrite their own login,
so (fact sheet, sections 8 and 9):
1. take the join's owner lock (one joining process per user; another live owner
   means "busy", and its join is never touched), then record the current profile
   in a state file, before anything changes;
2. open the IPN bus, `PUT profiles/` (a new empty profile), and right before
   `start` with the key re-read the current profile: the key goes only to a fresh,
   never logged-in profile. Then `login-interactive`, and wait on the bus for Running;
3. on leave: `logout` (removes the ephemeral node at once and deletes the game
   profile), switch back to the recorded profile, delete the state file, release
   the lock.
A state file whose lock can be taken means a crash: `restore_after_crash()` does
step 3. The game profile is fenced (see `fence`): https control only, no DNS,
routes, exit node or SSH from the game tailnet, and Moonlight only towards a peer.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import os
import re
import secrets
import socket
import sys
from collections.abc import Callable

from pawpado_desktop.clock import SYSTEM_CLOCK, Clock
from pawpado_desktop.concurrency import within
from pawpado_desktop.errors import Phrase, fill
from pawpado_desktop.owner import OwnerLock, ProcessIdentity
from pawpado_desktop.tailscale.client import PING_TIMEOUT_S, IpnBus, LocalClient, connect_default
from pawpado_desktop.tailscale.endpoint import platform_family
from pawpado_desktop.tailscale.errors import (
    PROFILE_NOT_RESTORED,
    PROFILE_RESTORED,
    StreamHostRefused,
    TailnetBusy,
    TailscaleError,
    TailscaleJoinFailed,
    TailscaleKeyRejected,
    TailscaleOperatorLimit,
    TailscaleProfileChanged,
    UnsafeGamePrefs,
)
from pawpado_desktop.tailscale.fence import (
    check_control_url,
    fence_prefs,
    fence_violations,
    resolve_stream_host,
)
from pawpado_desktop.tailscale.join_state import JoinRecord, JoinStateStore
from pawpado_desktop.tailscale.models import (
    DEFAULT_CONTROL_URL,
    BackendState,
    ConnectionPath,
    JoinResult,
    LoginProfile,
    Notify,
    PeerInfo,
    Prefs,
)
from pawpado_desktop.tailscale.path import UNKNOWN_PATH, path_from

log = logging.getLogger(__name__)

GAME_PROFILE_PREFIX = "pawpado-session-"
SETTLE_TIMEOUT_S = 15.0
SETTLE_POLL_S = 0.1
RESTORE_WAIT_S = 15.0  # a join waits this long for another process's crash restore
RESTORE_WAIT_POLL_S = 0.2
PATH_PING_TIMEOUT_S = 2.0  # a reading while streaming: a pong takes well under a second


def game_hostname(machine: str | None = None) -> str:
    """`pawpado-<machine>`, reduced to what a DNS label allows."""
    machine = (machine or socket.gethostname()).split(".")[0].lower()
    label = re.sub(r"[^a-z0-9-]+", "-", machine).strip("-") or "desktop"
    return f"pawpado-{label}"[:63].rstrip("-")


class TailnetJoiner:
    """Join/leave the game tailnet on a separate Tailscale profile. One join at a time."""

    def __init__(
        self,
        client: LocalClient,
        *,
        clock: Clock = SYSTEM_CLOCK,
        store: JoinStateStore | None = None,
        hostname: str | None = None,
        user_name: str | None = None,
        is_root: bool | None = None,
        platform: str | None = None,
        on_state: Callable[[BackendState], None] | None = None,
        owns_client: bool = False,
    ) -> None:
        self.client = client
        self._owns_client = owns_client
        self.clock = clock
        self.store = store or JoinStateStore()
        self.hostname = hostname or game_hostname()
        self.on_state = on_state
        self.last_state: BackendState | None = None
        self._user_name = user_name if user_name is not None else _login_name()
        geteuid = getattr(os, "geteuid", None)
        self._is_root = is_root if is_root is not None else bool(geteuid and geteuid() == 0)
        self._platform = platform_family(platform or sys.platform)
        self._lock = asyncio.Lock()
        self._owner: OwnerLock | None = None  # held while this object owns the join
        self._watcher: asyncio.Task[None] | None = None

    # -- public API ------------------------------------------------------------

    async def check_ready(self) -> None:
        """Raise the precise error if Tailscale is missing, stopped or not ours to change."""
        await self.client.status(peers=False)  # reachable: installed and running
        current = await self.client.current_profile()  # needs write access on Unix
        self._plan(current, await self.client.get_prefs())

    async def join(
        self,
        auth_key: str,
        control_url: str | None,
        instance_ip: str | None,
        deadline_s: float,
    ) -> JoinResult:
        """Join with `auth_key` on a new profile; restore the user's profile on any failure.

        Raises `TailnetBusy` (changing nothing) while another live process owns the join.
        """
        control = check_control_url(control_url or DEFAULT_CONTROL_URL)  # before any change
        async with self._lock:
            await self._own_for_join()
            try:
                return await self._join_owned(auth_key, control, instance_ip, deadline_s)
            except BaseException:
                self._disown()  # the rollback has finished (or failed: the next start retries)
                raise

    async def _join_owned(
        self, auth_key: str, control_url: str, instance_ip: str | None, deadline_s: float
    ) -> JoinResult:
        leftover = self.store.load()
        if leftover is not None:  # its owner is gone (we hold the lock): a crash's leftover
            log.info("A previous game session was not cleaned up; restoring first")
            await self._restore(leftover)
        await self.client.status(peers=False)
        original = await self.client.current_profile()
        switch = self._plan(original, await self.client.get_prefs())
        me = ProcessIdentity.current()
        record = JoinRecord(
            original_profile_id=original.id,
            original_profile_name=original.name,
            game_profile_name=GAME_PROFILE_PREFIX + secrets.token_hex(3),
            switched_profile=switch,
            owner_pid=me.pid,
            owner_started=me.started,
        )
        await self._save(record)  # before anything changes: a crash from here is restorable
        try:
            return await self._join_recorded(record, auth_key, control_url, instance_ip, deadline_s)
        except BaseException as error:
            if not await self._rollback(record) and isinstance(error, TailscaleError):
                _admit_not_restored(error)
            raise

    async def _save(self, record: JoinRecord) -> None:
        """Write the record off the event loop (it is fsynced), and finish the write even
        when cancelled, so a rollback never runs before it (nor is undone by it)."""
        saving = asyncio.ensure_future(asyncio.to_thread(self.store.save, record))
        try:
            await asyncio.shield(saving)
        except asyncio.CancelledError:
            await saving
            raise

    async def leave(self) -> None:
        """Log the game node out and switch back to the user's profile. No-op if not joined.

        A join owned by another live process is not ours to undo: left alone.
        """
        async with self._lock:
            if not self._owns() and (
                not self.store.path.exists() or not self._take_owner_lock("restore")
            ):
                return
            try:
                record = self.store.load()
                if record is not None:
                    await self._restore(record)
            finally:
                self._disown()

    async def restore_after_crash(self) -> bool:
        """At start-up: undo a join a dead process left behind. True if there was one.

        Does nothing (False) while a live process owns the join, this one included:
        a `status` beside a streaming Play never touches Tailscale.
        """
        async with self._lock:
            if self._owns() or not self.store.path.exists():
                return False
            if not self._take_owner_lock("restore"):
                log.info("Another Pawpado process owns the game network join; leaving it be")
                return False
            try:
                record = self.store.load()
                if record is None:
                    return False
                log.warning(
                    "Found an unfinished game session in Tailscale (left by process %s); "
                    "restoring your profile",
                    record.owner_pid or "unknown",
                )
                await self._restore(record)
                return True
            finally:
                self._disown()

    async def verify_stream_host(self, address: str, instance_ip: str | None) -> str:
        """The address to give Moonlight, once it is checked to be the cloud PC.

        It must be a Tailscale address (or a name tailscaled gives a peer) of a peer of
        the game tailnet this process joined, per tailscaled's status right now; with
        `instance_ip`, that very peer. Raises `StreamHostRefused` otherwise.
        """
        record = self.store.load() if self._owns() else None
        if record is None or record.phase != "joined":
            raise StreamHostRefused(address, Phrase("this computer is not on the game network"))
        current = await self.client.current_profile()
        if not _is_game_profile(current, record, count_empty=False):
            raise StreamHostRefused(
                address, Phrase("Tailscale is no longer on the game network")
            )
        status = await self.client.status()
        return resolve_stream_host(status, address, instance_ip)

    async def locate_instance(
        self, instance_ip: str, *, ping_timeout_s: float = PING_TIMEOUT_S
    ) -> PeerInfo | None:
        """The cloud PC among the peers, with the path to it (`path.path_from`)."""
        status = await self.client.status()
        peer = status.peer_with_ip(instance_ip)
        if peer is None:
            return None
        ping = None
        if peer.online:
            ping = await self.client.ping(instance_ip, timeout_s=ping_timeout_s)
        return PeerInfo(
            ip=instance_ip,
            host_name=peer.host_name,
            dns_name=peer.dns_name,
            online=peer.online,
            path=path_from(peer, ping),
        )

    async def connection_path(self, instance_ip: str) -> ConnectionPath:
        """The path to the cloud PC right now, read within `PATH_PING_TIMEOUT_S` of a ping
        (read-only calls: any process may ask, beside the one that joined)."""
        peer = await self.locate_instance(instance_ip, ping_timeout_s=PATH_PING_TIMEOUT_S)
        return peer.path if peer is not None else UNKNOWN_PATH

    async def wait_for_instance(
        self, instance_ip: str, timeout_s: float, *, interval_s: float = 2.0
    ) -> PeerInfo | None:
        """Poll until the cloud PC is an online peer; None if it is not by `timeout_s`."""
        deadline = self.clock.monotonic() + timeout_s
        while True:
            peer = await self.locate_instance(instance_ip)
            if peer is not None and peer.online:
                return peer
            remaining = deadline - self.clock.monotonic()
            if remaining <= 0:
                return peer
            await self.clock.sleep(min(interval_s, remaining))

    @classmethod
    async def open_default(cls, *, clock: Clock = SYSTEM_CLOCK) -> TailnetJoiner:
        """A joiner on this computer's tailscaled whose `aclose()` also closes the client."""
        return cls(await connect_default(), clock=clock, owns_client=True)

    async def aclose(self) -> None:
        """Stop watching the bus, release the join's lock, close the client if ours.

        Does not leave: the session may outlive this object; like a process that died,
        its join is then restored by the next start (or join) of any process.
        """
        await self._stop_watching()
        self._disown()
        if self._owns_client:
            await self.client.aclose()

    # -- owning the join ---------------------------------------------------------

    def _owns(self) -> bool:
        return self._owner is not None and self._owner.held

    def _take_owner_lock(self, purpose: str) -> bool:
        """Own the join now if nobody else does (never waits)."""
        if self._owns():
            return True
        lock = OwnerLock(self.store.lock_path)
        if not lock.try_acquire(purpose=purpose):
            return False
        self._owner = lock
        return True

    def _disown(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            owner.release()

    async def _own_for_join(self) -> None:
        """Take the lock for a join; a short crash restore by another process is waited out.

        An owner that cannot be named (its file unreadable, or the lock freed between two
        looks) is given the same short wait before the join is refused.
        """
        deadline = self.clock.monotonic() + RESTORE_WAIT_S
        while not self._take_owner_lock("join"):
            info = OwnerLock(self.store.lock_path).owner_info()
            pid = info.get("pid") if info else None
            restoring = info is None or info.get("purpose") == "restore"
            if not restoring or self.clock.monotonic() >= deadline:
                raise TailnetBusy(pid if isinstance(pid, int) else None)
            await self.clock.sleep(RESTORE_WAIT_POLL_S)

    # -- joining ---------------------------------------------------------------

    def _plan(self, current: LoginProfile, user_prefs: Prefs) -> bool:
        """Whether to join on a new profile (True) or on the current, empty one (False)."""
        operator = user_prefs.get("OperatorUser")
        operator_only = (
            self._platform == "linux"
            and not self._is_root
            and bool(operator)
            and operator == self._user_name
        )
        if not operator_only:
            return True
        # Write access comes from this profile's operator pref, which a new profile lacks
        # (tailscale#18294): switching would lock us out with the user's login switched off.
        if current.id:
            raise TailscaleOperatorLimit()
        return False  # no login of the user's to keep: join right here, keeping the operator

    async def _join_recorded(
        self,
        record: JoinRecord,
        auth_key: str,
        control_url: str,
        instance_ip: str | None,
        deadline_s: float,
    ) -> JoinResult:
        log.info(
            "Joining the game tailnet as %s on profile %s", self.hostname, record.game_profile_name
        )
        bus = self.client.watch_ipn_bus()
        try:
            await within(
                self.clock,
                deadline_s,
                self._join_steps(bus, record, auth_key, control_url),
                lambda: self._timed_out(deadline_s),
            )
        except BaseException:
            await bus.aclose()
            raise
        self._watch(bus)
        status = await self.client.status(peers=False)
        current = await self.client.current_profile()
        record.node_ip = status.ipv4 or ""
        record.game_profile_id = current.id
        record.phase = "joined"
        await self._save(record)
        log.info("Joined the game tailnet as %s", record.node_ip or "(no IPv4)")
        instance = await self.locate_instance(instance_ip) if instance_ip else None
        return JoinResult(record.node_ip, record.game_profile_name, instance)

    async def _join_steps(
        self, bus: IpnBus, record: JoinRecord, auth_key: str, control_url: str
    ) -> None:
        # The bus is registered before `PUT profiles/`, so no notification is missed.
        await bus.__aenter__()
        initial = await anext(bus)  # with mask InitialState: the state before any change
        if record.switched_profile:
            await self.client.new_profile()
        prefs = await self._fresh_profile_prefs()
        prefs.pop("Config", None)  # the login identity: tailscaled keeps its own
        prefs.update(
            ControlURL=control_url,
            WantRunning=True,
            LoggedOut=False,
            Hostname=self.hostname,
            ProfileName=record.game_profile_name,
        )
        await self.client.start(fence_prefs(prefs), auth_key=auth_key)
        wrong = fence_violations(await self.client.get_prefs())
        if wrong:  # a system policy overrides them: log in nowhere with such prefs
            raise UnsafeGamePrefs(wrong)
        await self.client.login_interactive()
        await self._wait_running(bus, auth_key, initial)

    async def _fresh_profile_prefs(self) -> Prefs:
        """The fresh profile's prefs (its defaults), checked right before the key goes out.

        If anything switched profiles since `PUT profiles/` (a restore by an older
        Pawpado, another program), `start` would log the *current* profile in, and a
        login on a logged-in profile rewrites it: the user's own login would be gone. So
        the key goes only to a profile that never logged in (ID ""), as ours is until
        the key logs it in; the current profile is read last, right before `start`.
        Nothing is written before this check, so an abort leaves the user's prefs alone.
        """
        prefs = await self.client.get_prefs()
        current = await self.client.current_profile()
        if current.id:
            log.warning("The Tailscale profile changed during the join; the key was not sent")
            raise TailscaleProfileChanged()
        return prefs

    async def _wait_running(self, bus: IpnBus, auth_key: str, initial: Notify) -> None:
        # A state from before the new profile came up (the user's Running) must not pass for
        # ours: only a Running after a not-Running state (or after our login) counts.
        fresh = initial.state is not None and initial.state is not BackendState.RUNNING
        async for note in bus:
            if note.login_finished or (
                note.state is not None and note.state is not BackendState.RUNNING
            ):
                fresh = True
            if not fresh:
                continue
            self._note_state(note)
            if note.err_message:
                reason = note.err_message
                raise TailscaleKeyRejected(
                    reason.replace(auth_key, "<auth key>") if auth_key else reason
                )
            if note.state is BackendState.RUNNING:
                return
            if note.state is BackendState.NEEDS_MACHINE_AUTH:
                raise TailscaleJoinFailed(
                    "The game network wants an administrator to approve this computer, which "
                    "a Pawpado key should never need. {profile} Press Play again; if this "
                    "keeps happening, contact Pawpado support.",
                    profile=PROFILE_RESTORED,
                )
            if note.browse_to_url:
                raise TailscaleJoinFailed(
                    "Tailscale asked for a sign-in in the browser instead of accepting the "
                    "game network's key. {profile} Press Play again; if this keeps happening, "
                    "contact Pawpado support.",
                    profile=PROFILE_RESTORED,
                )
        raise TailscaleJoinFailed(
            "Tailscale stopped reporting while joining the game network (did it restart?). "
            "{profile} Press Play again.",
            profile=PROFILE_RESTORED,
        )

    def _timed_out(self, deadline_s: float) -> TailscaleJoinFailed:
        state = self.last_state.go_name if self.last_state is not None else "unknown"
        return TailscaleJoinFailed(
            "Tailscale did not connect to the game network within {seconds:g} s (it was "
            "at {state}). Check this computer's internet connection. {profile} Press Play "
            "again.",
            seconds=deadline_s,
            state=state,
            profile=PROFILE_RESTORED,
        )

    def _note_state(self, note: Notify) -> None:
        if note.state is None or note.state is self.last_state:
            return
        self.last_state = note.state
        log.debug("Tailscale state: %s", note.state.go_name)
        if self.on_state is not None:
            self.on_state(note.state)

    def _watch(self, bus: IpnBus) -> None:
        """Keep the bus open while joined: it reports a lost session (NeedsLogin) and, on
        Windows, keeps tailscaled from dropping the profile when our last connection ends."""

        async def follow() -> None:
            try:
                async for note in bus:
                    self._note_state(note)
            except Exception as error:  # the daemon went away; leave() will tell
                log.debug("IPN bus watch ended: %s", type(error).__name__)
            finally:
                await bus.aclose()

        self._watcher = asyncio.ensure_future(follow())

    async def _stop_watching(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None and not watcher.done():
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    # -- restoring -------------------------------------------------------------

    async def _rollback(self, record: JoinRecord) -> bool:
        """Undo a failed or cancelled join; if even that fails, the state file stays."""
        try:
            await self._restore(record)
        except Exception as error:
            log.warning(
                "Could not restore your Tailscale profile yet (%s); will retry at the next start",
                type(error).__name__,
            )
            return False
        return True

    async def _restore(self, record: JoinRecord | None) -> None:
        if record is None:
            return
        await self._stop_watching()
        client = self.client
        current = await client.current_profile()
        profiles = await client.profiles()
        keep = (current.id, record.original_profile_id)
        for profile in profiles:
            if profile.id not in keep and _is_game_profile(profile, record):
                await client.delete_profile(profile.id)  # leftovers: local only
        on_game = _is_game_profile(current, record)
        if not on_game:
            # Already off the game profile: the user (or an earlier restore) chose where to
            # be, and that choice stands.
            log.info("Tailscale is already off the game profile")
        elif not record.switched_profile:
            await self._log_out_in_place(current)
        else:
            # Removes the ephemeral node at control at once, deletes the game profile and
            # lands on an empty one. A no-op if the login never completed.
            await client.logout()
            await self._back_to_original(record, {p.id for p in profiles})
        self.store.clear()
        self.last_state = None
        log.info("Tailscale restored (%s)", record.original_profile_name or "no own profile")

    async def _back_to_original(self, record: JoinRecord, known_ids: set[str]) -> None:
        client = self.client
        original = record.original_profile_id
        if original and original in known_ids:
            if (await client.current_profile()).id != original:
                await client.switch_profile(original)
                await self._settle()
            return
        if original:
            log.warning(
                "Your Tailscale profile %s no longer exists; staying on an empty one",
                record.original_profile_name or original,
            )
        # Maybe still on our never-logged-in profile, a refused key retrying in it: with no
        # own profile to go back to, a fresh empty one replaces it.
        await client.new_profile()

    async def _log_out_in_place(self, current: LoginProfile) -> None:
        """Undo a join made on the user's own empty profile (operator-only access)."""
        if current.id:
            await self.client.logout()
        else:
            # The login never completed, so logout would be a no-op; a fresh empty profile
            # stops the refused key. (After a real logout tailscaled refuses further calls:
            # the new empty profile has no operator, so nothing more is asked of it.)
            await self.client.new_profile()

    async def _settle(self) -> None:
        """Wait (bounded) until the restored profile is past NoState/Starting, as the CLI does."""
        deadline = self.clock.monotonic() + SETTLE_TIMEOUT_S
        while self.clock.monotonic() < deadline:
            status = await self.client.status(peers=False)
            if status.backend_state not in (BackendState.NO_STATE, BackendState.STARTING):
                return
            await self.clock.sleep(SETTLE_POLL_S)


def _admit_not_restored(error: TailscaleError) -> None:
    """The join errors say the user's profile is back; when the rollback failed it is not."""
    if "profile" in error.params:
        error.params["profile"] = PROFILE_NOT_RESTORED
        error.message = fill(error.template, error.params)
        error.args = (error.message,)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no USER variable and no passwd entry (some containers)
        return ""


def _is_game_profile(
    profile: LoginProfile, record: JoinRecord, *, count_empty: bool = True
) -> bool:
    if record.game_profile_id and profile.id == record.game_profile_id:
        return True
    if profile.name and (
        profile.name == record.game_profile_name or profile.name.startswith(GAME_PROFILE_PREFIX)
    ):
        return True
    # The empty profile we created (it has no ID until a login completes).
    return count_empty and not profile.id and record.switched_profile
