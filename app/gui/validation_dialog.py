"""For designers: the validation table of a template, built over its parameter space (defaults, every range's
ends, seeded random samples), saying which combinations are refused or fail and why.

The sweep itself is parametric_designs.publish.sweep, run off the UI thread; rows appear as cases finish.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.background import LatestRunner
from parametric_designs.errors import BuildError
from parametric_designs.templates import Template

if TYPE_CHECKING:
    from parametric_designs.publish import SweepOutcome

DEFAULT_SAMPLES = 20
MAX_SAMPLES = 500
STATUS_COLOURS = {"built": "#2e7d32", "refused": "#9a6700", "failed": "#b3261e"}


class _OutcomeRelay(QObject):
    """Carries each finished case from the worker thread to the table (a queued signal)."""

    outcome = Signal(object)


class ValidationDialog(QDialog):
    def __init__(self, template: Template, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.template = template
        self.setWindowTitle(f"Validate {template.name}")
        self._runner = LatestRunner(self)
        self._relay = _OutcomeRelay(self)
        self._relay.outcome.connect(self._add_row)
        self._expected = 0

        self.samples = QSpinBox()
        self.samples.setRange(0, MAX_SAMPLES)
        self.samples.setValue(DEFAULT_SAMPLES)
        self.samples.setSuffix(" random samples")
        self.samples.setToolTip("Cases beyond the defaults and every range's ends, drawn with a fixed seed")
        self.run_button = QPushButton("&Run")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._runner.cancel)
        self.progress = QProgressBar()
        self.summary = QLabel("Builds the design over its parameter space; each row is one combination.")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Case", "Result", "Why", "Values"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)

        controls = QHBoxLayout()
        controls.addWidget(self.samples)
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        controls.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self._runner.done.connect(self._finished)
        self._runner.failed.connect(lambda message: self._stopped(f"Stopped: {message}"))
        self._runner.cancelled.connect(lambda: self._stopped("Cancelled"))
        self._show_running(False)
        self.resize(900, 560)

    def run(self) -> None:
        """Sweep the template with the chosen number of samples, replacing the table's rows."""
        from parametric_designs.publish import sweep, sweep_cases

        template, samples = self.template, self.samples.value()
        self.table.setRowCount(0)
        self._expected = sum(1 for _ in sweep_cases(template, samples))
        self.progress.setRange(0, self._expected)
        self.progress.setValue(0)
        relay = self._relay

        def work(cancel: threading.Event, _progress: Any) -> list[SweepOutcome]:
            def report(outcome: SweepOutcome) -> None:
                relay.outcome.emit(outcome)
                if cancel.is_set():
                    raise BuildError("the validation was cancelled")

            return sweep(template, samples, progress=report, cancel=cancel.is_set)

        self._runner.request(f"Validating {template.name}…", work)
        self._show_running(True)

    def rows(self) -> list[tuple[str, str, str]]:
        """(case, result, why) of every row, in order."""
        return [tuple(self.table.item(row, column).text() for column in range(3))
                for row in range(self.table.rowCount())]

    @property
    def running(self) -> bool:
        return self._runner.busy

    def _add_row(self, outcome: SweepOutcome) -> None:
        if not self._runner.busy:
            return  # a cancelled sweep's last case
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = ", ".join(f"{name} = {value:g}" if isinstance(value, float) else f"{name} = {value}"
                           for name, value in outcome.case.values.items()) or "all defaults"
        cells = (outcome.case.label, outcome.status, outcome.message, values)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if column == 1:
                item.setForeground(QColor(STATUS_COLOURS.get(outcome.status, "#000000")))
            self.table.setItem(row, column, item)
        self.progress.setValue(row + 1)

    def _finished(self, outcomes: list[SweepOutcome]) -> None:
        counts = {status: sum(o.status == status for o in outcomes) for status in STATUS_COLOURS}
        self._stopped(f"{len(outcomes)} cases: {counts['built']} built, {counts['refused']} refused by the "
                      f"declared ranges and constraints, {counts['failed']} failed")

    def _stopped(self, message: str) -> None:
        self._show_running(False)
        self.summary.setText(message)

    def _show_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setVisible(running)
        self.samples.setEnabled(not running)

    def done(self, result: int) -> None:
        self._runner.shutdown()
        super().done(result)
