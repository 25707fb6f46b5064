"""Languages: the choice, the Indonesian catalogue, and the menu's mnemonics."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pawpado_desktop.api.models import Credits, Identity, SessionState, SessionStatus
from pawpado_desktop.core.state import AppState, PlayPhase, PlayProgress
from pawpado_desktop.present import i18n
from pawpado_desktop.present.menu import Kind, menu_entries
from pawpado_desktop.ui.notifier import NOTICE_ACTIONS
from pawpado_desktop.ui.resources import resource


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
    try:
        for state in _states():
            entries = menu_entries(state, datetime.now(UTC), 0.0, playing=False)
            for menu in [entries, *(e.children for e in entries if e.kind is Kind.SUBMENU)]:
                keys = [
                    e.text[e.text.index("&") + 1].lower()
                    for e in menu
                    if e.kind in (Kind.ACTION, Kind.SUBMENU) and "&" in e.text
                ]
                assert len(keys) == len(set(keys)), f"{language}: {[e.text for e in menu]}"
    finally:
        i18n.set_language("en")
