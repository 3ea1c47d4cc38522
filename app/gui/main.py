"""The `localfab-gui` command: open the main window and run until it is closed."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from app.gui.main_window import MainWindow


def main() -> int:
    """Show the main window; return the application's exit code."""
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("localfab")
    app.setOrganizationName("localfab")
    window = MainWindow()
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
