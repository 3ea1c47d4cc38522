"""The fabricate panel's CAM page, for a design made on a CNC router or a laser: the machine, tools, material
and sheet; Make toolpaths with progress and cancel; the run time, the check's findings and an override; the
operations of each part; the simulated stock; and Save program…, which writes what `localfab cam/laser -o DIR`
writes. The job is made and saved on worker threads (app.gui.background); the page only shows the answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import USER_ERRORS
from app.gui.background import LatestRunner
from app.gui.bed_view import BedView
from app.gui.cam_job import RELIEFS, CamChoice, CamResult, make_cam_job, save_cam_job
from app.gui.cam_view import clear_cam, operation_colour, show_cam_preview, show_stock
from app.gui.fabricate_panel import ERROR_STYLE, duration
from app.gui.run_progress import RunProgress
from parametric_designs.templates import Template

DEFAULT_ROUTER = "generic-grbl-router"
DEFAULT_TOOL = "flat-6-2f"
DEFAULT_MATERIAL = "plywood"
DEFAULT_SHEET_MM = (600.0, 400.0)  # as `localfab cam`
MAX_SHEET_MM = 5000.0
PROCESS_NAMES = {"cnc": "CNC router", "laser": "Laser cutter"}
SWATCH_PX = 10


class CamPanel(QWidget):
    """Sets up, makes, shows and saves the router or laser job of the design on the bed."""

    message = Signal(str, bool)  # words for the status bar, and whether they report an error

    def __init__(self, view: BedView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view = view
        self._template: Template | None = None
        self._values: dict[str, Any] = {}
        self._printer_bed: tuple[float, float] | None = None
        self.result: CamResult | None = None
        self.make_runner = LatestRunner(self)
        self.save_runner = LatestRunner(self)

        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.process, self.machine, self.tool, self.pocket_tool, self.material, self.relief = (
            QComboBox() for _ in range(6))
        self.process.setToolTip("This design can be cut on either machine")
        self._pickers_for = ""  # the process the machine, tool and material pickers are filled for
        self.thickness = _millimetres(0.0, 100.0, "As designed", "The measured sheet thickness")
        self.sheet_width = _millimetres(10.0, MAX_SHEET_MM, "", "Sheet width (X)")
        self.sheet_height = _millimetres(10.0, MAX_SHEET_MM, "", "Sheet height (Y)")
        self.sheet_width.setValue(DEFAULT_SHEET_MM[0])
        self.sheet_height.setValue(DEFAULT_SHEET_MM[1])
        for combo in (self.machine, self.tool, self.pocket_tool, self.material, self.relief):
            # Long tool names must not widen the panel; the whole name is in the item's tooltip.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        for key, label in RELIEFS.items():
            self.relief.addItem(label, key)
        self.relief.setToolTip("Relieve inside corners so mating parts seat (T-bones run along the longer edge)")
        self.pocket_tool.setToolTip("A smaller tool for pockets")
        self._sheet_row = QHBoxLayout()
        self._sheet_row.addWidget(self.sheet_width)
        self._sheet_row.addWidget(QLabel("×"))
        self._sheet_row.addWidget(self.sheet_height)
        self._form = QFormLayout()
        self._form.addRow("Pr&ocess", self.process)
        self._form.addRow("&Machine", self.machine)
        self._form.addRow("&Tool", self.tool)
        self._form.addRow("&Pocket tool", self.pocket_tool)
        self._form.addRow("M&aterial", self.material)
        self._form.addRow("T&hickness", self.thickness)
        self._form.addRow("Sheet", self._sheet_row)
        self._form.addRow("&Relief", self.relief)
        setup_box = QGroupBox("Setup")
        setup_box.setLayout(self._form)
        self.machine.currentIndexChanged.connect(self._on_machine_changed)
        self.process.currentIndexChanged.connect(self._on_process_chosen)

        self.make_button = QPushButton("Make toolpaths")
        self.make_button.clicked.connect(self.make)
        self._run = RunProgress("Stop making toolpaths")
        self.cancel_button, self.progress, self.stage = self._run.cancel_button, self._run.bar, self._run.stage
        self.cancel_button.clicked.connect(self.make_runner.cancel)
        make_row = QHBoxLayout()
        make_row.addWidget(self.make_button, 1)
        make_row.addWidget(self.cancel_button)

        self.run_time_label = QLabel("—")
        self.findings_label = QLabel()
        self.findings_label.setWordWrap(True)
        self.override = QCheckBox("Save despite check errors (recorded)")
        self.override.setToolTip("Write the program although the check found errors; the job record says so")
        self.override.toggled.connect(self._enable_save)
        estimate_box = QGroupBox("Estimate and check")
        estimate_form = QFormLayout(estimate_box)
        estimate_form.addRow("Run time", self.run_time_label)
        estimate_form.addRow(self.findings_label)
        estimate_form.addRow(self.override)

        self.operations = QTreeWidget()
        self.operations.setHeaderLabels(["Operation", "Tool", "Depth"])
        self.operations.setRootIsDecorated(True)
        self.operations.setToolTip("Each part's operations in cutting order; the swatch is the toolpath's "
                                   "colour in the view")
        self.stock_shown = QCheckBox("Show simulated stock")
        self.stock_shown.setToolTip("The sheet as the simulation leaves it, coloured by cut depth")
        self.stock_shown.toggled.connect(self._show_stock)
        self.save_button = QPushButton("Save program…")
        self.save_button.clicked.connect(self._ask_save)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(setup_box)
        layout.addLayout(make_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)
        layout.addWidget(estimate_box)
        layout.addWidget(QLabel("Operations"))
        layout.addWidget(self.operations, 1)
        layout.addWidget(self.stock_shown)
        layout.addWidget(self.save_button)

        self.make_runner.started.connect(lambda label: self._show_making(True, label))
        self.make_runner.progressed.connect(self._run.show_progress)
        self.make_runner.done.connect(self._on_made)
        self.make_runner.failed.connect(self._on_failed)
        self.make_runner.cancelled.connect(lambda: self._on_stopped("Making toolpaths cancelled"))
        self.save_runner.started.connect(lambda label: self.message.emit(label, False))
        self.save_runner.done.connect(lambda folder: self.message.emit(f"Saved the program in {folder}", False))
        self.save_runner.failed.connect(lambda text: self.message.emit(f"Not saved: {text}", True))
        self._show_making(False)
        self._show_result(None)

    def set_design(self, template: Template | None, values: Mapping[str, Any]) -> None:
        """Offer the CAM setup for `template` built with `values` (None: nothing to make while it builds);
        whatever job was shown belongs to the old design and goes."""
        self.make_runner.discard_running()
        self._show_making(False)
        self._show_result(None)
        self._template, self._values = template, dict(values)
        if template is not None:
            offered = [(p, PROCESS_NAMES[p]) for p in template.processes if p in PROCESS_NAMES]
            if [self.process.itemData(i) for i in range(self.process.count())] != [p for p, _ in offered]:
                _fill(self.process, offered, self.process.currentData() or "")
                self._form.setRowVisible(self.process, len(offered) > 1)
            self._on_process_chosen()
        self.make_button.setEnabled(template is not None)
        self.make_button.setToolTip("Plan, simulate and check the job" if template else "Wait for the part")

    def choice(self) -> CamChoice:
        """The setup as chosen in the pickers."""
        return CamChoice(
            process=self.process.currentData(), machine=self.machine.currentData(),
            material=self.material.currentData(), thickness_mm=self.thickness.value(),
            tool=self.tool.currentData() or "", pocket_tool=self.pocket_tool.currentData() or "",
            sheet_mm=(self.sheet_width.value(), self.sheet_height.value()), relief=self.relief.currentData(),
            override=self.override.isChecked())

    def make(self) -> None:
        if self._template is None:
            return
        template, values, choice = self._template, self._values, self.choice()
        self.make_runner.request(f"Making toolpaths for {template.name}…",
                                 lambda cancel, progress: make_cam_job(template, values, choice, cancel.is_set,
                                                                       progress))

    def save_to(self, folder: Path) -> None:
        """Write the program files and the job record into `folder`, in the background."""
        result = self.result
        if result is None or result.why_not_saved(self.override.isChecked()):
            return
        chosen = replace(result, choice=replace(result.choice, override=self.override.isChecked()))
        self.save_runner.request(f"Saving the program in {folder}…", lambda cancel, _: save_cam_job(chosen, folder))

    def shutdown(self) -> None:
        self.make_runner.shutdown()
        self.save_runner.shutdown()

    def _on_process_chosen(self) -> None:
        """Fill the pickers for the chosen process, unless they are already: a rebuild keeps what was chosen."""
        process = self.process.currentData()
        if process != self._pickers_for:
            self._show_result(None)
            self._fill_pickers(process)

    def _fill_pickers(self, process: str) -> None:
        from app.profiles.cam import list_cam

        try:
            machines = [m for m in list_cam("machine") if (m.kind == "router") == (process == "cnc")]
            tools = list_cam("tool")
            materials = [(m.id, m.name) for m in list_cam("material")]
        except USER_ERRORS as exc:
            self.message.emit(f"Cannot read the CNC library: {exc}", True)
            return
        self._pickers_for = process
        self.title.setText(f"Fabricate — {PROCESS_NAMES[process]}")
        _fill(self.machine, [(m.id, m.name) for m in machines], DEFAULT_ROUTER)
        _fill(self.tool, [(t.id, t.name) for t in tools], DEFAULT_TOOL)
        _fill(self.pocket_tool, [("", "Same as the tool"), *((t.id, t.name) for t in tools)], "")
        if process == "cnc":
            _fill(self.material, materials, DEFAULT_MATERIAL)
        for field in (self.tool, self.pocket_tool, self._sheet_row, self.relief):
            self._form.setRowVisible(field, process == "cnc")
        self.stock_shown.setVisible(process == "cnc")
        self.operations.setHeaderLabels(["Operation", "Tool" if process == "cnc" else "Setting", "Depth"])
        self.operations.setColumnHidden(2, process != "cnc")  # a laser's layers have no depth
        self._on_machine_changed()

    def _on_machine_changed(self) -> None:
        """A laser's materials are the rows of its settings table."""
        if self.process.currentData() != "laser" or self.machine.currentData() is None:
            return
        from app.profiles.cam import load_cam, load_laser_settings

        try:
            table = load_laser_settings(load_cam("machine", self.machine.currentData()).laser_settings)
        except USER_ERRORS as exc:
            self.message.emit(f"Cannot read the laser's settings: {exc}", True)
            return
        materials = sorted({row.material for row in table.settings})
        _fill(self.material, [(m, m.capitalize()) for m in materials], DEFAULT_MATERIAL)

    def _show_making(self, making: bool, label: str = "") -> None:
        self.make_button.setEnabled(not making and self._template is not None)
        self._run.show_running(making)
        if making:
            self.message.emit(label, False)

    def _on_failed(self, text: str) -> None:
        self._on_stopped(f"No toolpaths: {text}", error=True)
        self.findings_label.setText(f"No toolpaths: {text}")
        self.findings_label.setStyleSheet(ERROR_STYLE)

    def _on_stopped(self, text: str, *, error: bool = False) -> None:
        self._show_making(False)
        self.message.emit(text, error)

    def _on_made(self, result: CamResult) -> None:
        self._show_making(False)
        self._show_result(result)
        count = sum(len(part.operations) for part in result.parts)
        parts = len(result.parts)
        self.message.emit(f"Toolpaths made — {count} operation{'s' * (count != 1)} on {parts} "
                          f"part{'s' * (parts != 1)}, {duration(result.run_time_s)} to run", False)

    def _show_result(self, result: CamResult | None) -> None:
        self.result = result
        self.operations.clear()
        self.stock_shown.blockSignals(True)
        self.stock_shown.setChecked(False)
        self.stock_shown.blockSignals(False)
        self.stock_shown.setEnabled(result is not None and result.stock is not None)
        if result is None:
            self.run_time_label.setText("—")
            self.findings_label.setText("")
            if self._printer_bed is not None:
                clear_cam(self._view)
                self._view.show_bed(*self._printer_bed)
                self._printer_bed = None
            self._enable_save()
            return
        self.run_time_label.setText(duration(result.run_time_s))
        self._show_findings(result)
        for part in result.parts:
            item = QTreeWidgetItem(self.operations, [part.name])
            for operation in part.operations:
                depth = f"{operation.depth_mm:.1f} mm" if operation.depth_mm else ""
                row = QTreeWidgetItem(item, [operation.name, operation.tool, depth])
                row.setIcon(0, _swatch(operation_colour(operation.kind)))
                row.setToolTip(0, f"{operation.kind}: drawn in this colour in the view")
                row.setToolTip(1, operation.tool_name)
            item.setExpanded(True)
        for column in range(self.operations.columnCount()):
            self.operations.resizeColumnToContents(column)
        if self._printer_bed is None:
            self._printer_bed = self._view.bed_size
        show_cam_preview(self._view, result.preview)
        self._enable_save()

    def _show_findings(self, result: CamResult) -> None:
        lines = [f"✖ {f.message}" for f in result.report.errors] + [f"⚠ {text}" for text in result.findings]
        lines += [f"⚠ {f.message}" for f in result.report.findings if f.severity == "warning"]
        lines += [f"⚠ {text}" for text in result.warnings]
        self.findings_label.setText("\n".join(lines) or "The check found nothing to fix")
        self.findings_label.setStyleSheet(ERROR_STYLE if result.report.errors or result.findings else "")

    def _enable_save(self) -> None:
        result = self.result
        reason = result.why_not_saved(self.override.isChecked()) if result else "Make the toolpaths first"
        self.save_button.setEnabled(not reason)
        self.save_button.setToolTip(reason or "Write the program files and the job record into a folder")

    def _show_stock(self, shown: bool) -> None:
        if self.result is not None:
            show_stock(self._view, self.result.stock if shown else None)

    def _ask_save(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the program into a folder")
        if folder:
            self.save_to(Path(folder))


def _millimetres(low: float, high: float, special: str, tip: str) -> QDoubleSpinBox:
    field = QDoubleSpinBox()
    field.setRange(low, high)
    field.setDecimals(1)
    field.setSuffix(" mm")
    field.setSpecialValueText(special)
    field.setToolTip(tip)
    field.setKeyboardTracking(False)
    return field


def _fill(combo: QComboBox, items: list[tuple[str, str]], default: str) -> None:
    combo.blockSignals(True)
    combo.clear()
    for item_id, name in items:
        combo.addItem(name, item_id)
        combo.setItemData(combo.count() - 1, name, Qt.ItemDataRole.ToolTipRole)
    index = combo.findData(default)
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(SWATCH_PX, SWATCH_PX)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)
