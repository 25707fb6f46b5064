"""A QR code as a crisp pixmap (segno computes the modules; Qt paints them)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage, QPainter, QPixmap


def qr_matrix(text: str) -> list[list[bool]]:
    import segno  # deferred: only the sign-in dialog needs it

    return [[bool(m) for m in row] for row in segno.make(text, error="m").matrix]


def qr_pixmap(text: str, *, module: int = 5, border: int = 3) -> QPixmap:
    rows = qr_matrix(text)
    side = (len(rows) + 2 * border) * module
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                painter.fillRect(
                    (x + border) * module, (y + border) * module, module, module, QColor("black")
                )
    painter.end()
    return QPixmap.fromImage(image)
