"""How the API client gets its bearer token: a pluggable provider.

The real provider is the sign-in manager (`pawpado_desktop.auth`); tests may
plug in a static one. The client never stores or logs the token itself.
"""

from __future__ import annotations

from typing import Protocol


class TokenProvider(Protocol):
    async def access_token(self) -> str:
        """A currently valid access token, refreshed ahead of expiry if needed.

        Raises `NotSignedIn` (or a subclass) when there is no usable sign-in.
        """
        ...

    async def refreshed_after_rejection(self, rejected: str) -> str:
        """Called once when the API answered 401 to `rejected`.

        If another caller already replaced `rejected`, return the current token;
        otherwise refresh once (single-flight) and return the new one. Raises
        `NotSignedIn` when the sign-in is gone.
        """
        ...


class StaticTokenProvider:
    """A fixed token: for tests and scripts that already hold one."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "StaticTokenProvider(<redacted>)"

    async def access_token(self) -> str:
        return self._token

    async def refreshed_after_rejection(self, rejected: str) -> str:
        from pawpado_desktop.errors import NotSignedIn

        raise NotSignedIn("The API refused the token. Sign in again with `pawpado-desktop login`.")
