"""The one error type of the simulated Pawpado side: `{"error": CODE, "message": text}`."""

from __future__ import annotations

from collections.abc import Mapping


class SimError(Exception):
    """A request the simulator refuses; the HTTP layer turns it into an error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
