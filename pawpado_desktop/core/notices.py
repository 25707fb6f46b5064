"""Things worth telling the user about, raised by the core, shown by the UI/CLI.

A notice is data: its `kind` (how loud: levels, buttons, stickiness), its `topic`
(which message: the presenter has one title and one text per topic) and typed
parameters. `present/notices.py` words it in the user's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from pawpado_desktop.core.facts import Param

log = logging.getLogger(__name__)


class NoticeKind(StrEnum):
    SESSION_READY = "session_ready"
    STREAM_ENDED = "stream_ended"  # with the grace countdown: Keep running / Stop now
    SESSION_STOPPED = "session_stopped"
    LOW_BALANCE = "low_balance"
    TOPUP_CREDITED = "topup_credited"
    SESSION_FOUND = "session_found"  # at start-up: Reconnect / Stop
    NEEDS_CREDIT = "needs_credit"  # a Play stopped for credit: Top up and play
    WARNING = "warning"
    ERROR = "error"


class Topic(StrEnum):
    """Which message a notice is; its parameters are noted beside it."""

    SESSION_READY = "session_ready"
    STREAM_ENDED = "stream_ended"  # minutes (float): the grace left
    STOPPED = "stopped"  # a Play's stop confirmed: billing has ended
    PENDING_STOP_DONE = "pending_stop_done"  # a stop left by an earlier run, confirmed
    STOPPED_BY_SERVER = "stopped_by_server"  # message: the server's text
    SESSION_FOUND = "session_found"  # state (the server's), minutes (int|None), cost (Money|None)
    BALANCE_EMPTY = "balance_empty"
    BALANCE_LOW = "balance_low"  # minutes: what the balance covers at the current rate
    BALANCE_LOW_PLAYING = "balance_low_playing"  # minutes: of play, a session running
    TOPUP_CREDITED = "topup_credited"  # added, balance (Money)
    TOPUP_CANCELLED = "topup_cancelled"
    TOPUP_EXPIRED = "topup_expired"
    TOPUP_NOT_CREDITED = "topup_not_credited"
    TAILSCALE_RESTORED = "tailscale_restored"
    STOP_UNCONFIRMED_SIGNED_OUT = "stop_unconfirmed_signed_out"
    STOP_UNCONFIRMED_OTHER_ACCOUNT = "stop_unconfirmed_other_account"
    FINISHING_STOP = "finishing_stop"
    KEPT_RUNNING = "kept_running"
    CHECK_SESSION = "check_session"  # problem (a core.facts.Detail)
    RELAYED = "relayed"  # region (str|None): the relay's place, when known
    FAILED = "failed"  # error (a PawpadoError): its own title and text
    WORDED = "worded"  # title, text: a front end's own notice, already translated


# Shown even at the "important only" notification level.
IMPORTANT = frozenset(
    {
        NoticeKind.STREAM_ENDED,
        NoticeKind.LOW_BALANCE,
        NoticeKind.SESSION_FOUND,
        NoticeKind.ERROR,
        NoticeKind.NEEDS_CREDIT,
        NoticeKind.TOPUP_CREDITED,
    }
)


@dataclass(frozen=True, init=False)
class Notice:
    """`Notice(NoticeKind.TOPUP_CREDITED, Topic.TOPUP_CREDITED, added=..., balance=...)`."""

    kind: NoticeKind
    topic: Topic
    params: Mapping[str, Param] = field(default_factory=dict, hash=False)

    def __init__(self, kind: NoticeKind, topic: Topic, /, **params: Param) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "topic", topic)
        object.__setattr__(self, "params", params)

    @property
    def important(self) -> bool:
        return self.kind in IMPORTANT


NoticeListener = Callable[[Notice], None]


class NoticeBoard:
    def __init__(self) -> None:
        self._listeners: list[NoticeListener] = []
        self.history: list[Notice] = []

    def subscribe(self, listener: NoticeListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def post(self, kind: NoticeKind, topic: Topic, /, **params: Param) -> Notice:
        notice = Notice(kind, topic, **params)
        self.history.append(notice)
        del self.history[:-50]  # keep memory flat over days of uptime
        for listener in list(self._listeners):
            try:
                listener(notice)
            except Exception:
                log.exception("notice listener failed")
        return notice
