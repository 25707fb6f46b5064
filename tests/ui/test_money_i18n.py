"""Money, durations and languages: formats and the Indonesian catalogue."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from PySide6.QtCore import QLocale

from pawpado_desktop.api.models import Credits, Identity, SessionState, SessionStatus
from pawpado_desktop.core.state import AppState, PlayPhase, PlayProgress
from pawpado_desktop.present import i18n
from pawpado_desktop.ui.money import MoneyFormat, locale_for
from pawpado_desktop.ui.notifier import NOTICE_ACTIONS
from pawpado_desktop.ui.resources import resource
from pawpado_desktop.ui.view_model import Kind, menu_entries


@pytest.fixture
def english() -> Iterator[MoneyFormat]:
    i18n.set_language("en")
    yield MoneyFormat(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


@pytest.fixture
def indonesian() -> Iterator[MoneyFormat]:
    i18n.set_language("id")
    try:
        yield MoneyFormat(locale_for("id"))
    finally:
        i18n.set_language("en")


def test_money_is_written_as_its_currency_writes_it(english: MoneyFormat) -> None:
    assert english.money(Decimal("60000.00"), "IDR") == "Rp 60.000"
    assert english.money(Decimal("1499.50"), "IDR") == "Rp 1.500"  # half up, whole rupiah
    assert english.money(Decimal("-2500"), "IDR") == "-Rp 2.500"
    assert english.money(Decimal("1234.5"), "USD") == "US$ 1,234.50"
    assert english.money(Decimal("0.005"), "USD") == "US$ 0.01"
    assert english.money(Decimal("12345678901234567890"), "IDR").startswith("Rp 12.345.678")
    assert english.money(Decimal("1234.5"), "XYZ") == "XYZ 1,234.50"


def test_other_currencies_follow_the_ui_locale(indonesian: MoneyFormat) -> None:
    assert indonesian.money(Decimal("1234.5"), "EUR") == "€ 1.234,50"
    assert indonesian.money(Decimal("60000"), "IDR") == "Rp 60.000"


def test_durations_and_clocks(english: MoneyFormat) -> None:
    assert english.duration(0) == "0 min"
    assert english.duration(60) == "1 h"
    assert english.duration(125) == "2 h 5 min"
    assert MoneyFormat.clock(65) == "1:05"
    assert MoneyFormat.clock(3725) == "1:02:05"
    assert MoneyFormat.clock(-3) == "0:00"
    i18n.set_language("id")
    try:
        assert english.duration(125) == "2 j 5 mnt"
    finally:
        i18n.set_language("en")


def test_language_follows_the_setting_then_the_system() -> None:
    assert i18n.choose_language("system", "id_ID") == "id"
    assert i18n.choose_language("system", "en_GB") == "en"
    assert i18n.choose_language("system", "de_DE") == "en"
    assert i18n.choose_language("en", "id_ID") == "en"
    assert i18n.choose_language("id", "en_US") == "id"


def _literals() -> set[str]:
    """The tray's notice buttons; every `tr("...")` key of the package (ui, cli, present)
    is checked without Qt by tests/unit/test_catalogue.py."""
    return {label for actions in NOTICE_ACTIONS.values() for _, label in actions}


def test_every_text_has_an_indonesian_translation_with_the_same_fields() -> None:
    catalogue = json.loads(resource("translations", "id.json").read_text(encoding="utf-8"))
    missing = sorted(_literals() - set(catalogue))
    assert not missing, f"add these to resources/translations/id.json: {missing}"
    fields = re.compile(r"\{(\w+)\}")
    for english, indonesian in catalogue.items():
        assert set(fields.findall(english)) == set(fields.findall(indonesian)), english
        assert english.count("&") == indonesian.count("&"), f"mnemonic lost: {english}"


def _states() -> Iterator[AppState]:
    now = datetime.now(UTC)
    credits = Credits(Decimal(60000), "IDR", Decimal(500), Decimal(7500), 10.0, 100.0)
    identity = Identity("u", "gamer@example.com", now, "Demo Gamer")
    signed = AppState(signed_in=True, identity=identity, credits=credits)
    running = SessionStatus(SessionState.RUNNING, True, "running", started_at=now)
    yield AppState()
    yield signed
    yield AppState(**{**signed.__dict__, "play": PlayProgress(PlayPhase.BOOTING)})
    yield AppState(**{**signed.__dict__, "session": running, "play": PlayProgress(PlayPhase.GRACE)})
    yield AppState(
        **{**signed.__dict__, "session": running, "play": PlayProgress(PlayPhase.STREAMING)}
    )
    yield AppState(**{**signed.__dict__, "session": running})


@pytest.mark.parametrize("language", ["en", "id"])
def test_menu_mnemonics_are_unique_in_each_menu(language: str) -> None:
    i18n.set_language(language)
    fmt = MoneyFormat(locale_for(language))
    try:
        for state in _states():
            entries = menu_entries(state, datetime.now(UTC), 0.0, fmt, playing=False)
            for menu in [entries, *(e.children for e in entries if e.kind is Kind.SUBMENU)]:
                keys = [
                    e.text[e.text.index("&") + 1].lower()
                    for e in menu
                    if e.kind in (Kind.ACTION, Kind.SUBMENU) and "&" in e.text
                ]
                assert len(keys) == len(set(keys)), f"{language}: {[e.text for e in menu]}"
    finally:
        i18n.set_language("en")
