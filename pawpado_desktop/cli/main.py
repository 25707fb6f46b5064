"""Entry point: no subcommand starts the tray; subcommands run headless."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from pawpado_desktop import __version__
from pawpado_desktop.cli.helptext import polish, speak_argparse
from pawpado_desktop.errors import ExitCode, PawpadoError
from pawpado_desktop.present import i18n
from pawpado_desktop.present.i18n import tr

Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]

# Modules that contribute subcommands, imported only when the CLI runs.
COMMAND_MODULES = (
    "pawpado_desktop.cli.auth_commands",
    "pawpado_desktop.cli.session_commands",
    "pawpado_desktop.cli.history_command",
    "pawpado_desktop.cli.settings_command",
    "pawpado_desktop.cli.support_commands",
    "pawpado_desktop.cli.sim_command",
    "pawpado_desktop.cli.demo_command",
)


def top_level_parser() -> argparse.ArgumentParser:
    """The options that start the tray, without the subcommands (imports no command module)."""
    parser = argparse.ArgumentParser(
        prog="pawpado-desktop",
        description=tr(
            "Play on your Pawpado cloud gaming PC. Without a command, starts the tray app."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
        help=tr("show program's version number and exit"),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help=tr("run against the built-in simulator (no account, no real cloud PC)"),
    )
    parser.add_argument(
        "--background",
        action="store_true",
        help=tr("start quietly in the tray, opening no window (used by launch at login)"),
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help=tr(
            "more output on the terminal: -v progress details, -vv debugging "
            "(default: errors only; the log file always has the details)"
        ),
    )
    parser.set_defaults(command=None)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = top_level_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # that group is not built yet
        module.register(sub)
    polish(parser)  # every command: a description and each option's default
    return parser


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _NoTraceback(logging.Formatter):
    """One line per record: the terminal never shows a traceback (the log file has it)."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        record.stack_info = None
        return super().format(record).splitlines()[0]


def configure_logging(verbosity: int) -> None:
    """Errors on stderr (more with -v/-vv); everything from INFO up in the log file.

    Commands print what the user needs themselves; the terminal log is for -v.
    """
    console = logging.StreamHandler()
    console.setLevel(
        logging.ERROR if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    )
    plain = verbosity > 1  # -vv: a developer, tracebacks welcome
    console.setFormatter(logging.Formatter(LOG_FORMAT) if plain else _NoTraceback(LOG_FORMAT))
    handlers: list[logging.Handler] = [console]
    try:
        from logging.handlers import RotatingFileHandler

        from pawpado_desktop.config import log_dir

        file = RotatingFileHandler(
            log_dir() / "pawpado-desktop.log", maxBytes=1 << 20, backupCount=3, encoding="utf-8"
        )
        file.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
        file.setFormatter(logging.Formatter(LOG_FORMAT))
        handlers.append(file)
    except (OSError, PawpadoError):
        pass  # no writable log folder: the terminal still gets warnings
    logging.basicConfig(level=logging.DEBUG if verbosity > 1 else logging.INFO, handlers=handlers)


def _log_folder() -> str:
    try:
        from pawpado_desktop.config import log_dir

        return str(log_dir())
    except (OSError, PawpadoError):
        return tr("the app's log folder")


def report(error: PawpadoError) -> None:
    """The error that ends a command, on stderr, in the user's language."""
    from pawpado_desktop.cli.terminal import plain  # messages may quote a server
    from pawpado_desktop.present.errors import error_text, error_title

    _say(plain(f"{error_title(error)}: {error_text(error)}"))


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # the terminal is gone (SIGHUP)
        print(line, file=sys.stderr, flush=True)


# Ctrl-C, `kill` and a closed terminal: each ends a command the same way.
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_received: list[int] = []


def received_signals() -> tuple[int, ...]:
    """The stop signals this command has received so far."""
    return tuple(_received)


