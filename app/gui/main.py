"""The `localfab-gui` command: open the main window and run until it is closed.

`localfab-gui --probe` opens the window, reports (as JSON lines) when it was usable and when the first part
stood on the bed, and exits: the start-up benchmark and the desktop bundle's smoke test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "localfab.svg"


def main(argv: list[str] | None = None) -> int:
    """Show the main window; return the application's exit code."""
    parser = argparse.ArgumentParser(prog="localfab-gui", description="The localfab desktop app")
    parser.add_argument("files", nargs="*", type=Path, help="recipes, meshes or designs to open")
    parser.add_argument("--probe", action="store_true", help="report start-up times as JSON lines, then exit")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    # Fractional scale factors (125 %, 150 %) as the desktop sets them, not rounded to whole pixels.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("localfab")
    app.setOrganizationName("localfab")
    app.setDesktopFileName("localfab")  # matches installer/bundle's localfab.desktop, for the taskbar icon
    if ICON.is_file():
        app.setWindowIcon(QIcon(str(ICON)))

    from app.gui.main_window import MainWindow  # after the QApplication, so its import time counts as start-up

    window = MainWindow()
    window.show()
    for path in args.files:
        # Queued behind the window's own loading of the library, which would otherwise choose its first design.
        QTimer.singleShot(0, lambda p=path: window.open_path(p))
    if args.probe:
        from app.gui.startup_probe import StartupProbe

        StartupProbe(window, app)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
