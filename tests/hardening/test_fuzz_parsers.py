"""Every parser of outside input, fed whatever hypothesis makes up.

The rule: any input ends in a value the app can use or in a typed PawpadoError,
never in another exception (which no layer would show as anything but a
traceback). Where the app computes with what it parsed (money, deadlines), the
computations are run too: a parser that accepts a value the next step chokes on
has not done its job.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from pawpado_desktop.api import models
from pawpado_desktop.api.errors import ProtocolError, api_error, parse_retry_after
from pawpado_desktop.auth.tokens import TokenResponseError, TokenSet, parse_seconds
from pawpado_desktop.config import LocalSettings, checked_url, read_json
from pawpado_desktop.core.budget import attention, runs_out_at
from pawpado_desktop.core.state import AppState
from pawpado_desktop.errors import ConfigError, PawpadoError
from pawpado_desktop.moonlight.client import check_address, host_address
from pawpado_desktop.moonlight.dialogs import classify, last_outcome
from pawpado_desktop.moonlight.instances import parse_ps, parse_tasklist
from pawpado_desktop.moonlight.version import parse_version
from pawpado_desktop.present.format import money
from pawpado_desktop.safe_url import UnsafeUrl
from pawpado_desktop.tailscale.client import error_text
from pawpado_desktop.tailscale.join_state import JoinRecord
from pawpado_desktop.tls import tls_context
from tests.support.properties import examples

NOW = datetime(2026, 5, 12, 10, 42, tzinfo=UTC)

# JSON as a server could send it: big and deep numbers, odd strings, nesting.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.integers().map(lambda n: n * 10**400)  # beyond any float
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
# Strings that look nearly right: amounts, times, PINs, addresses.
amounts = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["1e40", "-5", "0.00", "1E-999999", "9" * 60, "sNaN", "1_000", "٣٠"]),
    st.text(max_size=12),
)
times = st.one_of(
    st.datetimes(timezones=st.timezones()).map(datetime.isoformat),
    st.sampled_from(
        ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-05-12T10:42:00Z", "now"]
    ),
    st.text(max_size=25),
)
loose = st.one_of(json_values, amounts, times)

VALID: dict[str, dict[str, Any]] = {
    "Health": {"status": "ok", "version": "1.4.2"},
    "SessionStatus": {
        "state": "running",
        "instanceId": "i-0a1b",
        "publicIp": "13.214.1.1",
        "tailnetIp": "100.64.0.7",
        "startedAt": "2026-05-12T10:42:00Z",
        "ready": True,
        "message": None,
    },
    "PairPin": {"pin": "0427", "expiresAt": "2026-05-12T10:44:00Z"},
    "ConnectInfo": {"tailnetIp": "100.64.0.7", "port": 47989, "hostname": "pc"},
    "TailscaleKey": {
        "authKey": "tskey-auth-x",
        "expiresAt": "2026-05-12T10:52:00Z",
        "ephemeral": True,
        "controlUrl": None,
        "tags": ["tag:pawpado-client"],
    },
    "Credits": {
        "balance": "52300.00",
        "currency": "IDR",
        "ratePerMinute": "500.00",
        "minimumStartBalance": "7500.00",
        "storage": {"usedGb": 37.5, "quotaGb": 100},
    },
    "TopupCheckout": {
        "checkoutId": "co_1",
        "checkoutUrl": "https://pay.example/co_1",
        "expiresAt": "2026-05-12T11:12:00Z",
    },
    "StorageBilling": {
        "tier": "standard-100",
        "sizeGb": 100,
        "usedGb": 37.5,
        "pricePerMonth": "75000.00",
        "currency": "IDR",
        "periodStart": "2026-05-01T00:00:00Z",
        "periodEnd": "2026-06-01T00:00:00Z",
    },
    "Settings": {
        "instanceType": "g4dn.xlarge",
        "autoStopIdleMinutes": 15,
        "lowBalanceAlertMinutes": 30,
        "streamResolution": "1920x1080",
        "streamFps": 60,
        "bitrateKbps": 20000,
        "locale": "en",
    },
    "Identity": {
        "huudisUserId": "hu_1",
        "email": "gamer@example.com",
        "name": None,
        "expiresAt": "2026-05-12T11:42:00Z",
    },
    "AccountDeletion": {"status": "scheduled", "deleteAt": "2026-06-11T00:00:00Z"},
}


def use(parsed: Any) -> None:
    """What the app goes on to do with a parsed answer: all of it must work."""
    if isinstance(parsed, models.Credits):
        parsed.minutes_left  # noqa: B018
        parsed.shortfall_to_start  # noqa: B018
        attention(parsed, 30)
        runs_out_at(parsed, NOW)
        money(parsed.balance, parsed.currency)  # what the tray and the CLI show
        money(parsed.shortfall_to_start, parsed.currency)
    if isinstance(parsed, models.SessionStatus):
        AppState(session=parsed, credits=models.Credits.from_json(VALID["Credits"])).cost_so_far(
            NOW
        )
    if isinstance(parsed, models.ConnectInfo):
        check_address(parsed.address)
    if isinstance(parsed, models.Settings):
        parsed.resolution  # noqa: B018
    for name in ("expires_at", "started_at", "delete_at", "period_end"):
        moment = getattr(parsed, name, None)
        if moment is not None:
            (moment - NOW).total_seconds()


@pytest.mark.parametrize("name", sorted(VALID))
@settings(max_examples=examples(150), deadline=None)
@given(data=st.data())
def test_api_models_parse_or_refuse_with_a_protocol_error(name: str, data: st.DataObject) -> None:
    model = getattr(models, name)
    raw = dict(VALID[name])
    # A real answer with some fields replaced, removed or added.
    for key in data.draw(st.lists(st.sampled_from([*raw, "extra"]), max_size=3)):
        if data.draw(st.booleans()):
            raw[key] = data.draw(loose)
        else:
            raw.pop(key, None)
    if name == "Credits" and data.draw(st.booleans()):
        raw["storage"] = data.draw(st.dictionaries(st.sampled_from(["usedGb", "quotaGb"]), loose))
    try:
        parsed = model.from_json(raw)
    except (ProtocolError, UnsafeUrl) as error:  # UnsafeUrl: a checkout address refused
        assert error.message and "Traceback" not in error.message
        return
    with contextlib.suppress(PawpadoError):  # a typed refusal further on is fine too
        use(parsed)


@settings(max_examples=examples(300), deadline=None)
@given(
    balance=amounts,
    rate=amounts,
    minimum=amounts,
    used=scalars,
    started=times,
    expires=times,
)
@example(  # a balance no wallet holds, at a rate near zero
    balance="1e40", rate="0.01", minimum="1", used=1, started="", expires=""
)
@example(balance="100", rate="1e-20", minimum="1", used=10**400, started="", expires="")
@example(
    balance="1", rate="1", minimum="1", used=1,
    started="0001-01-01T00:00:00+01:00", expires="9999-12-31T23:59:59-01:00",
)  # fmt: skip
def test_money_and_times_parse_and_compute_or_are_refused(
    balance: str, rate: str, minimum: str, used: Any, started: str, expires: str
) -> None:
    """The answers the app does arithmetic with: balances, rates, start and expiry times."""
    credits = dict(VALID["Credits"], balance=balance, ratePerMinute=rate)
    credits.update(minimumStartBalance=minimum, storage={"usedGb": used, "quotaGb": 100})
    session = dict(VALID["SessionStatus"], startedAt=started or VALID["SessionStatus"]["startedAt"])
    pin = dict(VALID["PairPin"], expiresAt=expires or VALID["PairPin"]["expiresAt"])
    for model, raw in (
        (models.Credits, credits),
        (models.SessionStatus, session),
        (models.PairPin, pin),
    ):
        try:
            parsed = model.from_json(raw)
        except ProtocolError:
            continue
        use(parsed)


@settings(max_examples=examples(300), deadline=None)
@given(
    status=st.integers(min_value=100, max_value=999),
    body=json_values,
    retry_after=st.one_of(
        st.none(), st.text(max_size=12), st.sampled_from(["inf", "1e400", "-1", "nan", "30"])
    ),
)
def test_error_answers_always_become_a_typed_error(
    status: int, body: Any, retry_after: str | None
) -> None:
    headers = {} if retry_after is None else {"retry-after": retry_after}
    error = api_error(status, body, headers)
    assert isinstance(error, PawpadoError) and error.message
    wait = parse_retry_after(headers)
    assert wait is None or 0 <= wait < float("inf")


@settings(max_examples=examples(300), deadline=None)
@given(
    body=st.dictionaries(
        st.sampled_from(["access_token", "refresh_token", "expires_in", "token_type", "scope"]),
        loose,
    )
)
def test_token_answers_parse_or_name_the_missing_field(body: dict[str, Any]) -> None:
    try:
        tokens = TokenSet.from_response(body, NOW, previous_refresh_token="rt-old")
    except TokenResponseError:
        return
    assert tokens.refresh_at <= tokens.expires_at
    assert TokenSet.from_json(tokens.to_json()) == tokens


@given(value=loose)
def test_seconds_from_a_server_are_usable_as_a_deadline(value: Any) -> None:
    seconds = parse_seconds(value, 5.0)
    assert seconds > 0
    NOW + timedelta(seconds=seconds)  # the device flow and the token deadlines do this


@given(text=st.one_of(st.text(), st.sampled_from(["[" * 100_000, '{"a":' * 50_000])))
def test_stored_sign_ins_read_back_or_read_as_none(text: str) -> None:
    assert TokenSet.from_json(text) is None or isinstance(TokenSet.from_json(text), TokenSet)


# -- Huudis over loopback: discovery and device authorization --------------------------


@settings(
    max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    discovery=st.dictionaries(
        st.sampled_from(
            ["issuer", "device_authorization_endpoint", "token_endpoint", "revocation_endpoint"]
        ),
        st.one_of(loose, st.sampled_from(["http://[::1", "https://idp.example/x", "ftp://x"])),
    ),
    device=st.dictionaries(
        st.sampled_from(
            ["device_code", "user_code", "verification_uri", "expires_in", "interval", "x"]
        ),
        loose,
    ),
)
async def test_huudis_answers_end_in_a_flow_or_a_sign_in_error(
    canned_idp: Any, discovery: dict[str, Any], device: dict[str, Any]
) -> None:
    import httpx

    from pawpado_desktop.auth.device_flow import DeviceFlow
    from pawpado_desktop.auth.huudis import HuudisClient
    from pawpado_desktop.clock import SYSTEM_CLOCK

    canned_idp.answers.clear()
    canned_idp.script(
        "/.well-known/openid-configuration", (200, canned_idp.discovery() | discovery)
    )
    canned_idp.script("/device", (200, device))
    async with httpx.AsyncClient(timeout=5, verify=tls_context()) as http:
        client = HuudisClient(canned_idp.issuer_url, http)
        try:
            authorization = await client.start_device_authorization()
        except PawpadoError as error:
            assert error.message
            return

        async def keep(tokens: TokenSet) -> None:
            pass

        flow = DeviceFlow(authorization, client, SYSTEM_CLOCK, keep)
        flow.cancel()
        assert flow.user_code and "device_code" not in repr(flow)


# -- this computer's side -------------------------------------------------------------


@given(body=st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())))
@example(body=b"[" * 100_000)
def test_tailscale_error_bodies_read_as_short_text(body: bytes) -> None:
    assert len(error_text(body)) <= 300


@given(raw=json_values)
def test_join_records_parse_or_read_as_unknown(raw: Any) -> None:
    record = JoinRecord.parse(raw)
    assert record is None or isinstance(record.game_profile_name, str)


numbers_and_lines = st.text(
    alphabet=st.sampled_from(list('0123456789 .,"²٣:[]abcMoonlight-exe\n')), max_size=80
)


@given(text=st.one_of(st.text(max_size=80), numbers_and_lines))
@example(text="Moonlight " + "9" * 5000 + ".1.0")
@example(text="²,moonlight.exe")
@example(text='"moonlight.exe","12"\r0')  # a lone carriage return in tasklist output
def test_moonlight_outputs_classify_without_raising(text: str) -> None:
    classify(text)
    last_outcome(text.splitlines())
    version = parse_version(text)
    assert version is None or version.major >= 0
    parse_ps(text)
    parse_tasklist(text)


@given(address=st.one_of(st.text(max_size=40), numbers_and_lines))
@example(address="100.64.0.7:²")
@example(address="pc:" + "9" * 5000)
def test_addresses_for_moonlight_are_accepted_or_refused_as_bad_addresses(address: str) -> None:
    try:
        assert check_address(address) == address
    except PawpadoError as error:
        assert error.exit_code == 7


@given(ip=st.text(max_size=40), port=st.integers(min_value=-1, max_value=10**6))
def test_host_address_never_raises(ip: str, port: int) -> None:
    assert str(port) in host_address(ip, port)


# -- settings and configuration --------------------------------------------------------

local_keys = st.sampled_from(
    [
        "moonlight_path",
        "moonlight_app",
        "display_mode",
        "stop_grace_minutes",
        "launch_at_login",
        "notification_level",
        "language",
        "extra",
        "other",
    ]
)


@given(raw=st.one_of(json_values, st.dictionaries(local_keys, loose | json_values)))
def test_local_settings_from_any_file_are_valid(raw: Any) -> None:
    settings_ = LocalSettings.from_mapping(raw)
    settings_.validate()


# A file with no default left in it, and every way of cutting it short (a crash while
# writing by hand, a full disk): none of its values may survive the damage.
_CHANGED_SETTINGS = json.dumps(
    {
        "moonlight_path": "/opt/moonlight",
        "moonlight_app": "Steam",
        "display_mode": "windowed",
        "stop_grace_minutes": 30,
        "launch_at_login": True,
        "notification_level": "important",
        "language": "id",
        "extra": {"moonlight_options": {"vsync": True}},
    }
)
cut_short = st.integers(0, len(_CHANGED_SETTINGS) - 1).map(lambda n: _CHANGED_SETTINGS[:n])


@given(text=st.one_of(st.text(), cut_short, st.sampled_from(["[" * 100_000, "\udcff", "[]"])))
@example(text=_CHANGED_SETTINGS[:-1])
def test_damaged_settings_files_read_as_defaults(
    text: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("settings")
    (folder / "settings.json").write_text(text, encoding="utf-8", errors="surrogateescape")
    assume(not isinstance(read_json(folder / "settings.json"), dict))  # an object is not damaged
    assert LocalSettings.load(folder) == LocalSettings()


@given(
    url=st.one_of(
        st.text(max_size=40), st.sampled_from(["http://[::1", "https://[x]:9/", "http://:0"])
    )
)
def test_endpoint_overrides_are_accepted_or_refused_clearly(url: str) -> None:
    try:
        checked_url(url, what="Pawpado API", env_name="PAWPADO_BASE_URL")
    except ConfigError as error:
        assert "PAWPADO_BASE_URL" in error.message
