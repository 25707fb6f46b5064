"""The API client against the simulator over real loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.api.errors import (
    ApiError,
    AwsCapacity,
    NetworkError,
    NotReady,
    ProtocolError,
    RateLimited,
    ServerError,
    SessionAlreadyRunning,
    SessionNotRunning,
    Unauthenticated,
    UnknownApiError,
    ValidationFailed,
)
from pawpado_desktop.api.models import SessionState
from pawpado_desktop.api.tokens import StaticTokenProvider
from pawpado_desktop.clock import Clock
from pawpado_desktop.errors import ConfigError, NotSignedIn
from pawpado_desktop.sim.faults import FaultResponse
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.sim import sign_in_directly

SPEED = 60.0  # one simulated minute per real second
# In process (httpx.ASGITransport): these test the client's logic; the socket has its
# own tests (a slow server below, tests/play, tests/hardening).
pytestmark = pytest.mark.world(
    speed=SPEED,
    asgi=True,
    provisioning_seconds=40,
    starting_seconds=60,
    ready_delay_seconds=15,
    stopping_seconds=30,
)


@pytest.fixture
async def client(
    sim: SimulatorServer, sim_clock: Clock, sim_http: httpx.AsyncClient
) -> AsyncIterator[PawpadoClient]:
    tokens = StaticTokenProvider(sign_in_directly(sim).access_token)
    async with PawpadoClient(
        sim.base_url, tokens, http=sim_http, clock=sim_clock, jitter=lambda: 0.0
    ) as c:
        yield c


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": code, "message": message}).encode()


def json_fault(status: int, body: bytes, **headers: str) -> FaultResponse:
    return FaultResponse(
        status=status,
        body=body,
        content_type="application/json",
        headers=tuple(headers.items()),
    )


async def wait_until(client: PawpadoClient, clock: Clock, ready: bool = True) -> None:
    for _ in range(200):
        status = await client.poll_session()
        if status.is_playable == ready and status.state is not SessionState.STOPPING:
            return
        await clock.sleep(2.0)
    raise AssertionError("the session never got there")


async def test_every_operation_round_trips(client: PawpadoClient, sim_clock: Clock) -> None:
    health = await client.health()
    assert health.status == "ok"
    me = await client.whoami()
    assert me.email == "gamer@example.com" and me.expires_at.tzinfo is not None

    credits = await client.credits()
    assert credits.balance == Decimal("100000.00") and credits.currency == "IDR"
    assert credits.minimum_start_balance == credits.rate_per_minute * 15
    assert credits.minutes_left == 200

    storage = await client.storage_billing()
    assert (
        isinstance(storage.price_per_month, Decimal) and storage.period_end > storage.period_start
    )

    settings = await client.settings()
    changed = await client.update_settings({"streamFps": 120, "bitrateKbps": 50000})
    assert (changed.stream_fps, changed.bitrate_kbps) == (120, 50000)
    assert changed.stream_resolution == settings.stream_resolution

    started = await client.start_session()
    assert started.state is SessionState.PROVISIONING and started.started_at is not None
    key = await client.tailscale_key()  # allowed while the instance boots
    assert key.auth_key.startswith("tskey-") and key.ephemeral
    assert key.auth_key not in repr(key)

    await wait_until(client, sim_clock)
    connect = await client.connect_info()
    assert connect.port == 47989 and connect.address.endswith(":47989")
    pin = await client.pair_pin()
    assert len(pin.pin) == 4 and pin.pin.isdigit() and pin.pin not in repr(pin)

    stopping = await client.stop_session()
    assert stopping.state is SessionState.STOPPING
    await wait_until(client, sim_clock, ready=False)
    assert (await client.credits()).balance < credits.balance  # billed per started minute

    checkout = await client.topup(Decimal("10000"))
    assert checkout.checkout_url.startswith("http")
    deletion = await client.delete_account()
    assert deletion.status == "scheduled"


async def test_state_errors_have_their_types(client: PawpadoClient, sim_clock: Clock) -> None:
    with pytest.raises(SessionNotRunning):
        await client.stop_session()
    with pytest.raises(SessionNotRunning):
        await client.tailscale_key()
    await client.start_session()
    with pytest.raises(SessionAlreadyRunning):
        await client.start_session()
    with pytest.raises(NotReady) as not_ready:
        await client.pair_pin()
    assert not_ready.value.server_message  # the server's words travel with it
    with pytest.raises(NotReady):
        await client.connect_info()


async def test_validation_error_names_the_field(client: PawpadoClient) -> None:
    with pytest.raises(ValidationFailed) as info:
        await client.update_settings({"streamFps": 45})
    assert info.value.field == "streamFps"
    with pytest.raises(ValidationFailed) as info:
        await client.topup(Decimal("5"))
    assert info.value.field == "amount"


async def test_the_code_decides_the_type_not_the_status(
    client: PawpadoClient, sim: SimulatorServer
) -> None:
    sim.control.replace_responses(
        "/api/v1/sessions/start",
        json_fault(400, error_body("AWS_CAPACITY", "No g4dn capacity"), **{"Retry-After": "30"}),
    )
    with pytest.raises(AwsCapacity) as info:
        await client.start_session()
    assert info.value.retry_after == 30 and info.value.exit_code == 5

    sim.control.replace_responses(
        "/api/v1/credits/me", json_fault(418, error_body("BRAND_NEW_CODE", "Teapot says no"))
    )
    with pytest.raises(UnknownApiError) as unknown:
        await client.credits()
    assert unknown.value.code == "BRAND_NEW_CODE" and "Teapot says no" in unknown.value.message


async def test_unauthenticated_refreshes_once_then_gives_up(
    sim: SimulatorServer, sim_http: httpx.AsyncClient
) -> None:
    class CountingProvider:
        def __init__(self) -> None:
            self.refreshes = 0

        async def access_token(self) -> str:
            return "not-a-valid-token"

        async def refreshed_after_rejection(self, rejected: str) -> str:
            self.refreshes += 1
            return "still-not-valid"

    provider = CountingProvider()
    async with PawpadoClient(sim.base_url, provider, http=sim_http) as client:
        with pytest.raises(Unauthenticated) as info:
            await client.credits()
    assert provider.refreshes == 1 and info.value.exit_code == 3

    async with PawpadoClient(sim.base_url, StaticTokenProvider("garbage"), http=sim_http) as client:
        with pytest.raises(NotSignedIn):
            await client.whoami()


async def test_a_401_with_a_refreshed_token_succeeds(
    sim: SimulatorServer, sim_http: httpx.AsyncClient
) -> None:
    good = sign_in_directly(sim).access_token

    class Rotating:
        async def access_token(self) -> str:
            return "expired-token"

        async def refreshed_after_rejection(self, rejected: str) -> str:
            assert rejected == "expired-token"
            return good

    async with PawpadoClient(sim.base_url, Rotating(), http=sim_http) as client:
        assert (await client.whoami()).email == "gamer@example.com"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (FaultResponse(502, b"<html><body>Bad gateway</body></html>"), ServerError),
        (FaultResponse(200, b"", content_type="application/json"), ProtocolError),
        (FaultResponse(200, b'{"balance": "12', content_type="application/json"), ProtocolError),
        (FaultResponse(200, b"<html>login</html>"), ProtocolError),
        (
            FaultResponse(200, b'["not", "an", "object"]', content_type="application/json"),
            ProtocolError,
        ),
        (FaultResponse(200, b'{"balance": 5}', content_type="application/json"), ProtocolError),
        (FaultResponse(200, b" " * (10 << 20), content_type="application/json"), ProtocolError),
        (FaultResponse(404, b"Not Found", content_type="text/plain"), ProtocolError),
        pytest.param(  # a connection cut mid-answer exists only on a socket
            FaultResponse(200, b'{"bal', content_type="application/json", disconnect=True),
            NetworkError,
            marks=pytest.mark.world(asgi=False),
        ),
    ],
    ids=[
        "html-502",
        "empty-200",
        "truncated",
        "html-200",
        "array",
        "wrong-type",
        "10MB",
        "404-text",
        "cut",
    ],
)
async def test_garbage_bodies_become_typed_errors(
    client: PawpadoClient, sim: SimulatorServer, fault: FaultResponse, expected: type[Exception]
) -> None:
    sim.control.replace_responses("/api/v1/credits/me", fault, count=5)
    with pytest.raises(expected) as info:
        await client.credits()
    assert info.value.args and "Traceback" not in str(info.value)


async def test_gets_retry_5xx_with_backoff(client: PawpadoClient, sim: SimulatorServer) -> None:
    sim.control.replace_responses("/api/v1/credits/me", FaultResponse(503, b"busy"), count=2)
    assert (await client.credits()).currency == "IDR"
    failed = [r for r in sim.control.request_log() if r.path == "/api/v1/credits/me" and r.faulted]
    assert len(failed) == 2  # both 503s were seen, and the third try succeeded


async def test_posts_are_never_retried_blindly(client: PawpadoClient, sim: SimulatorServer) -> None:
    sim.control.replace_responses(
        "/api/v1/sessions/start", FaultResponse(502, b"<html>gateway</html>"), after=True
    )
    with pytest.raises(ServerError):
        await client.start_session()
    starts = [r for r in sim.control.request_log() if r.path == "/api/v1/sessions/start"]
    assert len(starts) == 1
    # The lost answer's start did happen: the next look shows it, and nothing doubled.
    assert (await client.poll_session()).state.is_active


@pytest.mark.world(asgi=False)  # httpx's timeouts act on a real socket only
async def test_a_slow_server_times_out_cleanly(sim: SimulatorServer) -> None:
    sim.control.set_latency(3.0, "/api/v1/sessions/stop")
    tokens = StaticTokenProvider(sign_in_directly(sim).access_token)
    timeout = httpx.Timeout(0.3)
    async with PawpadoClient(sim.base_url, tokens, timeout=timeout) as client:
        with pytest.raises(NetworkError) as info:
            await client.stop_session()
    assert "did not answer in time" in info.value.message


async def test_an_unreachable_server_is_a_network_error() -> None:
    async with PawpadoClient("http://127.0.0.1:9", StaticTokenProvider("t"), jitter=lambda: 0) as c:
        with pytest.raises(NetworkError) as info:
            await c.health()
    assert info.value.exit_code == 8


def test_the_base_url_must_be_https_or_loopback() -> None:
    with pytest.raises(ConfigError) as info:
        PawpadoClient("http://pawpado.example.com", None)
    assert "unencrypted" in info.value.message
    PawpadoClient("https://pawpado.com", None)
    PawpadoClient("http://[::1]:8000", None)
    PawpadoClient("http://localhost:8000", None)


async def test_a_burst_stays_under_every_limit(client: PawpadoClient, sim: SimulatorServer) -> None:
    """130 calls across the three classes: the client paces them, the server never says 429."""
    for _ in range(70):
        await client.credits()
    for _ in range(35):
        await client.poll_session()
    for _ in range(25):
        with pytest.raises(ValidationFailed):
            await client.update_settings({"streamFps": 1})
    assert sum(sim.control.rate_limited_counts().values()) == 0
    counts = sim.control.request_counts()
    assert counts["read"] >= 70 and counts["poll"] >= 35 and counts["write"] >= 25


async def test_a_forced_429_is_waited_out(client: PawpadoClient, sim: SimulatorServer) -> None:
    sim.control.replace_responses(
        "/api/v1/credits/me",
        json_fault(429, error_body("RATE_LIMITED", "Slow down"), **{"Retry-After": "20"}),
    )
    clock = client.clock
    before = clock.monotonic()
    assert (await client.credits()).currency == "IDR"
    assert clock.monotonic() - before >= 20  # simulated seconds: it honoured Retry-After

    sim.control.replace_responses(
        "/api/v1/sessions/start",
        json_fault(429, error_body("RATE_LIMITED", "Slow down"), **{"Retry-After": "5"}),
    )
    with pytest.raises(RateLimited) as info:  # a write is not retried on its own
        await client.start_session()
    assert info.value.retry_after == 5


async def test_api_errors_never_carry_the_token(
    client: PawpadoClient, sim: SimulatorServer
) -> None:
    token = await client.tokens.access_token()  # type: ignore[union-attr]
    sim.control.replace_responses(
        "/api/v1/credits/me", json_fault(400, error_body("WHATEVER", "bad")), count=1
    )
    with pytest.raises(ApiError) as info:
        await client.credits()
    assert token not in str(info.value) and token not in repr(info.value.args)
