"""A private D-Bus session with a notification daemon and a logind on it, for UI tests.

`PrivateBus` runs `dbus-daemon` for the test. `FakeNotificationDaemon` owns
org.freedesktop.Notifications there and answers like a real daemon (ids,
capabilities, ActionInvoked and NotificationClosed signals when asked). It also
emits logind's PrepareForSleep, so one object stands in for the desktop.
`FakeLogind` owns org.freedesktop.login1: its Inhibit hands out one end of a
pipe (as logind hands out a file descriptor) and it notes when the holder closes
it; it emits PrepareForShutdown and PrepareForSleep.
"""

from __future__ import annotations

import os
import queue
import select
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from jeepney import (
    DBusAddress,
    HeaderFields,
    MessageType,
    message_bus,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.io.blocking import open_dbus_connection

from tests.support.processes import end

NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"


def require_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{name} is not installed; CI installs it from .ci/apt-packages")
    pytest.skip(f"{name} is not installed (with CI set this is a failure)")


class PrivateBus:
    def __init__(self) -> None:
        daemon = require_tool("dbus-daemon")
        self.process = subprocess.Popen(
            [daemon, "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.address = self.process.stdout.readline().strip()
        assert self.address, "dbus-daemon printed no address"

    def stop(self) -> None:
        end(self.process)


@dataclass
class Shown:
    nid: int
    app: str
    summary: str
    body: str
    actions: dict[str, str]
    hints: dict[str, Any]
    timeout: int


@dataclass
class FakeNotificationDaemon:
    address: str
    capabilities: tuple[str, ...] = ("actions", "body")
    shown: list[Shown] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._outbox: queue.Queue[Any] = queue.Queue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-notifyd", daemon=True)

    def start(self) -> FakeNotificationDaemon:
        self._thread.start()
        assert self._ready.wait(10), "the fake notification daemon did not come up"
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    # -- what a test does --------------------------------------------------------

    def click(self, nid: int, key: str) -> None:
        """The user pressed a button (or the body, key "default") of notification `nid`."""
        emitter = DBusAddress(NOTIFICATIONS_PATH, interface=NOTIFICATIONS)
        self._outbox.put(new_signal(emitter, "ActionInvoked", "us", (nid, key)))
        self._outbox.put(new_signal(emitter, "NotificationClosed", "uu", (nid, 2)))

    def wake_up(self) -> None:
        """logind: the machine has just resumed from sleep."""
        emitter = DBusAddress("/org/freedesktop/login1", interface="org.freedesktop.login1.Manager")
        self._outbox.put(new_signal(emitter, "PrepareForSleep", "b", (False,)))

    def titles(self) -> list[str]:
        return [n.summary for n in list(self.shown)]

    def find(self, summary: str) -> Shown | None:
        return next((n for n in reversed(list(self.shown)) if n.summary == summary), None)

    # -- the daemon --------------------------------------------------------------

    def _serve(self) -> None:
        with open_dbus_connection(self.address) as conn:
            conn.send_and_get_reply(message_bus.RequestName(NOTIFICATIONS))
            self._ready.set()
            while not self._stop.is_set():
                while not self._outbox.empty():
                    conn.send(self._outbox.get())
                try:
                    message = conn.receive(timeout=0.05)
                except TimeoutError:
                    continue
                if message.header.message_type == MessageType.method_call:
                    conn.send(self._answer(message))

    def _answer(self, message: Any) -> Any:
        member = message.header.fields.get(HeaderFields.member)
        if member == "GetCapabilities":
            return new_method_return(message, "as", (list(self.capabilities),))
        if member == "GetServerInformation":
            return new_method_return(message, "ssss", ("fake-notifyd", "tests", "1.0", "1.2"))
        if member == "Notify":
            app, replaces, _icon, summary, body, actions, hints, timeout = message.body
            nid = replaces or len(self.shown) + 1
            pairs = dict(zip(actions[::2], actions[1::2], strict=True))
            self.shown.append(Shown(nid, app, summary, body, pairs, dict(hints), timeout))
            return new_method_return(message, "u", (nid,))
        if member == "CloseNotification":
            self.closed.append(message.body[0])
            return new_method_return(message)
        return new_error(message, "org.freedesktop.DBus.Error.UnknownMethod")


LOGIND = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_MANAGER = "org.freedesktop.login1.Manager"


@dataclass
class Inhibitor:
    what: str
    who: str
    why: str
    mode: str
    released: bool = False
    seen_at_release: Any = None  # what `FakeLogind.on_release` returned at that moment


@dataclass
class FakeLogind:
    """logind's Manager, as far as the tray uses it: Inhibit, its delay, the signals.

    `on_release` runs (on the fake's thread) the moment a holder closes its end
    of an inhibitor, so a test can record what the world looked like then.
    """

    address: str
    delay_max_s: float = 30.0
    inhibitors: list[Inhibitor] = field(default_factory=list)
    on_release: Callable[[], Any] | None = None

    def __post_init__(self) -> None:
        self._outbox: queue.Queue[Any] = queue.Queue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._ends: dict[int, Inhibitor] = {}  # our read end -> its inhibitor
        self._thread = threading.Thread(target=self._serve, name="fake-logind", daemon=True)

    def start(self) -> FakeLogind:
        self._thread.start()
        assert self._ready.wait(10), "the fake logind did not come up"
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for fd in self._ends:
            os.close(fd)

    def held(self) -> list[Inhibitor]:
        return [i for i in list(self.inhibitors) if not i.released]

    def prepare_for_shutdown(self, starting: bool = True) -> None:
        self._emit("PrepareForShutdown", starting)

    def prepare_for_sleep(self, starting: bool = True) -> None:
        self._emit("PrepareForSleep", starting)

    def _emit(self, member: str, starting: bool) -> None:
        emitter = DBusAddress(LOGIND_PATH, interface=LOGIND_MANAGER)
        self._outbox.put(new_signal(emitter, member, "b", (starting,)))

    def _serve(self) -> None:
        with open_dbus_connection(self.address, enable_fds=True) as conn:
            conn.send_and_get_reply(message_bus.RequestName(LOGIND))
            self._ready.set()
            while not self._stop.is_set():
                while not self._outbox.empty():
                    conn.send(self._outbox.get())
                self._watch_ends()
                try:
                    message = conn.receive(timeout=0.02)
                except TimeoutError:
                    continue
                if message.header.message_type == MessageType.method_call:
                    sent: list[int] = []
                    conn.send(self._answer(message, sent))
                    for fd in sent:  # the holder has its copy now
                        os.close(fd)

    def _watch_ends(self) -> None:
        if not self._ends:
            return
        readable, _, _ = select.select(list(self._ends), [], [], 0)
        for fd in readable:
            if os.read(fd, 1):
                continue
            inhibitor = self._ends.pop(fd)
            os.close(fd)
            inhibitor.seen_at_release = self.on_release() if self.on_release else None
            inhibitor.released = True

    def _answer(self, message: Any, sent: list[int]) -> Any:
        member = message.header.fields.get(HeaderFields.member)
        if member == "Inhibit":
            what, who, why, mode = message.body
            ours, theirs = os.pipe()
            self._ends[ours] = Inhibitor(what, who, why, mode)
            self.inhibitors.append(self._ends[ours])
            sent.append(theirs)
            return new_method_return(message, "h", (theirs,))
        if member == "Get" and message.body[1] == "InhibitDelayMaxUSec":
            return new_method_return(message, "v", (("t", int(self.delay_max_s * 1_000_000)),))
        return new_error(message, "org.freedesktop.DBus.Error.UnknownMethod")
