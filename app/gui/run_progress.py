"""The Cancel button, progress bar and stage line of a long run (a slice, a CAM job): shown while it runs,
hidden once it is over. The owner places the three widgets where its layout wants them."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton


class RunProgress:
    def __init__(self, cancel_tooltip: str = "") -> None:
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip(cancel_tooltip)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.stage = QLabel()

    def show_running(self, running: bool) -> None:
        """Show the three while running, starting from nothing done; hide them once the run is over."""
        for widget in (self.cancel_button, self.bar, self.stage):
            widget.setVisible(running)
        if running:
            self.bar.setValue(0)
            self.stage.setText("Starting…")

    def show_progress(self, fraction: float, stage: str) -> None:
        """fraction 0..1 of the run done, in `stage` (a few words)."""
        self.bar.setValue(round(100 * fraction))
        self.stage.setText(stage.capitalize())
