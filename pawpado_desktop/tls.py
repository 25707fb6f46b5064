"""One TLS context per process, shared by every HTTP client the app makes.

httpx builds a new `SSLContext` for each client it creates, reading the whole CA
bundle each time (about 50 ms of CPU). The app makes a client per core, per CLI
command and per helper; one context, built on first use, serves them all (an
`SSLContext` is safe to share between clients and threads).
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def tls_context() -> ssl.SSLContext:
    """The verifying context httpx would build by default (certifi's CA bundle)."""
    return httpx.create_ssl_context()
