"""Reading token responses and the stored token set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pawpado_desktop.auth.tokens import (
    DEFAULT_LIFETIME,
    TokenResponseError,
    TokenSet,
    parse_seconds,
)

NOW = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5.0), ("5", 5.0), (" 7 ", 7.0), (2.5, 2.5), ("2.5", 2.5)],
)
def test_parse_seconds_accepts_numbers_and_numeric_strings(value: object, expected: float) -> None:
    assert parse_seconds(value, 99.0) == expected


@pytest.mark.parametrize("value", [None, "", "soon", 0, -3, "-3", True, float("nan"), "inf", [5]])
def test_parse_seconds_falls_back_on_anything_else(value: object) -> None:
    assert parse_seconds(value, 5.0) == 5.0


def test_expiry_is_a_wall_clock_deadline_from_expires_in() -> None:
    tokens = TokenSet.from_response(
        {"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt"},
        NOW,
    )
    assert tokens.expires_at == NOW + timedelta(hours=1)
    assert tokens.refresh_at == NOW + timedelta(minutes=55)
    assert not tokens.needs_refresh(NOW + timedelta(minutes=54))
    assert tokens.needs_refresh(NOW + timedelta(minutes=55))
    assert not tokens.is_expired(NOW + timedelta(minutes=59))
    assert tokens.is_expired(NOW + timedelta(hours=1))


def test_short_lifetimes_are_not_stale_on_arrival() -> None:
    tokens = TokenSet.from_response({"access_token": "at", "expires_in": "2"}, NOW)
    assert not tokens.needs_refresh(NOW + timedelta(seconds=1))
    assert tokens.needs_refresh(NOW + timedelta(seconds=1.7))


def test_missing_refresh_token_keeps_the_previous_one() -> None:
    tokens = TokenSet.from_response({"access_token": "at2", "expires_in": 60}, NOW, "rt1")
    assert tokens.refresh_token == "rt1"
    assert tokens.access_token == "at2"


def test_missing_expires_in_uses_a_short_default() -> None:
    tokens = TokenSet.from_response({"access_token": "at"}, NOW)
    assert tokens.expires_at == NOW + timedelta(seconds=DEFAULT_LIFETIME)


@pytest.mark.parametrize(
    "body",
    [{}, {"access_token": ""}, {"access_token": 5}, {"access_token": "x", "token_type": "mac"}],
)
def test_unusable_responses_are_refused_naming_only_the_field(body: dict[str, object]) -> None:
    with pytest.raises(TokenResponseError) as caught:
        TokenSet.from_response({**body, "refresh_token": "secret-rt"}, NOW)
    assert "secret-rt" not in str(caught.value)


def test_repr_never_shows_the_tokens() -> None:
    tokens = TokenSet.from_response(
        {"access_token": "AT-SECRET", "refresh_token": "RT-SECRET", "expires_in": 60}, NOW
    )
    assert "SECRET" not in repr(tokens)
    assert "SECRET" not in str(tokens)


@given(
    access=st.text(min_size=1, max_size=3000),
    refresh=st.one_of(st.none(), st.text(min_size=1, max_size=3000)),
    lifetime=st.integers(min_value=1, max_value=10**6),
)
def test_stored_form_round_trips(access: str, refresh: str | None, lifetime: int) -> None:
    tokens = TokenSet.from_response(
        {"access_token": access, "refresh_token": refresh, "expires_in": lifetime}, NOW
    )
    assert TokenSet.from_json(tokens.to_json()) == tokens


@pytest.mark.parametrize(
    "text",
    ["", "nonsense", "[]", '{"v": 2}', '{"v": 1, "access_token": "a"}',
     '{"v":1,"access_token":"a","refresh_token":null,"expires_at":"2026-01-01T00:00:00",'
     '"refresh_at":"2026-01-01T00:00:00"}'],
)
def test_unreadable_stored_forms_read_as_nothing(text: str) -> None:
    assert TokenSet.from_json(text) is None
