"""A "Stop waiting" button for the workshop windows: shown while any of its runners waits for an answer, and
dropping those answers when pressed (a server can take up to its timeout, and a submit retries)."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget

from app.gui.background import LatestRunner


class StopWaitingButton(QPushButton):
    def __init__(self, runners: tuple[LatestRunner, ...], parent: QWidget | None = None) -> None:
        super().__init__("Stop waiting", parent)
        self.setToolTip("Drop the answer being waited for; nothing is undone on the server")
        self._runners = runners
        self.clicked.connect(self._stop)
        for runner in runners:
            runner.started.connect(lambda _label: self._update())
            for finished in (runner.done, runner.failed, runner.cancelled):
                finished.connect(lambda *_: self._update())
        self._update()

    def _stop(self) -> None:
        for runner in self._runners:
            runner.cancel()

    def _update(self) -> None:
        self.setVisible(any(runner.busy for runner in self._runners))
