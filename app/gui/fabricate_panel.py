"""The fabricate panel: which printer, material and print settings; Slice with progress and cancel; what
the print will take (time, grams, cost); and Send, for when a printer can be reached.

A design that can be printed or cut (a gear: a printer or a router) also gets the choice of how to make it;
the CAM page stands in for the printer's while it is cut.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from app.errors import USER_ERRORS
from app.gui.run_progress import RunProgress
from app.profiles import DEFAULT_PRINT, FdmSetup, Profile, list_profiles, resolve_fdm_setup
from app.profiles.loader import DEFAULT_PRINTER

if TYPE_CHECKING:
    from slicing.gcode.estimate import GcodeEstimate

ERROR_STYLE = "color: #b3261e;"
SLICE_SHORTCUT = "Ctrl+R"  # as PrusaSlicer's "Slice now"
SEND_NEEDS_SLICE = "Slice first: then send the program to one of your printers"
# The machines that cut a design, by its process id (the CAM page offers the ones a design lists).
CAM_PROCESS_NAMES = {"cnc": "CNC router", "laser": "Laser cutter"}
PRINTED, CUT = "fdm", "cam"


class FabricatePanel(QWidget):
    """Chooses the setup and asks for a slice; shows the slice's progress and its estimate."""

    setup_changed = Signal(object)  # FdmSetup
    making_chosen = Signal(str)  # PRINTED or CUT
    slice_requested = Signal()
    cancel_requested = Signal()
    send_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup: FdmSetup | None = None
        title = QLabel("Fabricate")
        title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.printer = QComboBox()
        self.material = QComboBox()
        self.print_settings = QComboBox()
        for combo, tip in ((self.printer, "The printer to slice for; its bed is drawn in the view"),
                           (self.material, "The filament: temperatures, weight and price per kilogram"),
                           (self.print_settings, "Layer height, walls, infill and speeds")):
            combo.setToolTip(tip)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        setup_box = QGroupBox("Setup")
        setup_form = QFormLayout(setup_box)
        setup_form.addRow("&Printer", self.printer)
        setup_form.addRow("&Material", self.material)
        setup_form.addRow("Print se&ttings", self.print_settings)

        self.slice_button = QPushButton("Slice")
        self.slice_button.setShortcut(QKeySequence(SLICE_SHORTCUT))
        self.slice_button.clicked.connect(self.slice_requested)
        self._run = RunProgress("Stop slicing")
        self.cancel_button, self.progress = self._run.cancel_button, self._run.bar
        self.cancel_button.clicked.connect(self.cancel_requested)
        slice_row = QHBoxLayout()
        slice_row.addWidget(self.slice_button, 1)
        slice_row.addWidget(self.cancel_button)

        estimate_box = QGroupBox("Estimate")
        estimate_form = QFormLayout(estimate_box)
        self.time_label = QLabel("—")
        self.filament_label = QLabel("—")
        self.cost_label = QLabel("—")
        self.cost_label.setToolTip("The filament's cost, in the currency of the material's price per kilogram")
        self.layers_label = QLabel("—")
        estimate_form.addRow("Print time", self.time_label)
        estimate_form.addRow("Filament", self.filament_label)
        estimate_form.addRow("Material cost", self.cost_label)
        estimate_form.addRow("Layers", self.layers_label)
        self._message = QLabel()
        self._message.setWordWrap(True)

        self.send_button = QPushButton("Se&nd to printer…")
        self.send_button.clicked.connect(self.send_requested)
        self.set_sendable(False)

        # A CNC or laser design swaps this printer page for its CAM page (show_cam).
        self._printer_page = QWidget()
        layout = QVBoxLayout(self._printer_page)
        layout.addWidget(title)
        layout.addWidget(setup_box)
        layout.addLayout(slice_row)
        layout.addWidget(self.progress)
        layout.addWidget(self._run.stage)
        layout.addWidget(estimate_box)
        layout.addWidget(self._message)
        layout.addStretch(1)
        layout.addWidget(self.send_button)
        self.making = QComboBox()
        self.making.setToolTip("This design can be printed or cut: choose the machine that makes it")
        self.making.currentIndexChanged.connect(lambda _: self.making_chosen.emit(self.chosen_making()))
        self._making_row = QWidget()
        making_layout = QHBoxLayout(self._making_row)
        making_layout.setContentsMargins(0, 0, 0, 0)
        making_label = QLabel("Make it &on")
        making_label.setBuddy(self.making)
        making_layout.addWidget(making_label)
        making_layout.addWidget(self.making, 1)
        self._making_row.setVisible(False)
        pages = QWidget()
        self._pages = QStackedLayout(pages)
        self._pages.addWidget(self._printer_page)
        panel = QVBoxLayout(self)
        panel.setContentsMargins(0, 0, 0, 0)
        panel.addWidget(self._making_row)
        panel.addWidget(pages, 1)
        self.show_slicing(False)
        self.set_sliceable(False, "Choose a design or open a mesh first")

    def load_profiles(self) -> None:
        """Fill the pickers from the profile files and choose the default printer with its material."""
        for combo, kind in ((self.printer, "printer"), (self.material, "material"), (self.print_settings, "print")):
            combo.blockSignals(True)
            combo.clear()
            for profile in list_profiles(kind):
                combo.addItem(profile.name, profile)
            combo.blockSignals(False)
        _choose(self.printer, DEFAULT_PRINTER)
        _choose(self.material, self.printer.currentData().meta.get("default_material", ""))
        _choose(self.print_settings, DEFAULT_PRINT)
        self.printer.currentIndexChanged.connect(self._on_printer_changed)
        self.material.currentIndexChanged.connect(self._resolve)
        self.print_settings.currentIndexChanged.connect(self._resolve)
        self._resolve()

    def choose(self, printer_id: str, material_id: str, print_id: str | None) -> None:
        """Choose profiles by id (e.g. the ones a recipe names); ids not found here leave the pickers as they are."""
        for combo in (self.printer, self.material, self.print_settings):
            combo.blockSignals(True)
        _choose(self.printer, printer_id)
        _choose(self.material, material_id)
        _choose(self.print_settings, print_id or DEFAULT_PRINT)
        for combo in (self.printer, self.material, self.print_settings):
            combo.blockSignals(False)
        self._resolve()

    @property
    def setup(self) -> FdmSetup | None:
        """The resolved setup of the chosen profiles, None while they do not go together."""
        return self._setup

    def set_sliceable(self, sliceable: bool, reason: str = "") -> None:
        self.slice_button.setEnabled(sliceable and self._setup is not None)
        self.slice_button.setToolTip(reason or f"Check and slice the part on the bed ({SLICE_SHORTCUT}); the "
                                     "estimate and the layer preview follow")

    def offer_making(self, processes: tuple[str, ...]) -> None:
        """Offer printing or cutting when the design on the bed lists both; the choice stays for the next such
        design (a design only printed or only cut ignores it)."""
        cutters = " or ".join(CAM_PROCESS_NAMES[p] for p in processes if p in CAM_PROCESS_NAMES)
        offered = [(PRINTED, "3D printer"), (CUT, cutters)] if PRINTED in processes and cutters else []
        current = [(self.making.itemData(i), self.making.itemText(i)) for i in range(self.making.count())]
        if offered and offered != current:
            chosen = self.chosen_making()
            self.making.blockSignals(True)
            self.making.clear()
            for making, words in offered:
                self.making.addItem(words, making)
            self.making.setCurrentIndex(max(0, self.making.findData(chosen)))
            self.making.blockSignals(False)
        self._making_row.setVisible(bool(offered))

    def chosen_making(self) -> str:
        """PRINTED or CUT, as chosen for a design that can be either (PRINTED until someone chooses)."""
        return self.making.currentData() or PRINTED

    def show_cam(self, cam_page: QWidget | None) -> None:
        """Show `cam_page` (a CNC or laser design's setup) instead of the printer's; None: the printer's again."""
        if cam_page is not None and self._pages.indexOf(cam_page) < 0:
            self._pages.addWidget(cam_page)
        self._pages.setCurrentWidget(cam_page or self._printer_page)

    def set_sendable(self, sendable: bool) -> None:
        self.send_button.setEnabled(sendable)
        self.send_button.setToolTip("Upload the program to one of your printers" if sendable else SEND_NEEDS_SLICE)

    def show_slicing(self, slicing: bool) -> None:
        """Show the progress and Cancel while slicing; Slice again once it is over."""
        self.slice_button.setEnabled(not slicing and self._setup is not None)
        self._run.show_running(slicing)
        if slicing:
            self.show_message("")

    def show_progress(self, fraction: float, stage: str) -> None:
        self._run.show_progress(fraction, stage)

    def show_estimate(self, estimate: GcodeEstimate | None) -> None:
        """Show time, filament and cost of a program (None clears them: the part or setup changed)."""
        if estimate is None:
            for label in (self.time_label, self.filament_label, self.cost_label, self.layers_label):
                label.setText("—")
            return
        self.time_label.setText(duration(estimate.time_s))
        self.filament_label.setText(f"{estimate.filament_g:.1f} g ({estimate.filament_mm / 1000:.2f} m)")
        self.cost_label.setText(f"{estimate.filament_cost:.2f}")
        self.layers_label.setText(str(estimate.layer_count))

    def show_message(self, message: str, *, error: bool = False) -> None:
        self._message.setText(message)
        self._message.setStyleSheet(ERROR_STYLE if error else "")

    def _on_printer_changed(self) -> None:
        printer: Profile = self.printer.currentData()
        self.material.blockSignals(True)
        _choose(self.material, printer.meta.get("default_material", ""))
        self.material.blockSignals(False)
        self._resolve()

    def _resolve(self) -> None:
        printer, material, chosen_print = (self.printer.currentData(), self.material.currentData(),
                                           self.print_settings.currentData())
        try:
            self._setup = resolve_fdm_setup(printer.id, material.id,
                                            print_profile=chosen_print.id if chosen_print else None)
        except USER_ERRORS as exc:
            self._setup = None
            self.slice_button.setEnabled(False)
            self.show_message(f"These profiles do not go together: {exc}", error=True)
            return
        self.show_message("")
        self.setup_changed.emit(self._setup)


def duration(seconds: float) -> str:
    """A print time for people: 1 h 13 min, 7 min, 40 s."""
    if seconds < 60:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _choose(combo: QComboBox, profile_id: str) -> None:
    for index in range(combo.count()):
        if combo.itemData(index).id == profile_id:
            combo.setCurrentIndex(index)
            return
