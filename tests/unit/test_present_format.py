"""The one formatter: money, spans, times and dates in English and Indonesian, Qt-free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from pawpado_desktop.present import format as fmt
from pawpado_desktop.present import i18n


def test_money_is_written_as_its_currency_writes_it(language: str) -> None:
    assert fmt.money(Decimal("60000.00"), "IDR") == "Rp 60.000"
    assert fmt.money(Decimal("1499.50"), "IDR") == "Rp 1.500"  # half up, whole rupiah
    assert fmt.money(Decimal("-2500"), "IDR") == "-Rp 2.500"
    assert fmt.money(Decimal("1234.5"), "USD") == "US$ 1,234.50"
    assert fmt.money(Decimal("0.005"), "USD") == "US$ 0.01"
    huge = fmt.money(Decimal("12345678901234567890"), "IDR")
    assert huge == "Rp 12.345.678.901.234.567.890"  # exact: no float on the way


def test_other_currencies_follow_the_language(language: str) -> None:
    expected = {"en": "€ 1,234.50", "id": "€ 1.234,50"}[language]
    assert fmt.money(Decimal("1234.5"), "EUR") == expected
    assert fmt.money(Decimal("1234.5"), "XYZ").startswith("XYZ 1")


def test_short_spans() -> None:
    assert fmt.minutes(0) == "0 min"
    assert fmt.minutes(-5) == "0 min"
    assert fmt.minutes(60) == "1 h"
    assert fmt.minutes(125) == "2 h 5 min"
    assert fmt.minutes(None) == "unlimited"
    i18n.set_language("id")
    try:
        assert fmt.minutes(125) == "2 j 5 mnt"
        assert fmt.minutes(None) == "tanpa batas"
    finally:
        i18n.set_language("en")


def test_spans_in_sentences_have_their_plurals() -> None:
    assert fmt.duration(1) == "1 minute"
    assert fmt.duration(5) == "5 minutes"
    assert fmt.duration(0.25) == "15 seconds"
    assert fmt.duration(1.5) == "1 minute 30 seconds"
    assert fmt.duration(1 / 60) == "1 second"
    assert fmt.duration(0) == "0 seconds"
    i18n.set_language("id")
    try:
        assert fmt.duration(1.5) == "1 menit 30 detik"
        assert fmt.duration(5) == "5 menit"
    finally:
        i18n.set_language("en")


def test_clocks() -> None:
    assert fmt.clock(65) == "1:05"
    assert fmt.clock(3725) == "1:02:05"
    assert fmt.clock(-3) == "0:00"


def test_times_and_dates_are_local(language: str) -> None:
    # 23:30 UTC on 31 December is already 1 January in Jakarta (UTC+7).
    jakarta = timezone(timedelta(hours=7))
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC).astimezone(jakarta)
    local = moment.astimezone()  # the test machine's zone decides what is "local"
    day = fmt.date(moment)
    assert day.startswith(f"{local.day} ") and day.endswith(str(local.year))
    month = (
        {"en": "January", "id": "Januari"}
        if local.month == 1
        else {
            "en": "December",
            "id": "Desember",
        }
    )
    assert month[language] in day
    separator = {"en": ":", "id": "."}[language]
    assert fmt.time_of_day(moment) == f"{local.hour:02d}{separator}{local.minute:02d}"
    assert fmt.rate(Decimal(500), "IDR") == {"en": "Rp 500/min", "id": "Rp 500/mnt"}[language]
    assert fmt.number(37.5) == {"en": "37.5", "id": "37,5"}[language]
    assert fmt.number(100.0) == "100"
