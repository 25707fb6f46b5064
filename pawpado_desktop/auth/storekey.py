"""Which servers a stored sign-in belongs to.

Tokens are only good at the issuer that minted them and the API they were
minted for; sent anywhere else they leak, and the refusal that follows would
end the sign-in. So every stored sign-in is filed under its Huudis issuer and
Pawpado API base URL, and a process only ever loads the one for its own pair.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from pawpado_desktop.config import DEFAULT_AUTH_URL, DEFAULT_BASE_URL, Endpoints

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalized_url(url: str) -> str:
    """`url` as a key: scheme and host lower-cased, default port and trailing slash dropped."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6
    scheme = parts.scheme.lower()
    port = f":{parts.port}" if parts.port and parts.port != _DEFAULT_PORTS.get(scheme) else ""
    return f"{scheme}://{host}{port}{parts.path.rstrip('/')}"


@dataclass(frozen=True)
class StoreKey:
    issuer: str  # the Huudis issuer URL (PAWPADO_AUTH_URL)
    api: str  # the Pawpado API base URL (PAWPADO_BASE_URL)

    @classmethod
    def of(cls, issuer_url: str, api_url: str) -> StoreKey:
        return cls(normalized_url(issuer_url), normalized_url(api_url))

    @classmethod
    def from_endpoints(cls, endpoints: Endpoints) -> StoreKey:
        return cls.of(endpoints.auth_url, endpoints.base_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StoreKey:
        return cls.from_endpoints(Endpoints.from_env(env))

    @property
    def is_default(self) -> bool:
        """The production servers: their sign-in keeps the names used before keying."""
        return self == DEFAULT_KEY

    @property
    def id(self) -> str:
        """A short stable name for this pair (not secret: it hashes two URLs)."""
        return hashlib.sha256(f"{self.issuer}\n{self.api}".encode()).hexdigest()[:16]


DEFAULT_KEY = StoreKey.of(DEFAULT_AUTH_URL, DEFAULT_BASE_URL)
