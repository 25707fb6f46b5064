"""Connection quality while streaming: the path to the cloud PC, read every few seconds.

`ConnectionWatcher` follows the `StateStore`: while the Play is STREAMING it reads
the path through the `Tailnet` port (tailscaled's status and one short ping) every
`PATH_INTERVAL_S` on the Clock and puts it in `AppState.connection`; when the phase
moves on, its task is cancelled and the connection cleared. One reading at a time,
each bounded by the ping's timeout; a reading that fails (tailscaled stopped, an
odd answer) shows the path as unknown and never reaches the Play. A path relayed
for `RELAY_WARN_AFTER_S` in a row is told once per Play, with what usually fixes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from pawpado_desktop.clock import Clock
from pawpado_desktop.core.notices import NoticeBoard, NoticeKind, Topic
from pawpado_desktop.core.ownership import play_owner
from pawpado_desktop.core.ports import Tailnet
from pawpado_desktop.core.state import AppState, PlayPhase, StateStore
from pawpado_desktop.tailscale.models import ConnectionPath, PathKind
from pawpado_desktop.tailscale.path import UNKNOWN_PATH, region_name

log = logging.getLogger(__name__)

PATH_INTERVAL_S = 5.0
RELAY_WARN_AFTER_S = 30.0


def relay_region(path: ConnectionPath) -> str | None:
    """The relay's place for the relayed-connection notice (Topic.RELAYED), if known."""
    return region_name(path.relay_code) if path.relay_code else None


class ConnectionWatcher:
    def __init__(
        self,
        store: StateStore,
        notices: NoticeBoard,
        clock: Clock,
        read: Callable[[str], Awaitable[ConnectionPath]],
        playing: Callable[[], bool],
    ) -> None:
        self.store = store
        self.notices = notices
        self.clock = clock
        self.read = read
        self.playing = playing  # this process's Play runs (the phase alone may be another's)
        self._task: asyncio.Task[None] | None = None
        self._warned = False  # the relay warning of this Play was given
        self._failing = False  # the last reading failed (logged once per run of failures)

    def attach(self) -> Callable[[], None]:
        return self.store.subscribe(self._follow)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _follow(self, old: AppState, new: AppState) -> None:
        phase = new.play.phase
        if phase is PlayPhase.PREFLIGHT and old.play.phase is not PlayPhase.PREFLIGHT:
            self._warned = False  # a new Play
        if phase is PlayPhase.STREAMING and self.playing():
            if self._task is None:
                loop = asyncio.get_running_loop()
                self._task = loop.create_task(self._watch(), name="connection")
        elif self._task is not None:
            self._task.cancel()  # its own `finally` clears the connection
            self._task = None

    async def _watch(self) -> None:
        relayed_since: float | None = None
        try:
            while True:
                path = await self._read()
                self.store.update(connection=path)
                now = self.clock.monotonic()
                if path.kind is PathKind.RELAYED:
                    relayed_since = now if relayed_since is None else relayed_since
                    if not self._warned and now - relayed_since >= RELAY_WARN_AFTER_S:
                        self._warned = True
                        self.notices.post(
                            NoticeKind.WARNING, Topic.RELAYED, region=relay_region(path)
                        )
                elif path.kind is PathKind.DIRECT:
                    relayed_since = None  # an unknown reading neither breaks nor makes a run
                await self.clock.sleep(PATH_INTERVAL_S)
        finally:
            if self._task is None:  # not when a new watch took over already
                self.store.update(connection=None)

    async def _read(self) -> ConnectionPath:
        session = self.store.state.session
        ip = session.tailnet_ip if session is not None else None
        if not ip:
            return UNKNOWN_PATH
        try:
            path = await self.read(ip)
        except Exception as error:  # never a reason to end the Play
            if not self._failing:
                log.warning("could not read the path to the cloud PC: %s", error)
            self._failing = True
            return UNKNOWN_PATH
        self._failing = False
        return path


async def path_for_status(state: AppState, tailnet: Tailnet) -> ConnectionPath | None:
    """For `status`: this process's reading while it streams; otherwise, while a Play of
    another process on this computer owns the running session, one reading of its own
    (read-only calls); None when nothing streams here."""
    if state.connection is not None:
        return state.connection
    session = state.session
    if state.offline or session is None or not session.is_playable or not session.tailnet_ip:
        return None
    if await play_owner() is None:
        return None
    try:
        return await tailnet.connection_path(session.tailnet_ip)
    except Exception as error:  # a report: the path is unknown, the status goes on
        log.info("could not read the path to the cloud PC: %s", error)
        return UNKNOWN_PATH
