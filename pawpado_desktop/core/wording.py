"""Small rules for sentences the core builds from parts (some from a server).

A server message may or may not end with a full stop: the tray and the CLI show
these sentences as they are. (Spans are worded by present/format.duration.)
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
