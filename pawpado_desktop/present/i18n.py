"""English and Indonesian text.

English strings in the code are the keys; `resources/translations/id.json` maps
them to Indonesian (one catalogue per language: English is the keys themselves).
Placeholders are `{name}` fields filled by `tr(text, name=...)`. A missing entry
falls back to English rather than showing nothing. Qt-free: the CLI uses it too.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from importlib.resources import files

log = logging.getLogger(__name__)

SUPPORTED = ("en", "id")
# Where the system's language is read, in gettext's order (the first one set wins).
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


class _Current:
    """The language in use (one per process, like Qt's own translators)."""

    language = "en"
    catalog: dict[str, str] = {}  # noqa: RUF012 - replaced whole, never mutated


def choose_language(setting: str, system_locale: str) -> str:
    """The setting when it names a language, else the system's (Indonesian or English)."""
    if setting in SUPPORTED:
        return setting
    name = system_locale.lower().replace("-", "_")
    return "id" if name.startswith(("id", "in_", "indonesian")) else "en"


def system_locale(environ: Mapping[str, str] | None = None, platform: str = "") -> str:
    """The system's locale name: the first of LC_ALL, LC_MESSAGES and LANG that is set,
    else `platform` (the OS's own choice where no variable is set: Windows, macOS)."""
    env = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        if value := env.get(name, "").strip():
            return value
    return platform


def language_for(
    setting: str, *, environ: Mapping[str, str] | None = None, platform: str = ""
) -> str:
    """The one rule, for the tray and the CLI alike: the `language` setting when it names
    a language ("system" follows the system), else the environment, else the OS."""
    return choose_language(setting, system_locale(environ, platform))


def load_catalog(language: str) -> dict[str, str]:
    if language == "en":
        return {}
    path = files("pawpado_desktop").joinpath("resources", "translations", f"{language}.json")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("no usable translation file at %s; using English", path)
        return {}
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def set_language(language: str) -> None:
    chosen = language if language in SUPPORTED else "en"
    if chosen == _Current.language:
        return  # the tray sets it at start and again once the core is up: read the file once
    _Current.language = chosen
    _Current.catalog = load_catalog(chosen)


def language() -> str:
    return _Current.language


def tr(text: str, /, **values: object) -> str:
    template = _Current.catalog.get(text, text)
    if not values:
        return template
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a broken translation: English still works
        return text.format(**values)
