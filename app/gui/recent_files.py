"""The Open Recent menu: the files opened last, newest first, remembered between runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMenu

from app.gui.gui_settings import gui_settings

RECENT_KEY = "files/recent"
MAX_RECENT = 8


class RecentFiles:
    """Keeps the list in the GUI settings and mirrors it in `menu`; choosing an entry calls `open_path`."""

    def __init__(self, menu: QMenu, open_path: Callable[[Path], None]) -> None:
        self._menu = menu
        self._open_path = open_path
        self._refresh()

    def paths(self) -> list[Path]:
        stored = gui_settings().value(RECENT_KEY, [])
        # QSettings gives a single entry back as a string, not a one-item list.
        return [Path(p) for p in ([stored] if isinstance(stored, str) else stored or [])]

    def add(self, path: Path) -> None:
        """Put `path` first (once), dropping the oldest beyond MAX_RECENT."""
        paths = [path.resolve(), *(p for p in self.paths() if p != path.resolve())][:MAX_RECENT]
        gui_settings().setValue(RECENT_KEY, [str(p) for p in paths])
        self._refresh()

    def _refresh(self) -> None:
        self._menu.clear()
        paths = self.paths()
        for number, path in enumerate(paths, start=1):
            action = self._menu.addAction(f"&{number} {path.name}")
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self._open_path(p))
        if not paths:
            self._menu.addAction("No recent files").setEnabled(False)
        else:
            self._menu.addSeparator()
            self._menu.addAction("&Clear list", self._clear)

    def _clear(self) -> None:
        gui_settings().remove(RECENT_KEY)
        self._refresh()
