"""Remembering the window between runs: its size and place, and where the panels' dividers were."""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QMainWindow, QSplitter

from app.gui.gui_settings import gui_settings


def restore_layout(window: QMainWindow, splitters: dict[str, QSplitter]) -> None:
    """Put `window` and its named `splitters` back as they were last saved (nothing saved: as they are)."""
    settings = gui_settings()
    restorers = {"window/geometry": window.restoreGeometry, "window/state": window.restoreState,
                 **{f"window/{name}": splitter.restoreState for name, splitter in splitters.items()}}
    for key, restore in restorers.items():
        saved = settings.value(key)
        if isinstance(saved, QByteArray):
            restore(saved)


def save_layout(window: QMainWindow, splitters: dict[str, QSplitter]) -> None:
    settings = gui_settings()
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    for name, splitter in splitters.items():
        settings.setValue(f"window/{name}", splitter.saveState())
