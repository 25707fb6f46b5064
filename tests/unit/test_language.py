"""The one language rule the tray and the CLI share (`i18n.language_for`)."""

from __future__ import annotations

from pawpado_desktop.present import i18n


def test_the_setting_wins_when_it_names_a_language() -> None:
    assert i18n.language_for("id", environ={"LANG": "en_US.UTF-8"}) == "id"
    assert i18n.language_for("en", environ={"LANG": "id_ID.UTF-8"}) == "en"


def test_system_follows_lc_all_then_lc_messages_then_lang() -> None:
    both = {"LC_ALL": "id_ID.UTF-8", "LC_MESSAGES": "en_US.UTF-8", "LANG": "en_US.UTF-8"}
    assert i18n.language_for("system", environ=both) == "id"
    messages = {"LC_MESSAGES": "en_US.UTF-8", "LANG": "id_ID.UTF-8"}
    assert i18n.language_for("system", environ=messages) == "en"
    assert i18n.language_for("system", environ={"LANG": "id_ID.UTF-8"}) == "id"
    assert i18n.language_for("system", environ={"LC_ALL": "", "LANG": "id_ID"}) == "id"
    assert i18n.language_for("system", environ={"LC_ALL": "C", "LANG": "id_ID"}) == "en"


def test_without_a_variable_the_os_decides() -> None:
    assert i18n.language_for("system", environ={}, platform="id_ID") == "id"  # Qt's name
    assert i18n.language_for("system", environ={}, platform="Indonesian_Indonesia") == "id"
    assert i18n.language_for("system", environ={}, platform="English_United States") == "en"
    assert i18n.language_for("system", environ={}) == "en"
    assert i18n.language_for("system", environ={"LANG": "en_GB"}, platform="id_ID") == "en"
