"""The app's icons, from one script with a subcommand per step (all output is committed).

    uv run python scripts/make_icons.py svg      # after changing a shape below
    uv run python scripts/make_icons.py render   # after changing pawpado.svg
    uv run python scripts/make_icons.py all      # both, in that order

`svg` writes the tray icons and the app icon as SVG, from the shapes in this file,
under pawpado_desktop/resources/icons/: one paw glyph with a state mark per tray
state, in three forms: `light` (dark glyph for light panels), `dark` (light glyph
for dark panels) and `template` (black with holes, for macOS, which tints template
images itself). Badges are separate full-size layers the app paints over a state
icon. The app icon is pawpado.svg.

`render` draws pawpado.svg into every platform's format, in the same folder:

- hicolor/NxN/apps/com.pawpado.Desktop.png and hicolor/scalable/apps/...svg:
  the Linux icon theme layout (menus, the .desktop file, Flatpak, AppStream);
- pawpado.ico: Windows (the .exe, the installer, the Start menu), PNG entries;
- pawpado.icns: macOS (the app bundle), PNG entries, drawn on Apple's icon grid;
- generated.json: the source's SHA-256, so a test notices a stale render.

Rendering is Qt's QSvgRenderer on the offscreen platform; the .ico and .icns
containers are written here (a header and PNG payloads), no imaging library.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import struct
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "pawpado_desktop" / "resources" / "icons"
SOURCE = "pawpado.svg"
APP_ID = "com.pawpado.Desktop"

# -- svg: the shapes ------------------------------------------------------------

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


STATES = ("signed-out", "idle", "starting", "ready", "stopping", "error")


def write_svgs(icons: Path = ICONS) -> list[Path]:
    """The tray icons (every form, state and badge) and the app icon; returns the files."""
    written: list[Path] = []
    for form in GLYPH:
        folder = icons / form
        folder.mkdir(parents=True, exist_ok=True)
        for state in STATES:
            path = folder / f"{state}.svg"
            path.write_text(state_icon(form, state), encoding="utf-8")
            written.append(path)
        for level in BADGES:
            path = folder / f"badge-{level}.svg"
            path.write_text(badge(level, form), encoding="utf-8")
            written.append(path)
    (icons / SOURCE).write_text(app_icon(), encoding="utf-8")
    return [*written, icons / SOURCE]


# -- render: every platform's format ------------------------------------------

LINUX_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
WINDOWS_SIZES = (16, 20, 24, 32, 40, 48, 64, 256)  # 100-250 % scaling of 16/32/48
# macOS element types holding PNG data, and their pixel sizes (@2x types included).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),  # 16 pt @2x
    (b"icp6", 64),
    (b"ic12", 64),  # 32 pt @2x
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),  # 128 pt @2x
    (b"ic09", 512),
    (b"ic14", 512),  # 256 pt @2x
    (b"ic10", 1024),  # 512 pt @2x
)
# Apple's grid: the shape fills 824 of 1024 px, centred; the rest is margin.
MACOS_SHAPE = 824 / 1024


def render_png(svg: Path, size: int, *, shape: float = 1.0) -> bytes:
    """The SVG drawn into a size×size transparent PNG, scaled to `shape` of the side."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not an SVG Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    side = size * shape
    margin = (size - side) / 2
    renderer.render(painter, QRectF(margin, margin, side, side))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 wants the format as str; its stubs say bytes.
    png = image.convertToFormat(QImage.Format.Format_ARGB32)
    if not png.save(buffer, "PNG"):  # type: ignore[call-overload]
        raise SystemExit(f"could not encode a {size}px PNG")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICONDIR with one 32-bit PNG entry per size (Windows Vista and later)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(sizes)
    entries = b""
    for size in sizes:
        side = size if size < 256 else 0  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(pngs[size]), offset)
        offset += len(pngs[size])
    return header + entries + b"".join(pngs[size] for size in sizes)


def icns(pngs: dict[int, bytes]) -> bytes:
    """An 'icns' file: big-endian type + length elements, PNG data in each."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def render_platforms(icons: Path = ICONS) -> list[Path]:
    """Render everything from icons/pawpado.svg into `icons`; returns the files written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = icons / SOURCE
    written: list[Path] = []

    hicolor = icons / "hicolor"
    for size in LINUX_SIZES:
        path = hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        write(path, render_png(svg, size))
        written.append(path)
    scalable = hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    written.append(scalable)

    write(icons / "pawpado.ico", ico({size: render_png(svg, size) for size in WINDOWS_SIZES}))
    mac = {size: render_png(svg, size, shape=MACOS_SHAPE) for _, size in ICNS_TYPES}
    write(icons / "pawpado.icns", icns(mac))
    written += [icons / "pawpado.ico", icons / "pawpado.icns"]

    manifest = {
        "source": SOURCE,
        "sha256": hashlib.sha256(svg.read_bytes()).hexdigest(),
        "generator": "scripts/make_icons.py",
        "files": sorted(str(p.relative_to(icons)) for p in written),
    }
    manifest_path = icons / "generated.json"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return [*written, manifest_path]


STEPS: dict[str, tuple[Callable[[Path], list[Path]], ...]] = {
    "svg": (write_svgs,),
    "render": (render_platforms,),
    "all": (write_svgs, render_platforms),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="step", required=True)
    helps = {
        "svg": "write the tray icons and pawpado.svg from the shapes in this script",
        "render": f"render {SOURCE} as PNG, .ico and .icns",
        "all": "svg, then render",
    }
    for name, text in helps.items():
        step = sub.add_parser(name, help=text)
        step.add_argument(
            "--icons", type=Path, default=ICONS, help="the icons folder (default: %(default)s)"
        )
    args = parser.parse_args(argv)
    for make in STEPS[args.step]:
        for path in make(args.icons):
            print(path.relative_to(args.icons))
    return 0


if __name__ == "__main__":
    sys.exit(main())
