"""`--help` for every command: a description, and the default of every option.

Applied once over the whole parser after the command modules registered, so a
command added later gets the same treatment without remembering to ask for it.
"""

from __future__ import annotations

import argparse


class HelpFormatter(argparse.HelpFormatter):
    """Appends "(default: X)" to an option whose help does not name its default.

    A switch (store_true) has no value to show: its help says what it turns on.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False, argparse.SUPPRESS):
            return text
        if action.nargs == 0:  # a switch or a counter: nothing to choose
            return text
        return f"{text} (default: %(default)s)"


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
