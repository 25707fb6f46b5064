"""Text from a server, made safe to print on a terminal.

A name, a message or a URL may carry escape sequences (retitle the terminal, move
the cursor, overwrite what was printed, or worse on old terminals) or bidi
controls that make text read differently from what it is. Everything the CLI
prints that a server could have written goes through `plain()`.
"""

from __future__ import annotations

import unicodedata

# Format characters that reorder or hide text; other format characters (such as
# the zero-width joiner in emoji) are harmless and kept.
_HIDING = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


def plain(text: str) -> str:
    """`text` without control characters; a line break or tab becomes a space.

    Our own sentences keep their newlines by printing separate lines, so a server
    cannot fake a line of ours either.
    """
    out = []
    for ch in text:
        if ch in "\t\n\r\v\f\x85\u2028\u2029":
            out.append(" ")
        elif ch in _HIDING or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    return "".join(out)
