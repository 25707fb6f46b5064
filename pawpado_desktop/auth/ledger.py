"""A small note beside the refresh lock: is the stored sign-in the current one?

Redeeming a refresh token that rotation already used revokes the whole sign-in
everywhere, and a keyring can refuse to be read (locked, hung) or written at
the worst moment. The keyring cannot tell another process about that, so this
note does. It holds no secret: a generation is a short hash of a refresh token,
and the owner is a PID and start time. It is written only under the refresh lock.

States (of the store for one `key_id`):
- "ok": the store holds generation `stored` (None: nothing).
- "rotating": someone is redeeming `stored` right now; seen later, it crashed.
- "stale": the store holds `stored`, whose refresh token rotation used up; the
  live successor (`live`) exists only in the memory of `owner`, which keeps
  trying to save it. Nobody else may redeem `stored`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pawpado_desktop.auth.tokens import TokenSet
from pawpado_desktop.config import read_json, write_json
from pawpado_desktop.owner import ProcessIdentity

log = logging.getLogger(__name__)

LedgerState = Literal["ok", "rotating", "stale"]
_STATES: tuple[LedgerState, ...] = ("ok", "rotating", "stale")


def generation(tokens: TokenSet | None) -> str | None:
    """A short, one-way name for a token set's refresh token (None for no set)."""
    if tokens is None:
        return None
    secret = tokens.refresh_token or tokens.access_token
    return hashlib.sha256(b"pawpado-generation\0" + secret.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class LedgerEntry:
    state: LedgerState
    stored: str | None
    live: str | None = None
    owner: ProcessIdentity | None = None

    def marks_dead(self, stored: str | None) -> bool:
        """Whether the store's copy `stored` is one rotation used up."""
        return self.state == "stale" and stored is not None and self.stored == stored

    def held_live_by(self, held: str | None) -> bool:
        """Whether `held` is the live successor of a stale stored copy."""
        return self.state == "stale" and held is not None and self.live == held

    def to_json(self) -> dict[str, Any]:
        return {
            "v": 1,
            "state": self.state,
            "stored": self.stored,
            "live": self.live,
            "owner": self.owner.to_json() if self.owner else None,
        }

    @classmethod
    def from_json(cls, raw: Any) -> LedgerEntry | None:
        if not isinstance(raw, dict) or raw.get("v") != 1 or raw.get("state") not in _STATES:
            return None
        stored, live = raw.get("stored"), raw.get("live")
        if not all(v is None or isinstance(v, str) for v in (stored, live)):
            return None
        return cls(raw["state"], stored, live, ProcessIdentity.from_json(raw.get("owner")))


class SignInLedger:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"SignInLedger({str(self.path)!r})"

    async def read(self) -> LedgerEntry | None:
        """The note, or None when there is none (or it cannot be read)."""
        return LedgerEntry.from_json(await asyncio.to_thread(read_json, self.path))

    async def write(self, entry: LedgerEntry) -> bool:
        """Replace the note; False (logged) if it could not be written."""
        try:
            await asyncio.to_thread(write_json, self.path, entry.to_json())
        except OSError as exc:
            log.warning("could not write the sign-in note %s (%s)", self.path, exc.strerror)
            return False
        return True

    async def forget(self) -> bool:
        """Remove the note (no note: nobody redeems without reading the store)."""
        try:
            await asyncio.to_thread(self.path.unlink, missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the sign-in note %s (%s)", self.path, exc.strerror)
            return False
        return True
