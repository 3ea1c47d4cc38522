"""Settings → Printers: the user's own machines (app.machines.registry), added, removed and tried out.

"Test connection" asks the machine who it is (the connector's `probe`) off the UI thread and says what
answered, or what went wrong, in words. API keys are typed into a masked field and shown masked.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import USER_ERRORS
from app.gui.background import LatestRunner
from app.machines.registry import CONNECTORS, Printer, add_printer, list_printers, mask, remove_printer

ERROR_STYLE = "color: #b3261e;"
ADDRESS_HINTS = {
    "octoprint": "http://octopi.local or 192.168.1.20:5000",
    "moonraker": "voron.local:7125",
    "prusalink": "192.168.1.20",
    "marlin": "/dev/ttyUSB0@115200",
    "grbl": "/dev/ttyUSB0@115200",
}


class PrintersDialog(QDialog):
    """Lists the registered printers; the form below adds one (or replaces one of the same name)."""

    printers_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Printers")
        self._runner = LatestRunner(self)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show_chosen)
        self.name = QLineEdit()
        self.name.setPlaceholderText("mk4")
        self.connector = QComboBox()
        self.connector.addItems(CONNECTORS)
        self.connector.currentTextChanged.connect(
            lambda kind: self.address.setPlaceholderText(ADDRESS_HINTS.get(kind, "")))
        self.address = QLineEdit()
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("kept in a file only you can read; never in recipes or G-code")
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Connection", self.connector)
        form.addRow("&Address", self.address)
        form.addRow("API &key", self.api_key)
        self.save_button = QPushButton("&Save printer")
        self.save_button.clicked.connect(self.save)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.clicked.connect(self._remove_chosen)
        self.test_button = QPushButton("&Test connection")
        self.test_button.setToolTip("Ask the printer who it is and what it is doing")
        self.test_button.clicked.connect(self.test_connection)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.remove_button, self.test_button):
            buttons.addWidget(button)
        self.result = QLabel("Add your printer: its name, how localfab reaches it, and its address.")
        self.result.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Registered printers"))
        layout.addWidget(self.list, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addWidget(close)
        self._runner.started.connect(lambda label: self._tell(label))
        self._runner.done.connect(lambda text: self._tell(text))
        self._runner.failed.connect(lambda message: self._tell(f"No answer: {message}", error=True))
        self.connector.setCurrentText("octoprint")
        self.address.setPlaceholderText(ADDRESS_HINTS["octoprint"])
        self.resize(520, 520)
        self._refresh()

    def printer_in_form(self) -> Printer:
        return Printer(name=self.name.text().strip(), connector=self.connector.currentText(),
                       address=self.address.text().strip(), api_key=self.api_key.text())

    def save(self) -> bool:
        """Register the printer in the form; say why not when it cannot be."""
        printer = self.printer_in_form()
        try:
            add_printer(printer)
        except USER_ERRORS as exc:
            self._tell(f"Not saved: {exc}", error=True)
            return False
        self._refresh(chosen=printer.name)
        self._tell(f"Saved {printer.name}. Test the connection to see that it answers.")
        self.printers_changed.emit()
        return True

    def test_connection(self) -> None:
        """Probe the printer in the form off the UI thread; the answer appears under the buttons."""
        printer = self.printer_in_form()
        self._runner.request(f"Asking {printer.name or printer.address}…", lambda _cancel, _progress: _probe(printer))

    def result_text(self) -> str:
        return self.result.text()

    def _refresh(self, chosen: str | None = None) -> None:
        self._printers = list_printers()
        self.list.blockSignals(True)
        self.list.clear()
        for printer in self._printers:
            key = f", key {mask(printer.api_key)}" if printer.api_key else ""
            self.list.addItem(f"{printer.name} — {printer.connector} at {printer.address}{key}")
        names = [p.name for p in self._printers]
        self.list.setCurrentRow(names.index(chosen) if chosen in names else -1)
        self.list.blockSignals(False)
        self.remove_button.setEnabled(self.list.currentRow() >= 0)

    def _show_chosen(self, row: int) -> None:
        self.remove_button.setEnabled(row >= 0)
        if 0 <= row < len(self._printers):
            printer = self._printers[row]
            self.name.setText(printer.name)
            self.connector.setCurrentText(printer.connector)
            self.address.setText(printer.address)
            self.api_key.setText(printer.api_key)

    def _remove_chosen(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._printers):
            name = self._printers[row].name
            remove_printer(name)
            self._refresh()
            self._tell(f"Removed {name}")
            self.printers_changed.emit()

    def _tell(self, text: str, *, error: bool = False) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(ERROR_STYLE if error else "")

    def done(self, result: int) -> None:
        self._runner.shutdown()
        super().done(result)


def _probe(printer: Printer) -> str:
    from app.machines.registry import connector_for

    info = connector_for(printer).probe()
    bed = (f", bed {' × '.join(f'{v:g}' for v in info.bed_size_mm)} mm" if info.bed_size_mm else "")
    return f"Connected: {info.printer or printer.connector} ({info.firmware}), {info.state}{bed}"
