"""Measuring start-up: how long after the process started the window was on screen and usable, and when the
first part stood on the bed. Used by `localfab-gui --probe` (the start-up benchmark and the bundle's smoke
test), never in a normal run."""

from __future__ import annotations

import json
import os
import sys
import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

# How long the probe waits for the first part before it gives up and reports a failure.
BUILT_TIMEOUT_S = 120.0


def seconds_since_process_start() -> float:
    """Wall-clock seconds since this process was created (Linux: from /proc; elsewhere: since this import)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            started_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as uptime:
            now = float(uptime.read().split()[0])
        return now - started_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED


_IMPORTED = time.monotonic()


class StartupProbe(QObject):
    """Prints one JSON line per milestone to stdout, then quits the application with 0, or 1 on failure."""

    def __init__(self, window, app: QApplication) -> None:
        super().__init__(window)
        self._window = window
        self._app = app
        self._usable_reported = False
        self._timer = QTimer(self)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._poll)
        self._timer.start()
        self._started = time.monotonic()

    def _poll(self) -> None:
        window = self._window
        if not self._usable_reported and window.isVisible() and window.design_panel.visible_names():
            self._usable_reported = True
            _report("window usable", seconds_since_process_start())
        if window.shown_part is not None:
            _report("part on the bed", seconds_since_process_start(), facets=len(window.shown_part.mesh.faces))
            self._finish(0)
        elif time.monotonic() - self._started > BUILT_TIMEOUT_S or window.status_text().startswith(
                ("Build failed", "Cannot start")):
            _report("failed", seconds_since_process_start(), status=window.status_text())
            self._finish(1)

    def _finish(self, code: int) -> None:
        self._timer.stop()
        self._window.close()
        self._app.exit(code)


def _report(event: str, seconds: float, **details: object) -> None:
    print(json.dumps({"event": event, "seconds": round(seconds, 3), **details}), flush=True)
    sys.stdout.flush()
