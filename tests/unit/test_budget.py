from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pawpado_desktop.api.models import Credits
from pawpado_desktop.core.budget import (
    BudgetGuard,
    alert_thresholds,
    attention,
    parse_amount,
    runs_out_at,
    topup_suggestions,
)
from pawpado_desktop.core.notices import Topic
from pawpado_desktop.core.state import Attention


def credits(balance: str, rate: str = "500") -> Credits:
    return Credits(
        balance=Decimal(balance),
        currency="IDR",
        rate_per_minute=Decimal(rate),
        minimum_start_balance=Decimal(rate) * 15,
        storage_used_gb=1.0,
        storage_quota_gb=100.0,
    )


def test_thresholds_merge_account_and_fixed_ones() -> None:
    assert alert_thresholds(30) == [30, 10, 5]
    assert alert_thresholds(10) == [10, 5]
    assert alert_thresholds(0) == [10, 5]


def test_each_threshold_fires_once_as_the_balance_falls() -> None:
    guard = BudgetGuard()
    fired = []
    for minutes in (40, 31, 30, 29, 12, 10, 9, 6, 5, 4, 0):
        alert = guard.observe(credits(str(minutes * 500)), 30, during_session=True)
        if alert:
            fired.append((minutes, alert.threshold))
    assert fired == [(30, 30), (10, 10), (5, 5)]


def test_a_top_up_re_arms_the_alerts() -> None:
    guard = BudgetGuard()
    assert guard.observe(credits("2500"), 30, during_session=False) is not None  # 5 min
    assert guard.observe(credits("2000"), 30, during_session=False) is None
    assert guard.observe(credits("100000"), 30, during_session=False) is None  # topped up
    alert = guard.observe(credits("4000"), 30, during_session=False)  # 8 min
    assert alert is not None and alert.threshold == 10


def test_a_first_look_at_a_low_balance_gives_one_alert_the_most_urgent() -> None:
    alert = BudgetGuard().observe(credits("1500"), 30, during_session=True)
    assert alert is not None and alert.threshold == 5 and alert.minutes_left == 3
    assert alert.topic is Topic.BALANCE_LOW_PLAYING


def test_attention_levels() -> None:
    assert attention(credits("100000"), 30) is Attention.OK
    assert attention(credits("14000"), 30) is Attention.LOW  # 28 min
    assert attention(credits("5000"), 0) is Attention.CRITICAL
    assert attention(credits("0"), 30) is Attention.EMPTY
    assert attention(None, 30) is Attention.OK


def test_run_out_time_uses_decimal_minutes() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert runs_out_at(credits("750"), now) == now + timedelta(seconds=90)
    assert runs_out_at(credits("100", rate="0"), now) is None


def test_top_up_amounts_cover_hours_and_respect_the_minimum() -> None:
    assert topup_suggestions(Decimal("500")) == [
        (1, Decimal(30000)),
        (3, Decimal(90000)),
        (10, Decimal(300000)),
    ]
    assert topup_suggestions(Decimal("123.45"))[0] == (1, Decimal(10000))
    assert topup_suggestions(Decimal("333.33"))[1] == (3, Decimal(60000))


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("50.000", Decimal(50000)),  # Indonesian grouping
        ("50,000", Decimal(50000)),  # English grouping
        ("50000", Decimal(50000)),
        ("50000.00", Decimal(50000)),  # decimals, never five million
        ("1.234.567,50", Decimal("1234567.50")),
        ("1,234,567.5", Decimal("1234567.5")),
        (" 30 000 ", Decimal(30000)),
        ("50.000.00", None),  # the same mark for both: refused, not guessed
        ("50000.000", None),
        ("5,00,000", None),
        ("-5", None),
        ("1e5", None),
        ("", None),
    ],
)
def test_a_typed_amount_is_read_as_people_write_it(typed: str, amount: Decimal | None) -> None:
    assert parse_amount(typed) == amount
