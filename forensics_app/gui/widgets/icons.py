"""The application icon, drawn rather than shipped as a bitmap so it is sharp at every
size and screen scale (16 px menus to 256 px docks on 2x screens)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap, QRadialGradient

SIZES = (16, 24, 32, 48, 64, 128, 256)


def _draw(size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    s = size / 64.0
    # a spectrum tile: dark square with a bright centre and the periodic peaks of upsampling
    tile = QRectF(4 * s, 4 * s, 44 * s, 44 * s)
    gradient = QRadialGradient(tile.center(), 22 * s)
    gradient.setColorAt(0.0, QColor("#fcae5c"))
    gradient.setColorAt(0.35, QColor("#b5367a"))
    gradient.setColorAt(1.0, QColor("#1d1147"))
    painter.setPen(Qt.NoPen)
    painter.setBrush(gradient)
    painter.drawRoundedRect(tile, 6 * s, 6 * s)
    painter.setBrush(QColor("#fde9a9"))
    for dx in (-11, 11):
        for dy in (-11, 11):
            painter.drawEllipse(QPointF(tile.center().x() + dx * s, tile.center().y() + dy * s), 2.2 * s, 2.2 * s)
    # a magnifier over it
    painter.setBrush(Qt.NoBrush)
    painter.setPen(QPen(QColor("#f5f5f5"), 5 * s))
    painter.drawEllipse(QPointF(38 * s, 38 * s), 13 * s, 13 * s)
    painter.setPen(QPen(QColor("#f5f5f5"), 7 * s, Qt.SolidLine, Qt.RoundCap))
    painter.drawLine(QPointF(48 * s, 48 * s), QPointF(59 * s, 59 * s))
    painter.setPen(QPen(QColor("#263238"), 2.5 * s))
    painter.drawEllipse(QPointF(38 * s, 38 * s), 13 * s, 13 * s)
    painter.end()
    return pixmap


def app_icon() -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(_draw(size))
    return icon
