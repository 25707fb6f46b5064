"""Things worth telling the user about, raised by the core, shown by the UI/CLI."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

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


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    title: str
    message: str

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

    def post(self, kind: NoticeKind, title: str, message: str) -> Notice:
        notice = Notice(kind, title, message)
        self.history.append(notice)
        del self.history[:-50]  # keep memory flat over days of uptime
        for listener in list(self._listeners):
            try:
                listener(notice)
            except Exception:
                log.exception("notice listener failed")
        return notice
