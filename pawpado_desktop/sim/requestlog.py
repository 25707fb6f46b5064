"""What the simulator was asked, for tests and benchmarks to inspect."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from typing import Literal

RateClass = Literal["read", "write", "poll"]
API_PREFIX = "/api/v1/"
POLL_PATH = "/api/v1/sessions/poll"
HEALTH_PATH = "/api/v1/health"
LOGGED_PREFIXES = (API_PREFIX, "/huudis/")
MAX_RECORDS = 20_000


def rate_class(method: str, path: str) -> RateClass | None:
    """The contract's rate-limit bucket of a Pawpado call; None outside the API and for health."""
    if not path.startswith(API_PREFIX) or path == HEALTH_PATH:
        return None
    if path == POLL_PATH:
        return "poll"
    return "read" if method.upper() in ("GET", "HEAD") else "write"


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    status: int
    rate_class: RateClass | None
    at: float  # simulator time, epoch seconds
    faulted: bool = False


class RequestLog:
    def __init__(self) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=MAX_RECORDS)
        self._per_class: Counter[str] = Counter()
        self._limited: Counter[str] = Counter()

    def add(self, record: RequestRecord) -> None:
        self._records.append(record)
        if record.rate_class is not None:
            self._per_class[record.rate_class] += 1
            if record.status == 429 and not record.faulted:
                self._limited[record.rate_class] += 1

    def records(self) -> list[RequestRecord]:
        return list(self._records)

    def counts(self) -> dict[str, int]:
        return dict(self._per_class)

    def rate_limited(self) -> dict[str, int]:
        """429s the simulator's own limiter answered, per class (injected ones excluded)."""
        return dict(self._limited)

    def clear(self) -> None:
        self._records.clear()
        self._per_class.clear()
        self._limited.clear()
