"""Write the tray icons: one paw glyph, a state mark per tray state, three forms.

Run `uv run python resources/icons/make_icons.py` after changing a shape; the SVGs
it writes are committed. Forms: `light` (dark glyph for light panels), `dark`
(light glyph for dark panels) and `template` (black with holes, for macOS, which
tints template images itself). Badges are separate full-size layers the app
paints over a state icon.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

PAW = (
    '<path d="M32 29c-9.5 0-17 10.5-16 17.5.7 5.2 6.8 7 12.2 5.2 2.5-.8 5.1-.8 7.6 0 '
    '5.4 1.8 11.5 0 12.2-5.2 1-7-6.5-17.5-16-17.5z"/>'
    '<ellipse cx="14.5" cy="26" rx="5.2" ry="6.8" transform="rotate(-22 14.5 26)"/>'
    '<ellipse cx="25" cy="14.5" rx="5.6" ry="7.4" transform="rotate(-8 25 14.5)"/>'
    '<ellipse cx="39" cy="14.5" rx="5.6" ry="7.4" transform="rotate(8 39 14.5)"/>'
    '<ellipse cx="49.5" cy="26" rx="5.2" ry="6.8" transform="rotate(22 49.5 26)"/>'
)

# The state mark: a disc in the lower right with a symbol cut into it.
CX, CY, R = 48.0, 48.0, 14.5
SYMBOLS = {
    "starting": "M48 39.5l-8 9h5v7.5h6v-7.5h5z",  # an arrow up: booting
    "ready": "M44 40.5v15l12-7.5z",  # play
    "stopping": "M42.5 42.5h11v11h-11z",  # stop
    "error": "M46 39.5h4v11h-4zM46 53h4v4h-4z",  # exclamation mark
}
COLOURS = {"starting": "#f59e0b", "ready": "#22c55e", "stopping": "#64748b", "error": "#ef4444"}
GLYPH = {"light": "#1f2430", "dark": "#f3f5f8", "template": "#000000"}
HALO = {"light": "#ffffff", "dark": "#1f2430"}  # the outline, and the mark's ring
OUTLINE = 3.0  # the outline's width outside the glyph, in the 64-unit grid
BADGES = {"low": "#f59e0b", "critical": "#ef4444"}
BADGE_CX, BADGE_CY, BADGE_R = 53.0, 11.0, 8.5


def disc(cx: float, cy: float, r: float) -> str:
    return f"M{cx - r} {cy}a{r} {r} 0 1 0 {2 * r} 0a{r} {r} 0 1 0 {-2 * r} 0z"


def svg(body: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        f"{body}</svg>\n"
    )


def state_icon(form: str, state: str) -> str:
    glyph = GLYPH[form]
    hollow = state == "signed-out"
    if form == "template" and hollow:  # signed out: an outline of the paw, nothing inside
        paw = f'<g fill="none" stroke="{glyph}" stroke-width="3.2">{PAW}</g>'
    elif form == "template":
        paw = f'<g fill="{glyph}">{PAW}</g>'
    elif hollow:  # signed out: an outline of the paw, nothing inside, itself outlined
        paw = (
            f'<g fill="none" stroke="{HALO[form]}" stroke-width="{3.2 + 2 * OUTLINE}">{PAW}</g>'
            f'<g fill="none" stroke="{glyph}" stroke-width="3.2">{PAW}</g>'
        )
    else:
        # The panel's colour scheme is often unknown, so the glyph may land on a panel
        # of its own colour: a contrasting outline (a wide stroke drawn under the fill,
        # since Qt's SVG renderer has no paint-order) keeps it legible on any panel.
        paw = (
            f'<g fill="{HALO[form]}" stroke="{HALO[form]}" stroke-width="{2 * OUTLINE}">'
            f"{PAW}</g>"
            f'<g fill="{glyph}">{PAW}</g>'
        )
    if state not in SYMBOLS:
        return svg(paw)
    symbol = SYMBOLS[state]
    if form == "template":
        # Shrink the paw out of the mark's way; the mark's symbol is a hole.
        shrunk = f'<g transform="scale(0.74)">{paw}</g>'
        mark = f'<path fill="#000000" fill-rule="evenodd" d="{disc(CX, CY, R)}{symbol}"/>'
        return svg(shrunk + mark)
    halo = f'<path fill="{HALO[form]}" d="{disc(CX, CY, R + 2.5)}"/>'
    mark = (
        f'<path fill="{COLOURS[state]}" d="{disc(CX, CY, R)}"/><path fill="#ffffff" d="{symbol}"/>'
    )
    return svg(paw + halo + mark)


def badge(level: str, form: str) -> str:
    if form == "template":
        return svg(f'<path fill="#000000" d="{disc(BADGE_CX, BADGE_CY, BADGE_R)}"/>')
    ring = f'<path fill="{HALO[form]}" d="{disc(BADGE_CX, BADGE_CY, BADGE_R + 2)}"/>'
    coin = f'<path fill="{BADGES[level]}" d="{disc(BADGE_CX, BADGE_CY, BADGE_R)}"/>'
    return svg(ring + coin)


def app_icon() -> str:
    return svg(
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        '<stop offset="0" stop-color="#7c3aed"/><stop offset="1" stop-color="#2563eb"/>'
        "</linearGradient></defs>"
        '<rect width="64" height="64" rx="14" fill="url(#g)"/>'
        f'<g fill="#ffffff" transform="translate(8 8) scale(0.75)">{PAW}</g>'
    )


def main() -> None:
    states = ("signed-out", "idle", "starting", "ready", "stopping", "error")
    for form in GLYPH:
        folder = HERE / form
        folder.mkdir(exist_ok=True)
        for state in states:
            (folder / f"{state}.svg").write_text(state_icon(form, state), encoding="utf-8")
        for level in BADGES:
            (folder / f"badge-{level}.svg").write_text(badge(level, form), encoding="utf-8")
    (HERE / "pawpado.svg").write_text(app_icon(), encoding="utf-8")


if __name__ == "__main__":
    main()
