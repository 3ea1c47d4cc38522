"""The fabricate panel's CAM page, for a design made on a CNC router or a laser: the machine, tools, material,
the sheet and nesting (copies, coupon, labels), how pieces are held and entered (tabs, lead, direction); Make
toolpaths with progress and cancel; the run time, the check's findings and an override; a picker of the job's
sheets, and on the chosen one the operations of each part and the simulated stock; and Save program…, which
writes what `localfab cam/laser -o DIR` writes. The job is made and saved on worker threads
(app.gui.background); the page only shows the answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import USER_ERRORS
from app.gui.background import LatestRunner
from app.gui.bed_view import BedView
from app.gui.cam_job import (
    RELIEFS,
    CamChoice,
    CamResult,
    CamSheet,
    differs_only_in_hand_tabs,
    drawing_point_at,
    make_cam_job,
    places_on_sheet,
    save_cam_job,
)
from app.gui.cam_view import clear_cam, operation_colour, show_cam_preview, show_hand_tabs, show_stock
from app.gui.collapsible_section import CollapsibleSection
from app.gui.fabricate_panel import CAM_PROCESS_NAMES, ERROR_STYLE, duration
from app.gui.run_progress import RunProgress
from parametric_designs.templates import Template

DEFAULT_ROUTER = "generic-grbl-router"
DEFAULT_TOOL = "flat-6-2f"
DEFAULT_ENGRAVE_TOOL = "vbit-60-6.35"  # as `localfab cam`
DEFAULT_MATERIAL = "plywood"
DEFAULT_SHEET_MM = (600.0, 400.0)  # as `localfab cam`
MAX_SHEET_MM = 5000.0
MAX_COPIES = 500
MAX_TABS = 12
# V-bits and ball-nose tools engrave; a flat end mill does when it is no wider than this (mm, an eighth of an
# inch), or its line is too coarse for text.
ENGRAVING_KINDS = ("vbit", "ball")
FINEST_FLAT_ENGRAVER_MM = 3.2
LEAD_STYLES = {"line": "Straight", "arc": "Arc"}
DIRECTIONS = {"climb": "Climb", "conventional": "Conventional"}
# The job settings the panel offers, by their RouterInputs / LaserInputs name, at the defaults those (and so
# `localfab cam` / `localfab laser`) have: app.cam_chain takes a while to import, too long for the UI thread, so
# they are spelled out here (the GUI tests hold them equal). A laser reads LASER_SETTINGS, a router them all.
JOB_DEFAULTS = {"copies": 1, "spacing_mm": 2.0, "keep_grain": False, "coupon": False, "labels": False, "tabs": 4,
                "tab_width_mm": 8.0, "tab_height_mm": 3.0, "lead_mm": 0.0, "lead_style": "line", "direction": "climb",
                "allowance_mm": 0.0, "relief": ""}
LASER_SETTINGS = ("copies", "spacing_mm", "coupon", "labels")
SWATCH_PX = 10
# The operations list keeps room for a part and a few of its operations however tall the setup grows.
OPERATIONS_MIN_PX = 140
# A click this many tool diameters from a piece's outline still means that outline (its cut runs outside it).
TAB_CLICK_REACH_TOOL_DIAMETERS = 2.0
PLACE_TABS_TIP = ("Then click on a part's outside cut in the view: a tab goes there on every copy of that piece, "
                  "and the toolpaths are made again with the parts where they are")
PLACE_TABS_LATER_TIP = "Make a router job's toolpaths first, then click on its parts to place tabs"


class CamPanel(QWidget):
    """Sets up, makes, shows and saves the router or laser job of the design on the bed."""

    message = Signal(str, bool)  # words for the status bar, and whether they report an error
    toolpaths_shown = Signal(bool)  # whether the view now draws a job's toolpaths (its check is `result.report`)
    sheet_shown = Signal(int)  # the index of the result's sheet the view now draws

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
        (self.process, self.machine, self.tool, self.pocket_tool, self.rest_tool, self.engrave_tool, self.material,
         self.relief) = (QComboBox() for _ in range(8))
        self.process.setToolTip("This design can be cut on either machine")
        self._pickers_for = ""  # the process the machine, tool and material pickers are filled for
        self.thickness = _millimetres(0.0, 100.0, "As designed", "The measured sheet thickness, in mm")
        self.sheet_width = _millimetres(10.0, MAX_SHEET_MM, "", "Sheet width (X), in mm")
        self.sheet_height = _millimetres(10.0, MAX_SHEET_MM, "", "Sheet height (Y), in mm")
        self._show_sheet_size(DEFAULT_SHEET_MM)
        self.lead_style, self.direction = QComboBox(), QComboBox()
        for combo in (self.machine, self.tool, self.pocket_tool, self.rest_tool, self.engrave_tool, self.material,
                      self.relief,
                      self.lead_style, self.direction):
            # Long tool names must not widen the panel; the whole name is in the item's tooltip.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        for combo, items in ((self.relief, RELIEFS), (self.lead_style, LEAD_STYLES), (self.direction, DIRECTIONS)):
            _fill(combo, list(items.items()), "")
        self.relief.setToolTip("Relieve inside corners so mating parts seat (T-bones run along the longer edge)")
        self.pocket_tool.setToolTip("A smaller tool for pockets")
        self.rest_tool.setToolTip("A still smaller tool that clears what the pocket tool leaves in the pockets' "
                                  "corners and narrow parts (rest machining)")
        self.engrave_tool.setToolTip("The tool that follows engraved lines and part labels: a V-bit, a ball-nose "
                                     "or a fine flat end mill")
        self._sheet_row = QHBoxLayout()
        self._sheet_row.addWidget(self.sheet_width, 1)
        self._sheet_row.addWidget(QLabel("×"))
        self._sheet_row.addWidget(self.sheet_height, 1)

        self.copies = QSpinBox()
        self.copies.setRange(1, MAX_COPIES)
        self.copies.setToolTip("How many copies to cut: more than one are nested on as many sheets as they need, "
                               "one program per sheet")
        self.spacing = _millimetres(0.0, 50.0, "", "Room between nested copies besides the cut itself (a router "
                                                   "keeps a tool diameter more, two with tabs), in mm")
        self.keep_grain = QCheckBox("Keep the grain")
        self.keep_grain.setToolTip("Nested copies only turn half turns, so the grain runs the same way in each")
        self.coupon = QCheckBox("Add a fit coupon")
        self.coupon.setToolTip("Cut a coupon beside the parts with slots from the sheet thickness +0.0 to +0.5 mm, "
                               "to try which fit the joints want")
        self.labels = QCheckBox("Label the parts")
        self.labels.setToolTip("Engrave each copy's number (and a letter per piece) on it, to sort the pieces after "
                               "cutting; the router engraves them with the engraving tool")
        self.tabs = QSpinBox()
        self.tabs.setRange(0, MAX_TABS)
        self.tabs.setSpecialValueText("None")
        self.tabs.setToolTip("Holding tabs on each piece's outside cut, so cut pieces stay in the sheet "
                             "(None: hold them another way)")
        self.tab_width = _millimetres(1.0, 50.0, "", "Width of each tab along the cut, in mm")
        self.tab_height = _millimetres(0.5, 50.0, "", "Height of each tab above the sheet's underside, in mm")
        self.lead = _millimetres(0.0, 50.0, "None", "Lead the outside cut in and out this far in the waste, in mm "
                                                    "(None: plunge on the line)")
        self.lead_style.setToolTip("How the lead joins the cut: a straight line square to it, or a quarter arc")
        self.direction.setToolTip("Climb cuts leave a cleaner edge on a rigid router; conventional cuts pull "
                                  "less on a light one")
        self.allowance = _millimetres(0.0, 2.0, "None", "Leave this much on the outside cut for a last full-depth "
                                                       "pass that cleans the edge, in mm (None: no finishing pass)")
        self.allowance.setDecimals(2)
        self.allowance.setSingleStep(0.05)
        self.place_tabs = QPushButton("Place by clicking")
        self.place_tabs.setCheckable(True)
        self.clear_tabs = QPushButton("Clear")
        self.clear_tabs.setToolTip("Take the tabs placed by hand away: every piece gets the automatic tabs again")
        self.hand_tabs_label = QLabel()
        self.hand_tabs_label.setWordWrap(True)
        self._hand_tabs: tuple[tuple[float, float], ...] = ()  # (x, y) mm in the design's own drawing
        self._set_hand_tabs(())
        self.place_tabs.toggled.connect(self._placing_tabs)
        self.clear_tabs.clicked.connect(self._clear_hand_tabs)
        view.clicked_on_plane.connect(self._place_tab)
        hand_row = QHBoxLayout()
        hand_row.addWidget(self.place_tabs, 1)
        hand_row.addWidget(self.clear_tabs)
        self.tabs.valueChanged.connect(self._enable_dependent_settings)
        self.lead.valueChanged.connect(self._enable_dependent_settings)
        lead_row = QHBoxLayout()
        lead_row.addWidget(self.lead, 1)
        lead_row.addWidget(self.lead_style, 1)
        # The job's settings by their RouterInputs / LaserInputs name, starting at the command's defaults.
        self._settings: dict[str, QWidget] = {
            "copies": self.copies, "spacing_mm": self.spacing, "keep_grain": self.keep_grain, "coupon": self.coupon,
            "labels": self.labels, "tabs": self.tabs, "tab_width_mm": self.tab_width, "tab_height_mm": self.tab_height,
            "lead_mm": self.lead, "lead_style": self.lead_style, "direction": self.direction,
            "allowance_mm": self.allowance, "relief": self.relief}
        for name, widget in self._settings.items():
            _show_value(widget, JOB_DEFAULTS[name])

        self._form = QFormLayout()
        self._form.addRow("Pr&ocess", self.process)
        self._form.addRow("&Machine", self.machine)
        self._form.addRow("&Tool", self.tool)
        self._form.addRow("&Pocket tool", self.pocket_tool)
        self._form.addRow("R&est tool", self.rest_tool)
        self._form.addRow("E&ngraving tool", self.engrave_tool)
        self._form.addRow("M&aterial", self.material)
        self._form.addRow("T&hickness", self.thickness)
        self._form.addRow("Sheet", self._sheet_row)
        self._form.addRow("&Relief", self.relief)
        self.nesting = CollapsibleSection("Copies and nesting")
        self.nesting.form.addRow("&Copies", self.copies)
        self.nesting.form.addRow("Spacin&g", self.spacing)
        self.nesting.form.addRow(self.keep_grain)
        self.nesting.form.addRow(self.coupon)
        self.nesting.form.addRow(self.labels)
        self.holding = CollapsibleSection("Holding and entry")
        self.holding.form.addRow("Ta&bs", self.tabs)
        self.holding.form.addRow("Tab width", self.tab_width)
        self.holding.form.addRow("Tab height", self.tab_height)
        self.holding.form.addRow("By hand", hand_row)
        self.holding.form.addRow(self.hand_tabs_label)
        lead_label = QLabel("&Lead")
        lead_label.setBuddy(self.lead)
        self.holding.form.addRow(lead_label, lead_row)
        self.holding.form.addRow("D&irection", self.direction)
        self.holding.form.addRow("Finishing pass", self.allowance)
        # Folded away until wanted: one copy held by tabs is what most jobs ask for, and the panel is short.
        for section in (self.nesting, self.holding):
            section.set_expanded(False)
        setup_box = QGroupBox("Setup")
        setup_layout = QVBoxLayout(setup_box)
        setup_layout.addLayout(self._form)
        setup_layout.addWidget(self.nesting)
        setup_layout.addWidget(self.holding)
        setup_layout.addStretch(1)
        self._setup = _SetupScroll()
        self._setup.setWidget(setup_box)
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
        self.sheets_label = QLabel("—")
        self.findings_label = QLabel()
        self.findings_label.setWordWrap(True)
        self.override = QCheckBox("Save despite check errors (recorded)")
        self.override.setToolTip("Write the program although the check found errors; the job record says so")
        self.override.toggled.connect(self._enable_save)
        estimate_box = QGroupBox("Estimate and check")
        estimate_form = QFormLayout(estimate_box)
        estimate_form.addRow("Run time", self.run_time_label)
        estimate_form.addRow("Sheets", self.sheets_label)
        estimate_form.addRow(self.findings_label)
        estimate_form.addRow(self.override)

        self.sheet_picker = QComboBox()
        self.sheet_picker.setToolTip("The sheet the view draws and the operations list shows, with the share of "
                                     "it the parts use and its run time")
        self.sheet_picker.currentIndexChanged.connect(self._show_sheet)
        self.operations = QTreeWidget()
        self.operations.setHeaderLabels(["Operation", "Tool", "Depth"])
        self.operations.setRootIsDecorated(True)
        self.operations.setMinimumHeight(OPERATIONS_MIN_PX)
        # The part and operation names give way (elided, whole in their tooltips) to the tool and depth.
        self.operations.header().setStretchLastSection(False)
        self.operations.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            self.operations.header().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.operations.setToolTip("Each part's operations in cutting order; the swatch is the toolpath's "
                                   "colour in the view")
        self.stock_shown = QCheckBox("Show simulated stock")
        self.stock_shown.setToolTip("The sheet as the simulation leaves it, coloured by cut depth")
        self.stock_shown.toggled.connect(self._show_stock)
        self.save_button = QPushButton("Save program…")
        self.save_button.clicked.connect(self._ask_save)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self._setup)
        layout.addLayout(make_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)
        layout.addWidget(estimate_box)
        layout.addWidget(QLabel("Operations"))
        layout.addWidget(self.sheet_picker)
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
        self._enable_dependent_settings()
        self._show_making(False)
        self._show_result(None)

    def set_design(self, template: Template | None, values: Mapping[str, Any]) -> None:
        """Offer the CAM setup for `template` built with `values` (None: nothing to make while it builds);
        whatever job was shown belongs to the old design and goes."""
        self.make_runner.discard_running()
        self._show_making(False)
        self._show_result(None)
        if template is not None and (self._template is None or template.id != self._template.id):
            self._set_hand_tabs(())  # placed on another design's drawing
        self._template, self._values = template, dict(values)
        if template is not None:
            offered = [(p, CAM_PROCESS_NAMES[p]) for p in template.processes if p in CAM_PROCESS_NAMES]
            if [self.process.itemData(i) for i in range(self.process.count())] != [p for p, _ in offered]:
                _fill(self.process, offered, self.process.currentData() or "")
                self._form.setRowVisible(self.process, len(offered) > 1)
            self._on_process_chosen()
        self.make_button.setEnabled(template is not None)
        self.make_button.setToolTip("Plan, simulate and check the job" if template else "Wait for the part")

    def choice(self) -> CamChoice:
        """The setup as chosen in the pickers."""
        process = self.process.currentData()
        return CamChoice(
            process=process, machine=self.machine.currentData(), material=self.material.currentData(),
            thickness_mm=self.thickness.value(), tool=self.tool.currentData() or "",
            pocket_tool=self.pocket_tool.currentData() or "", rest_tool=self.rest_tool.currentData() or "",
            engrave_tool=self.engrave_tool.currentData() or "",
            sheet_mm=(self.sheet_width.value(), self.sheet_height.value()),
            settings={name: _value(widget) for name, widget in self._settings.items()
                      if process == "cnc" or name in LASER_SETTINGS} | (
                {"tab_points": self._hand_tabs} if process == "cnc" else {}),
            override=self.override.isChecked())

    @property
    def hand_tabs(self) -> tuple[tuple[float, float], ...]:
        """The tabs placed by hand: (x, y) mm in the design's own drawing (`--tab-at X,Y` of the command)."""
        return self._hand_tabs

    def make(self) -> None:
        """Make the job the pickers ask for; after a tab was placed by hand, with the copies where they were."""
        if self._template is None:
            return
        template, values, choice = self._template, self._values, self.choice()
        shown = self.result
        same_layout = shown if shown is not None and differs_only_in_hand_tabs(shown.choice, choice) else None
        self.make_runner.request(f"Making toolpaths for {template.name}…",
                                 lambda cancel, progress: make_cam_job(template, values, choice, cancel.is_set,
                                                                       progress, same_layout))

    def save_to(self, folder: Path) -> None:
        """Write the program files and the job record into `folder`, in the background."""
        result = self.result
        if result is None or result.why_not_saved(self.override.isChecked()):
            return
        chosen = replace(result, choice=replace(result.choice, override=self.override.isChecked()))
        self.save_runner.request(f"Saving the program in {folder}…", lambda cancel, _: save_cam_job(chosen, folder))

    def shown_sheet(self) -> int:
        """The index of the result's sheet the view draws."""
        return max(self.sheet_picker.currentIndex(), 0)

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
        router = process == "cnc"
        self.title.setText(f"Fabricate — {CAM_PROCESS_NAMES[process]}")
        _fill(self.machine, [(m.id, m.name) for m in machines], DEFAULT_ROUTER)
        mills = [(t.id, t.name) for t in tools if t.kind != "vbit"]  # a V-bit only engraves
        _fill(self.tool, mills, DEFAULT_TOOL)
        _fill(self.pocket_tool, [("", "Same as the tool"), *mills], "")
        _fill(self.rest_tool, [("", "None"), *mills], "")
        _fill(self.engrave_tool, [(t.id, t.name) for t in tools if t.kind in ENGRAVING_KINDS
                                  or t.diameter_mm <= FINEST_FLAT_ENGRAVER_MM], DEFAULT_ENGRAVE_TOOL)
        if router:
            _fill(self.material, materials, DEFAULT_MATERIAL)
            self._show_sheet_size(DEFAULT_SHEET_MM)
        for field in (self.tool, self.pocket_tool, self.rest_tool, self.engrave_tool, self.relief):
            self._form.setRowVisible(field, router)
        self.nesting.form.setRowVisible(self.keep_grain, router)
        self.holding.setVisible(router)
        self.stock_shown.setVisible(router)
        self.operations.setHeaderLabels(["Operation", "Tool" if router else "Setting", "Depth"])
        self.operations.setColumnHidden(2, not router)  # a laser's layers have no depth
        self._on_machine_changed()

    def _on_machine_changed(self) -> None:
        """A laser's materials are the rows of its settings table, and its sheet is its bed unless cut smaller."""
        if self.process.currentData() != "laser" or self.machine.currentData() is None:
            return
        from app.profiles.cam import load_cam, load_laser_settings

        try:
            machine = load_cam("machine", self.machine.currentData())
            table = load_laser_settings(machine.laser_settings)
        except USER_ERRORS as exc:
            self.message.emit(f"Cannot read the laser's settings: {exc}", True)
            return
        materials = sorted({row.material for row in table.settings})
        _fill(self.material, [(m, m.capitalize()) for m in materials], DEFAULT_MATERIAL)
        self._show_sheet_size((machine.travel_mm[0], machine.travel_mm[1]))

    def _show_sheet_size(self, sheet_mm: tuple[float, float]) -> None:
        self.sheet_width.setValue(sheet_mm[0])
        self.sheet_height.setValue(sheet_mm[1])

    def _placing_tabs(self, placing: bool) -> None:
        """While on, a click on the sheet in the view puts a tab on the nearest piece's outside cut."""
        self._report_clicks_on_sheet()
        if placing:
            self.message.emit("Click on a part's outside cut where a tab goes; click the button again when done",
                              False)

    def _place_tab(self, x_mm: float, y_mm: float) -> None:
        """A click on the sheet at (x_mm, y_mm): a tab there on that piece's outside cut, and the job made again."""
        shown = self.result
        if not self.place_tabs.isChecked() or shown is None or self._template is None:
            return
        reach = TAB_CLICK_REACH_TOOL_DIAMETERS * shown.inputs.tool.diameter_mm
        point = drawing_point_at((x_mm, y_mm), shown.pieces, shown.sheets[self.shown_sheet()].placements, reach)
        if point is None:
            self.message.emit(f"No part's outside cut there: click on one, or within {reach:g} mm of it", True)
            return
        self._set_hand_tabs((*self._hand_tabs, point))
        self.make()

    def _clear_hand_tabs(self) -> None:
        had_tabs = bool(self._hand_tabs)
        self._set_hand_tabs(())
        if had_tabs and self.result is not None:
            self.make()

    def _set_hand_tabs(self, points: tuple[tuple[float, float], ...]) -> None:
        self._hand_tabs = points
        self.hand_tabs_label.setText(
            f"{len(points)} placed by hand; pieces without one get the automatic tabs" if points
            else "None: the tabs are placed automatically")
        self.clear_tabs.setEnabled(bool(points))

    def _enable_hand_tabs(self) -> None:
        """Tabs go by hand on a router job's sheet, once it is drawn (a click is placed on its copies)."""
        placeable = self.result is not None and self.result.choice.process == "cnc"
        if not placeable:
            self.place_tabs.setChecked(False)
        self.place_tabs.setEnabled(placeable)
        self.place_tabs.setToolTip(PLACE_TABS_TIP if placeable else PLACE_TABS_LATER_TIP)
        self._report_clicks_on_sheet()

    def _report_clicks_on_sheet(self) -> None:
        """Clicks on the shown sheet's top reach `_place_tab` while tabs are being placed, and only then."""
        shown = self.result
        placing = self.place_tabs.isChecked() and shown is not None
        self._view.report_clicks_on_plane(shown.sheets[self.shown_sheet()].preview.thickness_mm if placing else None)

    def _show_hand_tabs(self, index: int) -> None:
        """Mark the tabs placed by hand on every copy of their pieces on the result's sheet `index`."""
        shown = self.result
        if shown is None or shown.choice.process != "cnc" or not self._hand_tabs:
            show_hand_tabs(self._view, np.zeros((0, 3)))
            return
        sheet = shown.sheets[index]
        points = np.column_stack([np.asarray(self._hand_tabs, dtype=float),
                                  np.full(len(self._hand_tabs), sheet.preview.thickness_mm)])
        show_hand_tabs(self._view, np.vstack([np.zeros((0, 3)), *places_on_sheet(
            points, np.zeros(3), shown.pieces, sheet.placements)]))

    def _enable_dependent_settings(self) -> None:
        """A tab's size matters only with tabs, a lead's style only with a lead."""
        for field in (self.tab_width, self.tab_height):
            field.setEnabled(self.tabs.value() > 0)
        self.lead_style.setEnabled(self.lead.value() > 0)

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
        before = self.result
        # Made again for a tab placed by hand: the same sheet stays in view, seen as it was.
        same_layout = before is not None and differs_only_in_hand_tabs(before.choice, result.choice)
        self._show_result(result, shown_sheet=self.shown_sheet() if same_layout else 0, frame=not same_layout)
        parts = sum(len(sheet.parts) for sheet in result.sheets)
        sheets = len(result.sheets)
        self.message.emit(f"Toolpaths made — {parts} part{'s' * (parts != 1)} on {sheets} "
                          f"sheet{'s' * (sheets != 1)}, {duration(result.run_time_s)} to run", False)

    def _show_result(self, result: CamResult | None, *, shown_sheet: int = 0, frame: bool = True) -> None:
        self.result = result
        self.toolpaths_shown.emit(result is not None)
        self.sheet_picker.blockSignals(True)
        self.sheet_picker.clear()
        for index, sheet in enumerate(result.sheets if result else ()):
            self.sheet_picker.addItem(_sheet_title(sheet, index, len(result.sheets)))
        self.sheet_picker.blockSignals(False)
        self.sheet_picker.setVisible(result is not None and len(result.sheets) > 1)
        if result is None:
            self.operations.clear()
            self._uncheck_stock()
            self.stock_shown.setEnabled(False)
            self.run_time_label.setText("—")
            self.sheets_label.setText("—")
            self.findings_label.setText("")
            if self._printer_bed is not None:
                clear_cam(self._view)
                self._view.show_bed(*self._printer_bed)
                self._printer_bed = None
            self._enable_save()
            self._enable_hand_tabs()
            return
        self.run_time_label.setText(duration(result.run_time_s))
        count, first = len(result.sheets), result.sheets[0]
        self.sheets_label.setText(f"{count}: choose one below to see it" if count > 1
                                  else " · ".join(["1", *_used(first)]))
        self._show_findings(result)
        self._uncheck_stock()
        self.sheet_picker.blockSignals(True)
        self.sheet_picker.setCurrentIndex(shown_sheet)
        self.sheet_picker.blockSignals(False)
        self._show_sheet(shown_sheet, frame=frame)
        self._enable_save()
        self._enable_hand_tabs()

    def _show_sheet(self, index: int, *, frame: bool = True) -> None:
        """Draw the result's sheet `index` (its toolpaths, or its stock while that is shown) and list its parts."""
        if self.result is None or index < 0:
            return
        sheet = self.result.sheets[index]
        self.operations.clear()
        for part in sheet.parts:
            item = QTreeWidgetItem(self.operations, [part.name])
            item.setToolTip(0, part.name)
            for operation in part.operations:
                depth = f"{operation.depth_mm:.1f} mm" if operation.depth_mm else ""
                row = QTreeWidgetItem(item, [operation.name, operation.tool, depth])
                row.setIcon(0, _swatch(operation_colour(operation.kind)))
                row.setToolTip(0, f"{operation.kind}, {operation.paths} path{'s' * (operation.paths != 1)} on this "
                                  "part: drawn in this colour in the view")
                row.setToolTip(1, operation.tool_name)
            item.setExpanded(True)
        self.stock_shown.setEnabled(sheet.stock is not None)
        if self._printer_bed is None:
            self._printer_bed = self._view.bed_size
        show_cam_preview(self._view, sheet.preview, frame=frame)
        self._show_hand_tabs(index)
        if self.stock_shown.isChecked():
            show_stock(self._view, sheet.stock)
        self.sheet_shown.emit(index)

    def _uncheck_stock(self) -> None:
        self.stock_shown.blockSignals(True)
        self.stock_shown.setChecked(False)
        self.stock_shown.blockSignals(False)

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
            show_stock(self._view, self.result.sheets[self.sheet_picker.currentIndex()].stock if shown else None)

    def _ask_save(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the program into a folder")
        if folder:
            self.save_to(Path(folder))


class _SetupScroll(QScrollArea):
    """The setup, whole while the panel has the room, scrolled rather than making the window taller when not."""

    def __init__(self) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        inner = self.widget().sizeHint()
        return QSize(inner.width() + self.verticalScrollBar().sizeHint().width(), inner.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The setup's rows changed (a section folded, the other machine's rows shown): ask the panel for room anew.
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def minimumSizeHint(self) -> QSize:
        # As wide as the setup needs beside the scroll bar: it scrolls up and down, never sideways.
        width = self.widget().minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        return QSize(width, super().minimumSizeHint().height())


def _millimetres(low: float, high: float, special: str, tip: str) -> QDoubleSpinBox:
    field = QDoubleSpinBox()
    field.setRange(low, high)
    field.setDecimals(1)
    field.setSuffix(" mm")
    field.setSpecialValueText(special)
    field.setToolTip(tip)
    field.setKeyboardTracking(False)
    return field


def _value(widget: QWidget) -> Any:
    """What a setting's widget says: a check box's tick, a spin box's number, a combo box's item id."""
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QComboBox):
        return widget.currentData()
    return widget.value()


def _show_value(widget: QWidget, value: Any) -> None:
    if isinstance(widget, QCheckBox):
        widget.setChecked(value)
    elif isinstance(widget, QComboBox):
        widget.setCurrentIndex(widget.findData(value))
    else:
        widget.setValue(value)


def _sheet_title(sheet: CamSheet, index: int, count: int) -> str:
    """Sheet 2 of 3 · 71 % used · 12 min."""
    return " · ".join([f"Sheet {index + 1} of {count}", *_used(sheet), duration(sheet.run_time_s)])


def _used(sheet: CamSheet) -> list[str]:
    """The share of the sheet the parts use, as words (none for one copy not nested)."""
    return [] if sheet.utilisation is None else [f"{round(100 * sheet.utilisation)} % used"]


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
