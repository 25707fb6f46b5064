"""Pure rules of the simulator: body validation, JWTs, user codes, rate windows, faults."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pawpado_desktop.sim import jwt, validation
from pawpado_desktop.sim.config import INSTANCE_TYPES
from pawpado_desktop.sim.errors import SimError
from pawpado_desktop.sim.faults import FaultResponse, Faults
from pawpado_desktop.sim.huudis import USER_CODE_ALPHABET, normalize_user_code
from pawpado_desktop.sim.ratelimit import RateLimiter
from pawpado_desktop.sim.wallet import Wallet

MINIMUM = Decimal("10000")


def _message(call: Any) -> str:
    with pytest.raises(SimError) as caught:
        call()
    assert caught.value.code == "VALIDATION_ERROR"
    assert caught.value.status == 400
    return caught.value.message


@given(st.decimals(min_value=10000, max_value=10**9, places=2, allow_nan=False))
def test_any_two_place_amount_from_the_minimum_is_accepted(amount: Decimal) -> None:
    parsed, _ = validation.topup_request({"amount": f"{amount:f}"}, MINIMUM, "IDR")
    assert parsed == amount


@given(st.decimals(min_value=0, max_value=Decimal("9999.99"), places=2, allow_nan=False))
def test_amounts_under_the_minimum_name_the_field(amount: Decimal) -> None:
    message = _message(lambda: validation.topup_request({"amount": f"{amount:f}"}, MINIMUM, "IDR"))
    assert message == "amount: must be at least 10000 IDR"


@given(st.text())
def test_odd_amount_text_never_passes_unless_it_is_a_plain_decimal(text: str) -> None:
    try:
        parsed, _ = validation.topup_request({"amount": text}, MINIMUM, "IDR")
    except SimError as exc:
        assert exc.message.startswith("amount:")
    else:
        assert parsed >= MINIMUM
        assert all(c.isdigit() or c == "." for c in text)


def test_settings_patch_accepts_every_schema_value() -> None:
    patch = {
        "instanceType": "g5.xlarge",
        "autoStopIdleMinutes": 240,
        "lowBalanceAlertMinutes": 0,
        "streamResolution": "3840x2160",
        "streamFps": 90,
        "bitrateKbps": 150000,
        "locale": "id",
    }
    assert validation.settings_patch(patch, INSTANCE_TYPES) == patch


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"streamFps": 75}, "streamFps: must be one of 30, 60, 90, 120"),
        ({"bitrateKbps": 150001}, "bitrateKbps: must be an integer from 500 to 150000"),
        ({"locale": None}, "locale: must be one of en, id"),
        ({"autoStopIdleMinutes": False}, "autoStopIdleMinutes: must be an integer from 0 to 240"),
        ({"colour": "red"}, "colour: unknown field"),
        ({}, "body: must contain at least one field to change"),
        ("streamFps=60", "body: must be a JSON object"),
    ],
)
def test_settings_patch_messages(patch: Any, message: str) -> None:
    assert _message(lambda: validation.settings_patch(patch, INSTANCE_TYPES)) == message


def test_start_body() -> None:
    assert validation.start_request(None, INSTANCE_TYPES) is None
    assert validation.start_request({}, INSTANCE_TYPES) is None
    assert validation.start_request({"instanceType": "g5.xlarge"}, INSTANCE_TYPES) == "g5.xlarge"
    assert _message(lambda: validation.start_request({"instanceType": 5}, INSTANCE_TYPES)).startswith(
        "instanceType:"
    )


def test_jwt_round_trip_and_tampering() -> None:
    secret = b"s" * 32
    token = jwt.encode({"sub": "u", "n": 1}, secret)
    assert jwt.decode(token, secret) == {"sub": "u", "n": 1}
    assert jwt.decode(token, b"t" * 32) is None
    head, _, sig = token.split(".")
    forged_body = jwt.encode({"sub": "admin", "n": 1}, b"other").split(".")[1]
    assert jwt.decode(f"{head}.{forged_body}.{sig}", secret) is None
    for garbage in ("", "a.b", "a.b.c", "....", "é.é.é"):
        assert jwt.decode(garbage, secret) is None


@given(st.text(alphabet=USER_CODE_ALPHABET, min_size=8, max_size=8))
def test_user_codes_normalize_whatever_the_typing(code: str) -> None:
    canonical = f"{code[:4]}-{code[4:]}"
    for typed in (canonical, code.lower(), f" {code[:2]} {code[2:6]}-{code[6:]} "):
        assert normalize_user_code(typed) == canonical


@pytest.mark.parametrize("typed", ["WDJB-MJH", "WDJB-MJHTX", "WDJA-MJHT", "1234-5678", ""])
def test_bad_user_codes(typed: str) -> None:
    assert normalize_user_code(typed) is None


def test_rate_windows_are_fixed_minutes() -> None:
    limiter = RateLimiter({"read": 2, "write": 1, "poll": 1})
    assert limiter.check("read", 120.5).remaining == 1
    assert limiter.check("read", 150.0).remaining == 0
    refused = limiter.check("read", 179.2)
    assert not refused.allowed
    assert (refused.reset_at, refused.retry_after) == (180.0, 1)
    assert refused.headers()["Retry-After"] == "1"
    assert limiter.check("read", 180.0).allowed  # a new window, not a sliding one
    assert limiter.check("write", 180.0).allowed


def test_wallet_never_goes_negative() -> None:
    wallet = Wallet(Decimal("700"))
    assert wallet.charge(Decimal("500")) == Decimal("500")
    assert wallet.charge(Decimal("500")) == Decimal("200")
    assert wallet.charge(Decimal("500")) == Decimal("0")
    assert wallet.balance == Decimal("0.00")


def test_fault_rules_match_patterns_and_run_out() -> None:
    faults = Faults()
    faults.add_replacement("/api/v1/sessions/*", FaultResponse(502), count=2, method="GET")
    assert faults.take_replacement("POST", "/api/v1/sessions/poll") is None
    assert faults.take_replacement("GET", "/api/v1/credits/me") is None
    assert faults.take_replacement("GET", "/api/v1/sessions/poll") is not None
    assert faults.take_replacement("get", "/api/v1/sessions/connect") is not None
    assert faults.take_replacement("GET", "/api/v1/sessions/poll") is None
    faults.set_latency(0.5, "/api/*")
    faults.set_latency(0.2)
    assert faults.latency_for("/api/v1/health") == 0.5
    assert faults.latency_for("/huudis/oauth/token") == 0.2
    with pytest.raises(ValueError):
        faults.add_replacement("*", FaultResponse(), count=0)
