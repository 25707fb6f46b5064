"""Small rules for sentences the core builds from parts (some from a server).

A server message may or may not end with a full stop, and a duration may be
fractional or exactly one: the tray and the CLI show these sentences as they are.
"""

from __future__ import annotations

_ENDS = (".", "!", "?", "…")


def sentence(text: str) -> str:
    """`text` ending with one full stop: "Could not attach" and "Top up to play
    again." both read right before the next sentence."""
    text = text.strip()
    return text if not text or text.endswith(_ENDS) else f"{text}."


def clause(text: str) -> str:
    """`text` without its final full stop, to sit inside a sentence of ours."""
    return text.strip().rstrip(".").rstrip()


def duration(minutes: float) -> str:
    """ "1 minute", "5 minutes", "15 seconds", "1 minute 30 seconds"."""
    total = max(0, round(minutes * 60))
    whole, seconds = divmod(total, 60)
    parts = []
    if whole:
        parts.append(f"{whole} minute" + ("" if whole == 1 else "s"))
    if seconds or not whole:
        parts.append(f"{seconds} second" + ("" if seconds == 1 else "s"))
    return " ".join(parts)
