"""An error as the user reads it, in the current language.

A `PawpadoError` carries an English title and template (catalogue keys) and its
parameters; this renders them with `tr`. Parameters from a server, a daemon or a
child are shown as they came (the front ends print them as plain text); money and
durations are formatted here, translatable fragments (`Phrase`) translated.
"""

from __future__ import annotations

from collections.abc import Mapping

from pawpado_desktop.errors import Minutes, Money, PawpadoError, Phrase
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.i18n import tr


def format_value(value: Money | Minutes) -> str:
    """Money and durations, formatted the one way the app does (present/format)."""
    if isinstance(value, Money):
        return fmt.money(value.amount, value.currency)
    return fmt.minutes(value.minutes)


def rendered(value: object) -> object:
    """A parameter ready for `tr`: plain values stay as they are (format specs apply)."""
    if isinstance(value, Money | Minutes):
        return format_value(value)
    if isinstance(value, Phrase):
        return render(value.template, value.params)
    if isinstance(value, tuple):  # sentences said one after the other
        return " ".join(str(rendered(part)) for part in value)
    return value


def render(template: str, params: Mapping[str, object]) -> str:
    """`template` in the current language with `params` filled in."""
    return tr(template, **{name: rendered(value) for name, value in params.items()})


def text_of(value: Phrase | str) -> str:
    """A translatable phrase in the current language; text from elsewhere as it came."""
    return str(rendered(value))


def error_title(error: PawpadoError) -> str:
    return tr(error.title)


def error_text(error: PawpadoError) -> str:
    return render(error.template, error.params)
