"""When Pawpado cannot be read: is Pawpado down, or is this computer offline?

Asked only while the app is offline (at most once a minute), never on a healthy
poll. `GET health` (no sign-in) answering "ok" means Pawpado is up (the trouble
is elsewhere: a slow answer, one endpoint failing); answering anything else (an
error, a proxy's page, a body that is not the health object) means Pawpado is
reachable but down. When health cannot be reached at all (connection refused, a
DNS failure, a timeout), the sign-in service, Huudis, on other servers, is asked
for its public configuration: any answer means the network works and Pawpado is
unreachable or down; no answer from either means this computer is offline. Only
the two services the app already talks to are contacted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.api.errors import NetworkError
from pawpado_desktop.errors import PawpadoError

log = logging.getLogger(__name__)

HEALTH_EVERY_S = 60.0  # while offline, ask again at most this often


class ServiceHealth(StrEnum):
    UNKNOWN = "unknown"  # not asked (online, signed out) or the check itself failed
    OK = "ok"  # Pawpado's health answered "ok"
    DOWN = "down"  # Pawpado answered, but not healthy
    UNREACHABLE = "unreachable"  # Pawpado did not answer; Huudis did: the network works
    OFFLINE = "offline"  # neither answered: this computer is offline


async def check_service(
    client: PawpadoClient, issuer_reachable: Callable[[], Awaitable[bool]]
) -> ServiceHealth:
    try:
        health = await client.health()
    except NetworkError:
        try:
            network_works = await issuer_reachable()
        except Exception:  # the probe must never be the failure the user sees
            log.exception("the sign-in service probe failed")
            return ServiceHealth.UNKNOWN
        return ServiceHealth.UNREACHABLE if network_works else ServiceHealth.OFFLINE
    except PawpadoError as error:  # a 5xx, a proxy's page, an unreadable answer
        log.info("Pawpado's health check answered but failed: %s", error.message)
        return ServiceHealth.DOWN
    return ServiceHealth.OK if health.status == "ok" else ServiceHealth.DOWN
