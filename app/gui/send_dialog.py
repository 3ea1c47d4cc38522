"""Send: the sliced program to one of the user's printers, with upload progress and the printer's status
afterwards. The sending itself is app.machines.send (verified upload, a start sent at most once), run off the
UI thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.background import LatestRunner
from app.machines.registry import Printer, list_printers

if TYPE_CHECKING:
    from app.machines.base import MachineStatus
    from app.machines.send import SendResult

ERROR_STYLE = "color: #b3261e;"


@dataclass(frozen=True)
class SendReport:
    """What a send did, and what the printer said right after."""

    result: SendResult | None
    status: MachineStatus


class SendDialog(QDialog):
    """Chooses a registered printer, uploads `program_file` to it (and starts it if asked), shows its status."""

    manage_printers = Signal()  # the person wants to add or change printers

    def __init__(self, program_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Send {program_file.name}")
        self._program_file = program_file
        self._runner = LatestRunner(self)
        self.printer = QComboBox()
        self.start = QCheckBox("Start printing when the upload is verified")
        self.start.setToolTip("Only when someone is at the printer: a start is sent once, never repeated")
        self.send_button = QPushButton("&Send")
        self.send_button.clicked.connect(self.send)
        self.cancel_button = QPushButton("Cancel upload")
        self.cancel_button.clicked.connect(self._runner.cancel)
        self.status_button = QPushButton("Refresh &status")
        self.status_button.clicked.connect(self.refresh_status)
        printers_button = QPushButton("&Printers…")
        printers_button.clicked.connect(self.manage_printers)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.result = QLabel()
        self.result.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Printer", self.printer)
        form.addRow("", self.start)
        buttons = QHBoxLayout()
        for button in (self.send_button, self.cancel_button, self.status_button, printers_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.result, 1)
        self._runner.started.connect(lambda label: self._tell(label))
        self._runner.progressed.connect(lambda fraction, _: self.progress.setValue(round(100 * fraction)))
        self._runner.done.connect(self._show_report)
        self._runner.failed.connect(lambda message: self._finish(f"Not sent: {message}", error=True))
        self._runner.cancelled.connect(lambda: self._finish("Upload cancelled"))
        self.resize(520, 260)
        self.reload_printers()
        self._show_running(False)

    def reload_printers(self) -> None:
        """Offer the registered printers again (after Settings → Printers changed them)."""
        self.printer.clear()
        for printer in list_printers():
            self.printer.addItem(f"{printer.name} ({printer.connector})", printer)
        has_printers = self.printer.count() > 0
        self.send_button.setEnabled(has_printers)
        self.status_button.setEnabled(has_printers)
        if not has_printers:
            self._tell("No printer yet: add one with Printers…, then send.")

    def send(self) -> None:
        printer: Printer | None = self.printer.currentData()
        if printer is None:
            return
        program_file, start = self._program_file, self.start.isChecked()
        self._runner.request(f"Sending to {printer.name}…",
                             lambda cancel, progress: _send(printer, program_file, start, cancel, progress))
        self._show_running(True)

    def refresh_status(self) -> None:
        printer: Printer | None = self.printer.currentData()
        if printer is not None:
            self._runner.request(f"Asking {printer.name}…",
                                 lambda _cancel, _progress: SendReport(None, _connector(printer).status()))
            self._show_running(True)

    @property
    def running(self) -> bool:
        return self._runner.busy

    def result_text(self) -> str:
        return self.result.text()

    def _show_report(self, report: SendReport) -> None:
        lines = []
        if report.result is not None:
            upload = report.result.upload
            verified = f", verified by {upload.verified}" if upload.verified else ""
            lines.append(f"Uploaded {upload.name} ({upload.size / 1024:.0f} KiB{verified})"
                         + ("; printing started" if report.result.started else ""))
        lines.append(_describe(report.status))
        self._finish("\n".join(lines))

    def _finish(self, text: str, *, error: bool = False) -> None:
        self._show_running(False)
        self._tell(text, error=error)

    def _show_running(self, running: bool) -> None:
        self.send_button.setEnabled(not running and self.printer.count() > 0)
        self.cancel_button.setVisible(running)
        self.progress.setVisible(running)

    def _tell(self, text: str, *, error: bool = False) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(ERROR_STYLE if error else "")

    def done(self, result: int) -> None:
        self._runner.shutdown()
        super().done(result)


def _connector(printer: Printer) -> Any:
    from app.machines.registry import connector_for

    return connector_for(printer)


def _send(printer: Printer, program_file: Path, start: bool, cancel: threading.Event, progress: Any) -> SendReport:
    from app.machines.send import read_program, send_program

    connector = _connector(printer)
    result = send_program(connector, read_program(program_file), start,
                          progress=lambda sent, total: progress(sent / total if total else 1.0, "uploading"),
                          cancel_flag=cancel)
    return SendReport(result, connector.status())


def _describe(status: MachineStatus) -> str:
    said = [f"The printer is {status.state}"]
    if status.file:
        said.append(f"with {status.file}")
    if status.progress_pct is not None:
        said.append(f"at {status.progress_pct:.0f} %")
    temperatures = ", ".join(f"{heater} {actual:.0f}/{target:.0f} °C"
                             for heater, (actual, target) in status.temperatures.items())
    return " ".join(said) + (f" — {temperatures}" if temperatures else "") + (
        f"\n{status.message}" if status.message else "")
