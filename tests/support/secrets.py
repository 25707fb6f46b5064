"""Looking for secrets where they must never be: in output, logs, command lines."""

from __future__ import annotations

from pathlib import Path

import pytest


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return found


def descendants_cmdlines(root: int) -> list[str]:
    """Command lines of every living process below `root` (via /proc)."""
    lines = []
    pending = _children(root)
    while pending:
        pid = pending.pop()
        pending += _children(pid)
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        lines.append(raw.replace(b"\0", b" ").decode(errors="replace"))
    return lines


def needles(secret: str) -> list[str]:
    """Pieces that would give a secret away: 16-character windows every 8 characters.

    Any leaked stretch of 24 characters or more contains one. A JWT's first
    part (its header) is the same for every token, so only what follows counts.
    """
    distinctive = secret.split(".", 1)[1] if secret.count(".") == 2 else secret
    return [distinctive[i : i + 16] for i in range(0, max(1, len(distinctive) - 15), 8)]


def assert_nowhere(secrets: list[str], texts: list[str]) -> None:
    assert secrets and all(len(s) >= 20 for s in secrets)
    for secret in secrets:
        for needle in needles(secret):
            if any(needle in text for text in texts):
                pytest.fail("a secret reached the output")  # not shown: this report is output too
