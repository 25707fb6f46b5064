"""Render the app icon for every platform from resources/icons/pawpado.svg.

    uv run python scripts/make_icons.py

writes, under resources/icons/ (all committed):

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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
SOURCE = "pawpado.svg"
APP_ID = "com.pawpado.Desktop"

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


def make(icons: Path = ICONS) -> list[Path]:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--icons", type=Path, default=ICONS, help=f"the folder with {SOURCE} (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    for path in make(args.icons):
        print(path.relative_to(args.icons))
    return 0


if __name__ == "__main__":
    sys.exit(main())
