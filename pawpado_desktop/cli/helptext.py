"""`--help` for every command: a description, and the default of every option.

Applied once over the whole parser after the command modules registered, so a
command added later gets the same treatment without remembering to ask for it.
"""

from __future__ import annotations

import argparse

from pawpado_desktop.present.i18n import tr

# argparse's own words a user can meet (help layout, usage errors), catalogue keys as
# argparse writes them; its programming errors (conflicting options) stay English.
ARGPARSE_WORDS = (
    "usage: ",
    "positional arguments",
    "options",
    "show this help message and exit",
    "%(prog)s: error: %(message)s\n",
    "argument %(argument_name)s: %(message)s",
    "unrecognized arguments: %s",
    "not allowed with argument %s",
    "ignored explicit argument %r",
    "the following arguments are required: %s",
    "one of the arguments %s is required",
    "expected one argument",
    "expected at most one argument",
    "expected at least one argument",
    "expected %s argument",
    "expected %s arguments",
    "ambiguous option: %(option)s could match %(matches)s",
    "unexpected option string: %s",
    "invalid %(type)s value: %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)",
    "can't open '%(filename)s': %(error)s",
)


def _word(message: str) -> str:
    return tr(message)


def _words(singular: str, plural: str, n: int) -> str:
    return tr(singular if n == 1 else plural)


def speak_argparse() -> None:
    """argparse's own words through the catalogue. argparse looks `_` and `ngettext` up
    in its module at each use (gettext's, which knows no catalogue of ours), so these
    two stand in for them; call before building a parser (its group titles)."""
    vars(argparse).update(_=_word, ngettext=_words)


def default_named(text: str) -> bool:
    """Whether an option's help already says its default (in either language)."""
    return "default" in text or tr("default") in text


class HelpFormatter(argparse.HelpFormatter):
    """Appends "(default: X)" to an option whose help does not name its default.

    A switch (store_true) has no value to show: its help says what it turns on.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if default_named(text) or action.default in (None, False, argparse.SUPPRESS):
            return text
        if action.nargs == 0:  # a switch or a counter: nothing to choose
            return text
        return tr("{text} (default: %(default)s)", text=text)


def polish(parser: argparse.ArgumentParser) -> None:
    """The help formatter on `parser` and every subcommand; a command registered
    without a description gets its one-line help as one."""
    parser.formatter_class = HelpFormatter
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, command in action.choices.items():
            command.formatter_class = HelpFormatter
            if not command.description and helps.get(name):
                summary = str(helps[name])
                command.description = summary[0].upper() + summary[1:] + "."
            polish(command)
