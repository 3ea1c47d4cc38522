"""Light and dark, following the desktop: Qt's own palette follows the system; the 3D view is told here."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication


def system_is_dark() -> bool:
    """Whether the desktop asks for a dark colour scheme (falls back to the palette's window lightness)."""
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme != Qt.ColorScheme.Unknown:
        return scheme == Qt.ColorScheme.Dark
    return QGuiApplication.palette().window().color().lightness() < 128
