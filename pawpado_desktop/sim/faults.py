"""Injected faults at the HTTP layer: latency and replaced responses.

Routes are matched by shell-style patterns on the path (`/api/v1/sessions/*`,
`*`) and an optional method. The admin endpoints themselves are never faulted,
so a test can always undo what it set up.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FaultResponse:
    """What a client gets instead of the real answer."""

    status: int = 502
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    # Send the headers and half the body, then close the connection.
    disconnect: bool = False


@dataclass
class ReplaceRule:
    pattern: str
    method: str | None
    remaining: int
    response: FaultResponse
    # True: let the real handler run (and change state) first, then replace its
    # answer, as when a proxy loses the response of a request that went through.
    after: bool = False
    id: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.pattern)


# Addresses a hostile server can put in its real answers (the rest of the answer,
# and what it does, stay real): the device flow's pages and the top-up checkout.
ANSWER_URLS = ("verification_uri", "verification_uri_complete", "checkout_url")


@dataclass
class Faults:
    latency: dict[str, float] = field(default_factory=dict)  # pattern -> seconds
    replacements: list[ReplaceRule] = field(default_factory=list)
    answer_urls: dict[str, str] = field(default_factory=dict)  # ANSWER_URLS name -> value
    _next_id: int = 0

    def set_latency(self, seconds: float, pattern: str = "*") -> None:
        if seconds <= 0:
            self.latency.pop(pattern, None)
        else:
            self.latency[pattern] = seconds

    def latency_for(self, path: str) -> float:
        """The largest delay of every matching rule (real seconds, not clock time)."""
        return max(
            (s for p, s in self.latency.items() if fnmatch.fnmatchcase(path, p)), default=0.0
        )

    def add_replacement(
        self,
        pattern: str,
        response: FaultResponse,
        *,
        count: int = 1,
        method: str | None = None,
        after: bool = False,
    ) -> int:
        if count < 1:
            raise ValueError("count must be at least 1")
        self._next_id += 1
        self.replacements.append(
            ReplaceRule(pattern, method, count, response, after=after, id=self._next_id)
        )
        return self._next_id

    def take_replacement(self, method: str, path: str) -> ReplaceRule | None:
        """The first matching rule, with one use consumed."""
        for rule in self.replacements:
            if rule.matches(method, path):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.replacements.remove(rule)
                return rule
        return None

    def clear(self) -> None:
        self.latency.clear()
        self.replacements.clear()
        self.answer_urls.clear()
