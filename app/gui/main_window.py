"""The main window, left to right as a job flows: the design library, the printer's bed with the part (and the
check's findings under it), the chosen design's parameters, and the fabricate panel; a status bar says what
is running.

The window holds what is on screen (the design, the part on the bed, its slice) and hands every long job to a
LatestRunner, so it never waits for one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import USER_ERRORS
from app.gui.about_dialog import AboutDialog
from app.gui.background import LatestRunner
from app.gui.bed_view import BedView
from app.gui.check_list import CheckList
from app.gui.design_panel import DesignPanel
from app.gui.fabricate_panel import CAM_PROCESS_NAMES, CUT, PRINTED, FabricatePanel
from app.gui.feature_colours import feature_colour
from app.gui.feature_legend import FeatureLegend
from app.gui.finding_view import finding_view, frame_around
from app.gui.layer_bar import LayerBar
from app.gui.parameter_form import ParameterForm
from app.gui.parameter_problems import problems_by_field
from app.gui.placed_part import PlacedPart, build_on_bed, mesh_file_on_bed
from app.gui.printers_dialog import PrintersDialog
from app.gui.recent_files import RecentFiles
from app.gui.send_dialog import SendDialog
from app.gui.sliced_part import SlicedPart, slice_on_bed
from app.gui.theme import system_is_dark
from app.gui.validation_dialog import ValidationDialog
from app.gui.window_layout import restore_layout, save_layout
from app.profiles import FdmSetup
from parametric_designs.schema import ParameterSchema
from parametric_designs.templates import MANIFEST_NAME, Template, discover, find_template

if TYPE_CHECKING:  # the workshop windows load an HTTP client and the gazetteer: not at start-up
    from app.gui.cam_job import CamResult
    from app.gui.cam_panel import CamPanel
    from app.gui.workshop_inbox import WorkshopInbox
    from app.gui.workshop_member import MakeAtWorkshopDialog

APP_NAME = "localfab"
DEFAULT_SIZE = (1500, 900)
SCREEN_SHARE = 0.95  # at most this much of a smaller screen's width and height
PANEL_WIDTHS = (220, 720, 270, 290)
STRIP_WIDTH_PX = 150
CENTRE_HEIGHTS = (680, 170)
# Wait this long after the last edit before building, so typing "120" builds once, not for 1, 12 and 120.
EDIT_SETTLE_MS = 300
ERROR_STYLE = "color: #b3261e;"
SLICE_HINT = "Slice to see the print layer by layer"
CAM_HINT = "Make toolpaths to see them on the sheet, coloured as in the operations list"
CAM_SHOWN_HINT = "Toolpaths are coloured as in the operations list"
MESH_FILES = "Meshes (*.stl *.3mf *.obj)"
OPEN_FILTER = ("All localfab can open (*.localfab *.stl *.3mf *.obj *.scad *.py);;Recipes (*.localfab);;"
               f"{MESH_FILES};;OpenSCAD designs (*.scad);;CadQuery scripts (*.py)")
OPENABLE_SUFFIXES = (".localfab", ".stl", ".3mf", ".obj", ".scad", ".py")
EXPORTS = {"stl": "STL mesh (*.stl)", "3mf": "3MF part (*.3mf)", "step": "STEP solid (*.step)",
           "gcode": "G-code (*.gcode)"}


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.resize(*_fitting_size(DEFAULT_SIZE))

        self.design_panel = DesignPanel()
        self.bed_view = BedView()
        self.check_list = CheckList()
        self.layer_bar = LayerBar()
        self.legend = FeatureLegend()
        self.toolpaths_shown = QCheckBox("Toolpaths")
        self.toolpaths_shown.setChecked(True)
        self.toolpaths_shown.setToolTip("Show the sliced layers, or the part as designed")
        self.parameter_form = ParameterForm()
        self.fabricate_panel = FabricatePanel()
        self.setCentralWidget(self._lay_out())

        self._status = QLabel()
        # A long message must not widen the window; the whole of it is in the tooltip.
        self._status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._busy = QProgressBar()
        self._busy.setRange(0, 0)  # no percentage to report: a build is one step in a worker process
        self._busy.setMaximumWidth(120)
        self._busy.setMaximumHeight(14)
        self._busy.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this build; change a value to build again")
        self._printer = QLabel()
        status_bar = self.statusBar()
        status_bar.addWidget(self._status, 1)
        status_bar.addPermanentWidget(self._busy)
        status_bar.addPermanentWidget(self.cancel_button)
        status_bar.addPermanentWidget(self._printer)
        self._show_busy(False)

        self._template: Template | None = None
        self._mesh_file: Path | None = None
        self._framed_source: object = None
        self._closed = False
        self._scratch = tempfile.TemporaryDirectory(prefix="localfab-gui-")
        self.shown_part: PlacedPart | None = None
        self.sliced: SlicedPart | None = None
        self.build_runner = LatestRunner(self)
        self.slice_runner = LatestRunner(self)
        self.export_runner = LatestRunner(self)
        self.verify_runner = LatestRunner(self)
        self._step_path = Path()
        self._send_dialog: SendDialog | None = None
        self.cam_panel: CamPanel | None = None  # made when the first CNC or laser design is built

        self._build_menus()
        self._show_slice(None)
        self._edit_settled = QTimer(self)
        self._edit_settled.setSingleShot(True)
        self._edit_settled.setInterval(EDIT_SETTLE_MS)
        self._edit_settled.timeout.connect(self._build_edited_values)
        self._connect()
        self._follow_theme()
        restore_layout(self, self._splitters)
        # The library and profiles are read once the window is up, so it shows at once.
        QTimer.singleShot(0, self._open_library)

    # What tests and other code ask of the window.

    def machine_text(self) -> str:
        """The machine the status bar names: the printer, or the router or laser a CAM job is made for."""
        return self._printer.text()

    def status_text(self) -> str:
        return self._status.text()

    def open_path(self, path: Path) -> None:
        """Open a recipe, a mesh, an OpenSCAD or CadQuery design file, or a template folder."""
        path = Path(path)
        suffix = path.suffix.lower()
        if not path.exists():
            self._say(f"Cannot open {path.name}: there is no such file or folder", error=True)
            return
        try:
            if suffix == ".localfab":
                self._open_recipe(path)
            elif suffix in (".stl", ".3mf", ".obj"):
                self._open_mesh_file(path)
            elif path.is_dir() and not (path / MANIFEST_NAME).is_file():
                self._say(f"{path.name} is not a template folder: it has no {MANIFEST_NAME}", error=True)
                return
            else:
                template = find_template(str(path))
                self.design_panel.show_template(template)
                self._open_design(template)
        except USER_ERRORS as exc:
            self._say(f"Cannot open {path.name}: {exc}", error=True)
            return
        self.recent_files.add(path)

    def save_recipe_to(self, path: Path) -> bool:
        """Write the sliced design's recipe to `path`; say why not when there is none."""
        fabrication = self.sliced.fabrication if self.sliced is not None else None
        if fabrication is None:
            self._say("Nothing to save: slice a design first (a mesh file has no design to record)", error=True)
            return False
        from app.jobs import write_recipe

        return self._write(path, lambda: write_recipe(path, fabrication.recipe, fabrication.files))

    def export_to(self, kind: str, path: Path) -> bool:
        """Write the part as STL or 3MF, or the sliced program as G-code ("stl", "3mf", "gcode"); a STEP export
        ("step") is made by the design's worker in the background and written when it is ready."""
        part = self.shown_part
        if part is None or (kind == "gcode" and self.sliced is None):
            self._say("Nothing to export yet: " + ("slice the part first" if part else "open a design"), error=True)
            return False
        if kind == "step":
            return self._export_step(part, path)
        from app.chain import part_3mf
        from slicing.mesh_export import export_3mf, export_stl

        content = {
            "stl": lambda: export_stl(part.mesh),
            "3mf": lambda: part_3mf(part.built) if part.built is not None else export_3mf(part.mesh, name=part.name),
            "gcode": lambda: self.sliced.program.gcode.encode("utf-8"),
        }[kind]
        return self._write(path, lambda: path.write_bytes(content()))

    def _export_step(self, part: PlacedPart, path: Path) -> bool:
        if part.template is None or part.template.kind == "openscad":
            self._say("STEP needs a CadQuery design's solid: a mesh or an OpenSCAD design exports as STL or 3MF",
                      error=True)
            return False
        from parametric_designs.build import export_part

        template, parameters = part.template, dict(part.parameters)
        self.export_runner.request(f"Exporting {template.name} as STEP…",
                                   lambda cancel, _: export_part(template, parameters, "step", cancel=cancel.is_set))
        self._step_path = path
        return True

    def _on_step_exported(self, data: bytes) -> None:
        path = self._step_path
        self._write(path, lambda: path.write_bytes(data))

    def verify_recipe(self, path: Path) -> None:
        """Rebuild the recipe at `path` in the background; the status bar says whether its outputs match."""
        from app.chain import rebuild

        self.verify_runner.request(f"Verifying {path.name}…",
                                   lambda cancel, progress: (path, rebuild(path, progress=progress,
                                                                           cancel=cancel.is_set)))

    def _on_verified(self, answer: tuple[Path, Any]) -> None:
        path, report = answer
        notes = f" ({'; '.join(report.notes)})" if report.notes else ""
        if report.identical:
            self._say(f"{path.name} rebuilds byte-identical{notes}")
        else:
            differing = ", ".join(o.name for o in report.outputs if not o.same)
            self._say(f"{path.name} rebuilds differently: {differing}{notes}", error=True)

    # Layout and wiring.

    def _lay_out(self) -> QSplitter:
        # The layer controls keep their width while there is no slice, so the 3D view does not change size
        # (and crop the bed) when a slice arrives.
        self._preview_controls = QWidget()
        controls_layout = QVBoxLayout(self._preview_controls)
        controls_layout.setContentsMargins(0, 0, 0, 0)
        controls_layout.addWidget(self.toolpaths_shown)
        controls_layout.addWidget(self.layer_bar, 1)
        controls_layout.addWidget(self.legend)
        self._no_slice_hint = QLabel(SLICE_HINT)
        self._no_slice_hint.setWordWrap(True)
        self._no_slice_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._no_slice_hint.setEnabled(False)
        strip = QWidget()
        strip.setFixedWidth(STRIP_WIDTH_PX)
        strip_layout = QVBoxLayout(strip)
        strip_layout.setContentsMargins(4, 4, 4, 4)
        strip_layout.addWidget(self._preview_controls, 1)
        strip_layout.addWidget(self._no_slice_hint, 1)
        viewport = QWidget()
        viewport_layout = QHBoxLayout(viewport)
        viewport_layout.setContentsMargins(0, 0, 0, 0)
        viewport_layout.setSpacing(0)
        viewport_layout.addWidget(self.bed_view, 1)
        viewport_layout.addWidget(strip)
        self._centre = QSplitter(Qt.Orientation.Vertical)
        self._centre.addWidget(viewport)
        self._centre.addWidget(self.check_list)
        self._centre.setStretchFactor(0, 1)
        self._centre.setCollapsible(0, False)
        self._centre.setSizes(list(CENTRE_HEIGHTS))
        self._splitter = QSplitter(Qt.Orientation.Horizontal)
        for index, panel in enumerate((self.design_panel, self._centre, self.parameter_form, self.fabricate_panel)):
            self._splitter.addWidget(panel)
            self._splitter.setCollapsible(index, False)
        self._splitter.setStretchFactor(1, 1)
        self._splitter.setSizes(list(PANEL_WIDTHS))
        self._splitters = {"panels": self._splitter, "centre": self._centre}
        return self._splitter

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = self._action(file_menu, "&Open…", self._ask_open, QKeySequence.StandardKey.Open,
                                        "Open a recipe, an STL, 3MF or OBJ mesh, or an OpenSCAD design")
        self._action(file_menu, "Open &template folder…", self._ask_open_folder, None,
                     "Open a design folder (with template.toml) to try its parameters")
        self.recent_files = RecentFiles(file_menu.addMenu("Open &recent"), self.open_path)
        file_menu.addSeparator()
        self.save_recipe_action = self._action(file_menu, "&Save recipe…", self._ask_save_recipe,
                                               QKeySequence.StandardKey.Save,
                                               "Save the sliced design as a .localfab recipe")
        self._action(file_menu, "&Verify recipe…", self._ask_verify_recipe, None,
                     "Rebuild a recipe from its recorded inputs and say whether every output comes out the same")
        export_menu = file_menu.addMenu("&Export")
        self.export_actions = {
            kind: self._action(export_menu, f"{label.split(' (')[0]}…", lambda _=False, k=kind: self._ask_export(k),
                               QKeySequence("Ctrl+E") if kind == "gcode" else None, f"Save the {label}")
            for kind, label in EXPORTS.items()
        }
        file_menu.addSeparator()
        self.quit_action = self._action(file_menu, "&Quit", self.close, QKeySequence("Ctrl+Q"), "Close localfab")

        edit_menu = self.menuBar().addMenu("&Edit")
        stack = self.parameter_form.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        edit_menu.addActions([self.undo_action, self.redo_action])

        settings_menu = self.menuBar().addMenu("&Settings")
        self._action(settings_menu, "&Printers…", self.open_printers, None,
                     "Add your printers and test their connection")
        workshop_menu = self.menuBar().addMenu("&Workshops")
        self.workshop_action = self._action(workshop_menu, "Make at a &workshop…", self.open_make_at_workshop, None,
                                            "Find a nearby workshop for the sliced design, compare its quote, "
                                            "submit the recipe and follow the job")
        self._action(workshop_menu, "Workshop &inbox…", self.open_workshop_inbox, None,
                     "For a workshop's staff: review, quote and run the jobs members submitted")
        designer_menu = self.menuBar().addMenu("&Designer")
        self.validate_action = self._action(designer_menu, "&Validate this design…", self._open_validation, None,
                                            "Build the design over its parameter space and list what fails")
        view_menu = self.menuBar().addMenu("&View")
        self._action(view_menu, "&Fit bed and part", self.bed_view.frame, QKeySequence("Ctrl+0"),
                     "Look at the whole bed and the part")
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About localfab", lambda: AboutDialog(self).exec(), None,
                     "Version and licences")
        self._enable_outputs()

    def open_printers(self) -> PrintersDialog:
        dialog = PrintersDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if self._send_dialog is not None:
            dialog.printers_changed.connect(self._send_dialog.reload_printers)
        dialog.show()
        return dialog

    def open_send(self) -> SendDialog | None:
        """Offer the sliced program to the user's printers (written to a scratch file the sender reads)."""
        if self.sliced is None:
            return None
        part = self.sliced.part
        stem = part.template.id if part.template is not None else Path(part.name).stem
        program_file = Path(self._scratch.name) / f"{stem}.gcode"
        program_file.write_bytes(self.sliced.program.gcode.encode("utf-8"))
        if self._send_dialog is not None:
            self._send_dialog.close()
        dialog = SendDialog(program_file, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.manage_printers.connect(self.open_printers)
        dialog.destroyed.connect(lambda: setattr(self, "_send_dialog", None))
        self._send_dialog = dialog
        dialog.show()
        return dialog

    def open_make_at_workshop(self) -> MakeAtWorkshopDialog | None:
        """Offer the sliced design's recipe (written to a scratch file) to the workshops of the directory."""
        fabrication = self.sliced.fabrication if self.sliced is not None else None
        if fabrication is None:
            self._say("Slice a design first: a workshop is sent its recipe (a mesh file has none)", error=True)
            return None
        from app.gui.workshop_member import MakeAtWorkshopDialog
        from app.jobs import write_recipe

        recipe_file = Path(self._scratch.name) / f"{fabrication.recipe.design.get('id', 'part')}.localfab"
        write_recipe(recipe_file, fabrication.recipe, fabrication.files)
        return self._show_dialog(MakeAtWorkshopDialog(recipe_file, self))

    def open_workshop_inbox(self) -> WorkshopInbox:
        from app.gui.workshop_inbox import WorkshopInbox

        return self._show_dialog(WorkshopInbox(self))

    def _show_dialog(self, dialog: Any) -> Any:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _open_validation(self) -> ValidationDialog | None:
        if self._template is None:
            self._say("Open a design to validate it (a mesh file has no parameters)", error=True)
            return None
        dialog = ValidationDialog(self._template, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _action(self, menu: Any, text: str, slot: Any, shortcut: Any, tip: str) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _connect(self) -> None:
        self.build_runner.started.connect(self._on_work_started)
        self.export_runner.started.connect(self._say)
        self.export_runner.done.connect(self._on_step_exported)
        self.verify_runner.started.connect(self._say)
        self.verify_runner.done.connect(self._on_verified)
        self.verify_runner.failed.connect(lambda message: self._say(f"Not verified: {message}", error=True))
        self.export_runner.failed.connect(lambda message: self._say(f"Not exported: {message}", error=True))
        self.build_runner.done.connect(self._on_built)
        self.build_runner.failed.connect(self._on_build_failed)
        self.build_runner.cancelled.connect(self._on_build_cancelled)
        self.cancel_button.clicked.connect(self.build_runner.cancel)
        self.slice_runner.started.connect(self._on_slice_started)
        self.slice_runner.progressed.connect(self._on_slice_progress)
        self.slice_runner.done.connect(self._on_sliced)
        self.slice_runner.failed.connect(self._on_slice_failed)
        self.slice_runner.cancelled.connect(self._on_slice_cancelled)
        self.fabricate_panel.slice_requested.connect(self._slice)
        self.fabricate_panel.cancel_requested.connect(self.slice_runner.cancel)
        self.fabricate_panel.setup_changed.connect(self._on_setup_changed)
        self.fabricate_panel.making_chosen.connect(self._on_making_chosen)
        self.fabricate_panel.send_requested.connect(self.open_send)
        self.design_panel.chosen.connect(self._open_design)
        self.parameter_form.edited.connect(self._edit_settled.start)
        self.parameter_form.presets.failed.connect(lambda message: self._say(message, error=True))
        self.check_list.finding_chosen.connect(self._show_finding)
        self.check_list.overlay_toggled.connect(lambda _: self._show_finding(self._chosen_finding()))
        self.layer_bar.layer_changed.connect(self._show_layers)
        self.toolpaths_shown.toggled.connect(lambda _: self._show_layers(self.layer_bar.layer()))

    def _open_library(self) -> None:
        """Read the profiles and the designs; a broken file is reported here rather than crashing."""
        try:
            self.fabricate_panel.load_profiles()
            templates = discover()
        except USER_ERRORS as exc:
            self._say(f"Cannot start: {exc}", error=True)
            return
        if not templates:
            self._say("No designs found in the library")
            return
        self.design_panel.set_templates(templates)

    # The part on the bed.

    def _on_setup_changed(self, setup: FdmSetup) -> None:
        size_x, size_y = float(setup.settings["bed_size_x"]), float(setup.settings["bed_size_y"])
        self._show_machine()
        bed_changed = self.bed_view.bed_size != (size_x, size_y)
        if bed_changed:
            self.bed_view.show_bed(size_x, size_y)
            self._framed_source = None  # the part is framed again on the new bed
        if self._template is not None:
            self._build_edited_values()  # the values in the form, if the schema accepts them
        else:
            self._rebuild()

    def _open_design(self, template: Template, values: Mapping[str, Any] | None = None) -> None:
        chosen = template.schema.resolve(values or {})  # values that do not fit change nothing on screen
        self._template, self._mesh_file = template, None
        self._edit_settled.stop()
        self._forget_part()
        self.parameter_form.set_schema(template.schema, chosen, title=template.name)
        self.parameter_form.presets.set_template(template)
        self._rebuild()

    def _open_mesh_file(self, path: Path) -> None:
        self._template, self._mesh_file = None, path
        self.design_panel.show_no_design()
        self._edit_settled.stop()
        self._forget_part()
        self.parameter_form.set_schema(ParameterSchema(()), {}, title=f"{path.name}\n(a mesh: no parameters)")
        self.parameter_form.presets.set_template(None)
        self._rebuild()

    def _open_recipe(self, path: Path) -> None:
        from app.gui.recipe_design import recipe_design
        from app.jobs import read_recipe

        loaded = read_recipe(path)
        recipe = loaded.recipe
        if recipe.process != "fdm":
            self._say(f"{path.name} is a {recipe.process} recipe; the window opens 3D-print recipes for now",
                      error=True)
            return
        template = recipe_design(loaded, Path(self._scratch.name))
        self.fabricate_panel.choose(recipe.printer.get("id", ""), recipe.material.get("id", ""),
                                    (recipe.print_profile or {}).get("id"))
        self.design_panel.show_template(template)
        self._open_design(template, recipe.parameters)

    def _build_edited_values(self) -> None:
        if self._template is None or self._closed:
            return
        values = self.parameter_form.values()
        problems = problems_by_field(self._template.schema, values)
        self.parameter_form.show_field_problems(problems)
        if problems:
            # The part on screen stays as it was; building these values would only fail.
            self.build_runner.discard_running()
            self._show_busy(False)
            first = next(iter(problems.values()))[0]
            self._say(f"Not built: {first}", error=True)
            return
        self.parameter_form.show_problem(None)
        self._rebuild(values)

    def _rebuild(self, values: Mapping[str, Any] | None = None) -> None:
        """Build the open design (or read the open mesh file) for the chosen printer, off the UI thread."""
        setup = self.fabricate_panel.setup
        if setup is None or self._closed:
            return
        self.slice_runner.discard_running()
        self._show_slice(None)
        settings = setup.settings
        if self._template is not None:
            template, chosen = self._template, dict(values if values is not None else self.parameter_form.values())
            self.build_runner.request(f"Building {template.name}…",
                                      lambda cancel, _: build_on_bed(template, chosen, settings, cancel.is_set))
        elif self._mesh_file is not None:
            path = self._mesh_file
            self.build_runner.request(f"Reading {path.name}…",
                                      lambda cancel, _: mesh_file_on_bed(path, settings, cancel.is_set))

    def _forget_part(self) -> None:
        self.shown_part = None
        self.bed_view.clear_part()
        self.check_list.show_report(None)
        self._show_slice(None)
        self._enable_outputs()

    def _on_work_started(self, label: str) -> None:
        self._show_busy(True)
        self.fabricate_panel.set_sliceable(False, "Wait for the part to be ready")
        if self.cam_panel is not None:
            self.cam_panel.set_design(None, {})
        self._say(label)

    def _on_built(self, part: PlacedPart) -> None:
        self._show_busy(False)
        self.fabricate_panel.offer_making(part.template.processes if part.template is not None else ())
        source = part.template.id if part.template is not None else part.source_file
        first_show = source != self._framed_source
        self.shown_part = part
        # The part was checked for the printer; a router or laser job has its own check in the CAM page.
        problems = () if self._made_by_cam(part) else part.problems
        self.bed_view.show_part(part.surface, frame=first_show, printable=not problems)
        self.setWindowTitle(f"{part.name} — {APP_NAME}")
        self._framed_source = source
        self.check_list.show_report(None if self._made_by_cam(part) else part.report)
        # Overhangs and thin walls are a printer's worries; a router or laser job's check marks its own.
        self.check_list.overlay.setVisible(not self._made_by_cam(part))
        self._enable_outputs()
        self._offer_slicing(part)
        size = " × ".join(_mm(float(v)) for v in part.mesh.extents)
        summary = f"Ready — {len(part.mesh.faces)} facets, {size} mm"
        if problems:
            self._say(f"{summary} — {'; '.join(problems)}", error=True)
        else:
            self._say(summary)

    def _on_making_chosen(self, _making: str) -> None:
        """The part on the bed, printed or cut: its check, view and fabricate page for that machine."""
        part = self.shown_part
        if part is None:
            return
        self._show_slice(None)
        if self.cam_panel is not None:
            self.cam_panel.set_design(None, {})  # its job, if one was made, goes with its drawing
        self._on_built(part)

    def _made_by_cam(self, part: PlacedPart) -> bool:
        """Whether the part is made on a CNC router or a laser: a design only those make, or one that can also
        be printed and is chosen to be cut."""
        if part.template is None or not set(part.template.processes) & set(CAM_PROCESS_NAMES):
            return False
        return PRINTED not in part.template.processes or self.fabricate_panel.chosen_making() == CUT

    def _show_machine(self) -> None:
        """Name the machine the part on the bed is made on in the status bar: the printer, or the CAM page's
        router or laser."""
        part, setup = self.shown_part, self.fabricate_panel.setup
        if part is not None and self.cam_panel is not None and self._made_by_cam(part):
            self._printer.setText(self.cam_panel.machine.currentText())
            self._printer.setToolTip("The router or laser the toolpaths are made for")
        elif setup is not None:
            self._printer.setText(setup.printer.name)
            self._printer.setToolTip(f"Bed {_mm(float(setup.settings['bed_size_x']))} × "
                                     f"{_mm(float(setup.settings['bed_size_y']))} mm, "
                                     f"up to {_mm(float(setup.settings['max_print_height']))} mm tall")

    def _offer_slicing(self, part: PlacedPart) -> None:
        cam = self._made_by_cam(part)
        self.fabricate_panel.show_cam(self._cam_page(part) if cam else None)
        self._no_slice_hint.setText(CAM_HINT if cam else SLICE_HINT)
        if cam:
            self.fabricate_panel.set_sliceable(False, f"{part.template.name} is made by "
                                               f"{' or '.join(part.template.processes)}: make its toolpaths")
        elif part.problems:
            self.fabricate_panel.set_sliceable(False, "Fix the check's errors first (see the list under the view)")
        else:
            self.fabricate_panel.set_sliceable(True)
        self._show_machine()

    def _cam_page(self, part: PlacedPart) -> CamPanel:
        """The CAM setup for a CNC or laser design (its modules load with the first such design)."""
        if self.cam_panel is None:
            from app.gui.cam_panel import CamPanel

            self.cam_panel = CamPanel(self.bed_view)
            self.cam_panel.message.connect(lambda text, error: self._say(text, error=error))
            self.cam_panel.toolpaths_shown.connect(self._on_cam_job_shown)
            self.cam_panel.machine.currentTextChanged.connect(lambda _: self._show_machine())
            # Drawing another sheet takes the marks off: the chosen finding is marked on that sheet instead.
            self.cam_panel.sheet_shown.connect(lambda _: self._show_finding(self._chosen_finding(), frame=False))
        self.cam_panel.set_design(part.template, part.parameters)
        return self.cam_panel

    def _on_cam_job_shown(self, shown: bool) -> None:
        """A CAM job was made (or the one shown went with a change): list its check, or nothing."""
        self._no_slice_hint.setText(CAM_SHOWN_HINT if shown else CAM_HINT)
        part = self.shown_part
        if part is not None and self._made_by_cam(part):
            self.check_list.show_report(self.cam_panel.result.report if shown else None, shown_on="the sheet")

    def _on_build_failed(self, message: str) -> None:
        self._show_busy(False)
        self.parameter_form.show_problem(message)
        self._say(f"Build failed: {message}", error=True)

    def _on_build_cancelled(self) -> None:
        self._show_busy(False)
        self._say("Build cancelled — change a value to build again")

    # Checks.

    def _chosen_finding(self) -> Any:
        row = self.check_list.list.currentRow()
        findings = self.check_list.findings()
        return findings[row] if 0 <= row < len(findings) else None

    def _show_finding(self, finding: Any, *, frame: bool = True) -> None:
        """Paint the chosen finding's facets (and the overlay, when asked for), mark its points, frame them (when
        `frame`); for a CAM job, mark them on the sheet drawn."""
        part = self.shown_part
        if part is None:
            return
        result = self.cam_panel.result if self.cam_panel is not None and self._made_by_cam(part) else None
        if result is not None:
            self._show_cam_finding(result, finding, frame)
            return
        view = finding_view(part.mesh, part.report.findings, finding, self.check_list.overlay.isChecked())
        self.bed_view.paint_facets(view.marks)
        self.bed_view.mark_points(view.points)
        if view.frame is not None:
            self.bed_view.frame_box(view.frame, from_below=view.from_below)

    def _show_cam_finding(self, result: CamResult, finding: Any, frame: bool) -> None:
        """Mark `finding` on every copy of its pieces on the sheet the view draws; the status says on how many."""
        from app.gui.cam_job import finding_on_sheet

        if finding is None:
            self.bed_view.mark_points(np.zeros((0, 3)))
            return
        shown = self.cam_panel.shown_sheet()
        copies = [finding_on_sheet(result, index, finding) for index in range(len(result.sheets))]
        marked = [sum(len(points) > 0 for points in sheet) for sheet in copies]
        points = np.vstack([np.zeros((0, 3)), *copies[shown]])
        # On the sheet's top, where the outlines are drawn: a corner the check found at a through cut's foot
        # would otherwise show beside its drawn corner, seen from above at a slant.
        points[:, 2] = result.sheets[shown].preview.thickness_mm
        self.bed_view.mark_points(points)
        if frame and len(points):
            self.bed_view.frame_box(frame_around(points))
        self._say(_marked_words(bool(finding.points), marked[shown], sum(marked) - marked[shown]))

    # Slicing.

    def _slice(self) -> None:
        part, setup = self.shown_part, self.fabricate_panel.setup
        if part is None or setup is None:
            return
        self.slice_runner.request(f"Slicing {part.name}…",
                                  lambda cancel, progress: slice_on_bed(part, setup, cancel.is_set, progress))

    def _on_slice_started(self, label: str) -> None:
        self.fabricate_panel.show_slicing(True)
        self._say(label)

    def _on_slice_progress(self, fraction: float, stage: str) -> None:
        self.fabricate_panel.show_progress(fraction, stage)
        self._say(f"Slicing: {stage} ({fraction:.0%})")

    def _on_sliced(self, sliced: SlicedPart) -> None:
        self.fabricate_panel.show_slicing(False)
        self._show_slice(sliced)
        estimate = sliced.program.estimate
        warnings = sliced.program.warnings
        self.fabricate_panel.show_message("\n".join(f"⚠ {w}" for w in warnings))
        self._say(f"Sliced — {estimate.layer_count} layers, {estimate.filament_g:.1f} g"
                  + (f"; {len(warnings)} warning(s) in the fabricate panel" if warnings else ""))

    def _on_slice_failed(self, message: str) -> None:
        self.fabricate_panel.show_slicing(False)
        self.fabricate_panel.show_message(f"Not sliced: {message}", error=True)
        self._say(f"Slicing failed: {message}", error=True)

    def _on_slice_cancelled(self) -> None:
        self.fabricate_panel.show_slicing(False)
        self._say("Slicing cancelled")

    def _show_slice(self, sliced: SlicedPart | None) -> None:
        """Show a slice's estimate, layers and legend; None: the part or setup changed, so hide the old one."""
        self.sliced = sliced
        self.fabricate_panel.show_estimate(sliced.program.estimate if sliced else None)
        self._preview_controls.setVisible(sliced is not None)
        self._no_slice_hint.setVisible(sliced is None)
        if sliced is None:
            self.bed_view.clear_toolpaths()
        else:
            preview = sliced.preview
            self.legend.set_features(preview.features_present())
            self.layer_bar.set_layers(preview.layer_z)
            self._show_layers(self.layer_bar.layer())
        self._enable_outputs()

    def _show_layers(self, layer: int) -> None:
        if self.sliced is None:
            return
        if self.toolpaths_shown.isChecked():
            preview = self.sliced.preview
            self.bed_view.show_toolpaths(preview.lines_up_to(layer), [feature_colour(f) for f in preview.names])
        else:
            self.bed_view.clear_toolpaths()

    # Files.

    def _ask_open(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open", "", OPEN_FILTER)
        if name:
            self.open_path(Path(name))

    def _ask_open_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Open template folder")
        if name:
            self.open_path(Path(name))

    def _ask_save_recipe(self) -> None:
        part = self.shown_part
        suggested = f"{part.template.id if part and part.template else 'part'}.localfab"
        name, _ = QFileDialog.getSaveFileName(self, "Save recipe", suggested, "Recipes (*.localfab)")
        if name:
            self.save_recipe_to(Path(name))

    def _ask_verify_recipe(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Verify recipe", "", "Recipes (*.localfab)")
        if name:
            self.verify_recipe(Path(name))

    def _ask_export(self, kind: str) -> None:
        part = self.shown_part
        stem = Path(part.name).stem if part else "part"
        name, _ = QFileDialog.getSaveFileName(self, "Export", f"{stem}.{kind}", EXPORTS[kind])
        if name:
            self.export_to(kind, Path(name))

    def _write(self, path: Path, write: Any) -> bool:
        try:
            write()
        except OSError as exc:
            self._say(f"Cannot write {path.name}: {exc.strerror or exc}", error=True)
            return False
        self._say(f"Saved {path}")
        return True

    def _enable_outputs(self) -> None:
        has_part, sliced = self.shown_part is not None, self.sliced
        self.save_recipe_action.setEnabled(sliced is not None and sliced.fabrication is not None)
        self.export_actions["stl"].setEnabled(has_part)
        self.export_actions["3mf"].setEnabled(has_part)
        self.export_actions["step"].setEnabled(has_part and self._template is not None
                                               and self._template.kind != "openscad")
        self.validate_action.setEnabled(self._template is not None)
        self.export_actions["gcode"].setEnabled(sliced is not None)
        self.workshop_action.setEnabled(sliced is not None and sliced.fabrication is not None)
        self.fabricate_panel.set_sendable(sliced is not None)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.open_path(paths[0])

    # The window itself.

    def _follow_theme(self) -> None:
        self.bed_view.set_dark(system_is_dark())
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _: self.bed_view.set_dark(system_is_dark()))

    def changeEvent(self, event: QEvent) -> None:
        # Desktops without a colour-scheme setting switch themes by palette.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and not self._closed:
            self.bed_view.set_dark(system_is_dark())
        super().changeEvent(event)

    def _show_busy(self, busy: bool) -> None:
        self._busy.setVisible(busy)
        self.cancel_button.setVisible(busy)

    def _say(self, message: str, *, error: bool = False) -> None:
        self._status.setText(message)
        self._status.setToolTip(message)  # a long message is cut off in the bar; the tooltip holds all of it
        self._status.setStyleSheet(ERROR_STYLE if error else "")

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed:
            self._closed = True
            self._edit_settled.stop()
            save_layout(self, self._splitters)
            self.build_runner.shutdown()
            self.slice_runner.shutdown()
            self.export_runner.shutdown()
            self.verify_runner.shutdown()
            if self.cam_panel is not None:
                self.cam_panel.shutdown()
            self.bed_view.close_view()
            self._scratch.cleanup()
        super().closeEvent(event)


def _fitting_size(wanted: tuple[int, int]) -> tuple[int, int]:
    """`wanted` (px), shrunk to leave a margin on a smaller screen (e.g. a 1366 × 768 laptop)."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return wanted
    room = screen.availableGeometry()
    return (min(wanted[0], int(room.width() * SCREEN_SHARE)), min(wanted[1], int(room.height() * SCREEN_SHARE)))


def _marked_words(located: bool, here: int, elsewhere: int) -> str:
    """What the status says of a CAM finding marked on `here` pieces on the sheet shown, `elsewhere` on others."""
    if not located:
        return "The check gives no place for this finding: it concerns the whole part or the setup"
    others = f"; {elsewhere} more on other sheets" if elsewhere else ""
    if not here:
        return f"Not on this sheet: it is on {elsewhere} piece{'s' * (elsewhere != 1)} on other sheets"
    return f"Marked where it is on {here} piece{'s' * (here != 1)} on this sheet{others}"


def _dropped_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.suffix.lower() in OPENABLE_SUFFIXES or (p / MANIFEST_NAME).is_file()]


def _mm(value: float) -> str:
    """A length for people: 80, 80.5, 80.25 (no trailing zeros)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