async def _until_signalled(handler: Handler, args: argparse.Namespace) -> int:
    """Run `handler`; a stop signal cancels it, so a Play's clean-up runs to the end
    (the stop, the Tailscale restore, closing Moonlight) before the process exits."""
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    assert main_task is not None

    def on_signal(signum: int) -> None:
        _received.append(signum)
        logging.getLogger("pawpado_desktop").info("signal %d: cancelling", signum)
        main_task.cancel()

    installed: list[int] = []
    for signum in _STOP_SIGNALS:
        try:
            loop.add_signal_handler(signum, on_signal, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # Windows (Ctrl-C still arrives as KeyboardInterrupt); not the main thread
        installed.append(signum)
    try:
        return await handler(args)
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def run_handler(handler: Handler, args: argparse.Namespace) -> int:
    _received.clear()
    try:
        return asyncio.run(_until_signalled(handler, args))
    except PawpadoError as error:
        report(error)
        return int(error.exit_code)
    except (KeyboardInterrupt, asyncio.CancelledError):
        _say(tr("Cancelled."))
        return int(ExitCode.CANCELLED)
    except Exception:  # a bug: full details to the log, a plain sentence to the user
        logging.getLogger("pawpado_desktop").exception("unexpected error")
        print(
            tr(
                "Unexpected error: this is a bug in Pawpado Desktop. The details are in the "
                "log in {folder}; please report it.",
                folder=_log_folder(),
            ),
            file=sys.stderr,
        )
        return int(ExitCode.ERROR)


def names_a_command(argv: Sequence[str]) -> bool:
    """Whether `argv` may name a subcommand or ask for help (which lists the commands).

    Every top-level option is a flag, so any word that is not an option is a command.
    """
    return any(arg in ("-h", "--help") or not arg.startswith("-") for arg in argv)


def _language_setting() -> str:
    """The `language` local setting, read on its own and silently (logging is not set
    up yet, and a bad field elsewhere in settings.json is the command's to report)."""
    from pawpado_desktop.config import LANGUAGES, SETTINGS_FILE, config_dir, read_json

    try:  # a look only: `--help` on a fresh computer creates no folder
        raw = read_json(config_dir(create=False) / SETTINGS_FILE)
    except (OSError, PawpadoError):
        return "system"
    value = raw.get("language") if isinstance(raw, dict) else None
    return value if isinstance(value, str) and value in LANGUAGES else "system"


def _platform_locale() -> str:
    """The OS's locale where no variable names one (Windows: "Indonesian_Indonesia")."""
    import locale

    try:
        return locale.getlocale()[0] or ""
    except ValueError:
        return ""


def choose_language() -> None:
    """The language of everything this run prints, by the tray's rule
    (`i18n.language_for`): the setting, else LC_ALL, LC_MESSAGES, LANG, else the OS.
    Chosen once, before a parser is built: help texts are translated as they are added."""
    i18n.set_language(i18n.language_for(_language_setting(), platform=_platform_locale()))
    speak_argparse()


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    choose_language()
    # The tray's path to its icon: no command module (httpx, auth, wiring) is imported.
    parser = build_parser() if names_a_command(words) else top_level_parser()
    args = parser.parse_args(words)
    configure_logging(args.verbose)
    handler: Any = getattr(args, "handler", None)
    if handler is None:
        return run_app(args)
    return run_handler(handler, args)


def run_app(args: argparse.Namespace) -> int:
    """No subcommand: the tray app (`--demo`: against the built-in simulator)."""
    try:
        from pawpado_desktop.ui.app import run
    except ImportError as exc:  # a Qt that cannot load (missing system libraries)
        print(
            tr(
                "The tray app cannot start: {problem}. The commands still work; see "
                "`pawpado-desktop --help`.",
                problem=exc,
            ),
            file=sys.stderr,
        )
        return int(ExitCode.ERROR)
    try:
        return run(args)
    except PawpadoError as error:
        report(error)
        return int(error.exit_code)
