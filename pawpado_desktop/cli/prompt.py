"""Questions on the terminal. Never asked without one, nor after SIGTERM or SIGHUP.

The answer is read on a daemon thread, so a signal that arrives mid-question
cancels the wait and the process can still end (a worker thread of asyncio's own
executor would hold the exit until Enter was pressed).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading

from pawpado_desktop.cli.main import received_signals
from pawpado_desktop.present.i18n import tr


def can_ask() -> bool:
    """A terminal to ask on, and no request to end without questions (closed terminal,
    the system shutting down). A Ctrl-C still allows a question: the user is there."""
    told_to_go = any(signum != signal.SIGINT for signum in received_signals())
    return sys.stdin.isatty() and not told_to_go


async def read_answer(question: str) -> str:
    """One line typed by the user ("" at the end of input or on a broken terminal)."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def settle(text: str) -> None:
        if not answer.done():
            answer.set_result(text)

    def read() -> None:
        try:
            text = input(question)
        except (EOFError, OSError, ValueError):
            text = ""
        loop.call_soon_threadsafe(settle, text)

    threading.Thread(target=read, name="prompt", daemon=True).start()
    return (await answer).strip().lower()


async def ask_yes_no(question: str) -> bool:
    """Yes or no, defaulting to no; without a terminal the answer is no."""
    if not can_ask():
        return False
    return await read_answer(tr("{question} [y/N] ", question=question)) in ("y", "yes", "ya")
