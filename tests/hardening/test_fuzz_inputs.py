"""What users type: command lines, and settings sent to the server.

- Any argv ends in a parsed command, help (exit 0) or a usage error (exit 2),
  never a traceback; the commands that parse then run end with a documented
  exit code even with nothing reachable.
- Any settings change, sent as the app sends it, is applied (200) or refused
  with VALIDATION_ERROR naming the field (400): never a 5xx, and every answer
  fits the contract (checked by the `sim` fixture).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pawpado_desktop.api.client import PawpadoClient
from pawpado_desktop.api.errors import ValidationFailed
from pawpado_desktop.api.ratelimit import RateClass, RateLimiter
from pawpado_desktop.api.tokens import StaticTokenProvider
from pawpado_desktop.cli.main import build_parser, main
from pawpado_desktop.clock import SYSTEM_CLOCK
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.server import SimulatorServer
from pawpado_desktop.sim.validation import settings_rules
from tests.support.properties import examples
from tests.support.sim import sign_in_directly

COMMANDS = ["status", "play", "stop", "topup", "login", "logout", "whoami", "sim"]
OPTIONS = [
    "--json", "--app", "--grace", "--keep-running", "--no-browser", "--demo", "-v", "-vv",
    "--verbose", "--background", "--help", "--version", "--port", "--host", "--speed",
    "--auto-approve", "--", "-", "--grace=", "--app=Desktop",
]  # fmt: skip
VALUES = ["0", "5", "240", "241", "-1", "nan", "inf", "1e400", "10000", "1,000.50", "sNaN",
          "٣", "²", "", " ", "Desktop", "x" * 300, "\x00", "9" * 5000]  # fmt: skip
words = st.one_of(st.sampled_from(COMMANDS + OPTIONS + VALUES), st.text(max_size=12))
argvs = st.lists(words, max_size=6)
DOCUMENTED = {int(code) for code in ExitCode}


@contextlib.contextmanager
def captured() -> Iterator[io.StringIO]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        yield out


@settings(max_examples=examples(250), deadline=None)
@given(argv=argvs)
@example(argv=["topup", "1e400"])
@example(argv=["play", "--grace", "nan"])
@example(argv=["sim", "--port", "9" * 5000])
def test_any_command_line_parses_or_is_a_usage_error(argv: list[str]) -> None:
    with captured() as out:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as done:
            assert done.code in (0, 2), done.code
            assert "Traceback" not in out.getvalue()
            return
    handler = getattr(args, "handler", None)
    assert handler is None or callable(handler)
    if getattr(args, "grace", None) is not None:
        assert 0 <= args.grace <= 240
    if args.command == "topup":
        assert args.amount.is_finite() and args.amount > 0


# Commands that can run to the end here: nothing they reach is reachable.
RUNNABLE = st.one_of(
    st.just(["status"]),
    st.just(["status", "--json"]),
    st.tuples(st.just("play"), st.sampled_from(["--grace", "--app"]), st.sampled_from(VALUES)).map(
        list
    ),
    st.just(["stop"]),
    st.tuples(st.just("topup"), st.sampled_from(["10000", "0.5", "1e9"])).map(list),
    st.just(["whoami"]),
    st.just(["logout"]),
    st.just(["login", "--no-browser"]),
)


@pytest.fixture
def nowhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every endpoint a command could reach is a closed loopback port."""
    monkeypatch.setenv("PAWPADO_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PAWPADO_AUTH_URL", "http://127.0.0.1:9/huudis")
    monkeypatch.setenv("PAWPADO_TAILSCALE_SOCKET", str(tmp_path / "no-tailscaled.sock"))
    monkeypatch.setenv("PAWPADO_MOONLIGHT", str(tmp_path / "no-moonlight"))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(argv=RUNNABLE, verbose=st.sampled_from([[], ["-v"], ["-vv"]]))
def test_commands_end_with_a_documented_exit_code(
    nowhere: None, argv: list[str], verbose: list[str]
) -> None:
    with captured() as out:
        try:
            code = main([*verbose, *argv])
        except SystemExit as done:  # a usage error from a value argparse refused
            code = done.code if isinstance(done.code, int) else 2
    text = out.getvalue()
    assert code in DOCUMENTED, text
    assert "Traceback" not in text and "Unexpected error" not in text, text


# -- settings sent to the server -------------------------------------------------------

RULES = settings_rules(("g4dn.xlarge", "g5.xlarge", "g5.2xlarge"))
setting_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers().map(lambda n: n * 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["1920x1080", "en", "id", "g5.xlarge", 60, 120, 500, 150000, 240, 600]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
patches = st.dictionaries(
    st.one_of(st.sampled_from(sorted(RULES)), st.text(max_size=8)), setting_values, max_size=4
)


UNPACED = 100_000  # hundreds of changes in seconds: no rate limit on either side
pytestmark = pytest.mark.world(read_limit=UNPACED, write_limit=UNPACED, poll_limit=UNPACED, provisioning_seconds=0.3, starting_seconds=0.3, ready_delay_seconds=0.2, stopping_seconds=0.3)


@pytest.fixture
async def api(sim: SimulatorServer) -> Any:
    token = StaticTokenProvider(sign_in_directly(sim).access_token)
    unpaced = RateLimiter(SYSTEM_CLOCK, {kind: UNPACED for kind in RateClass})
    async with PawpadoClient(sim.base_url, token, limiter=unpaced) as client:
        yield client


@settings(
    max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(patch=patches)
@example(patch={})
@example(patch={"streamFps": True})
@example(patch={"bitrateKbps": 10**40})
async def test_settings_changes_are_applied_or_refused_by_field(
    sim: SimulatorServer, api: PawpadoClient, patch: dict[str, Any]
) -> None:
    before = sim.control.settings()
    try:
        after = await api.update_settings(patch)  # type: ignore[arg-type]
    except ValidationFailed as refused:
        assert refused.status == 400 and refused.code == "VALIDATION_ERROR"
        if patch and set(patch) <= set(RULES):  # what the app sends: the field is named
            assert refused.field in patch
        assert sim.control.settings() == before  # all or nothing
        return
    assert patch and set(patch) <= set(RULES)
    for key, value in patch.items():
        assert RULES[key].problem(value) is None
    assert {**before, **patch} == sim.control.settings()
    assert after.stream_fps == sim.control.settings()["streamFps"]


async def test_a_raw_settings_body_that_is_not_an_object_is_refused(sim: SimulatorServer) -> None:
    token = sign_in_directly(sim).access_token
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=5) as http:
        for body in (b"[]", b'"x"', b"1", b"null", b"{", b"\xff", b"[" * 100_000):
            answer = await http.patch(
                "/api/v1/settings",
                content=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            assert answer.status_code == 400, (body[:20], answer.text)
            assert answer.json()["error"] == "VALIDATION_ERROR"
