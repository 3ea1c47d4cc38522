"""The main window: designs on the left, the printer's bed in the middle, the chosen design's parameters on
the right, and a status bar that says what is happening.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QPushButton, QSizePolicy, QSplitter, QWidget

from app.errors import USER_ERRORS
from app.gui.bed_view import BedView
from app.gui.build_runner import BuildRunner, PlacedPart
from app.gui.design_panel import DesignPanel
from app.gui.parameter_form import ParameterForm
from app.profiles import FdmSetup, resolve_fdm_setup
from parametric_designs.errors import ParameterError
from parametric_designs.templates import Template, discover

DEFAULT_SIZE = (1400, 900)
PANEL_WIDTHS = (250, 830, 340)
# Wait this long after the last edit before building, so typing "120" builds once, not for 1, 12 and 120.
EDIT_SETTLE_MS = 300
ERROR_STYLE = "color: #b3261e;"


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("localfab")
        self.resize(*DEFAULT_SIZE)

        self.design_panel = DesignPanel()
        self.bed_view = BedView()
        self.parameter_form = ParameterForm()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        for index, panel in enumerate((self.design_panel, self.bed_view, self.parameter_form)):
            splitter.addWidget(panel)
            splitter.setCollapsible(index, False)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes(list(PANEL_WIDTHS))
        self.setCentralWidget(splitter)

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

        self._build_menus()

        self._template: Template | None = None
        self._framed_template_id: str | None = None
        self._closed = False
        self.shown_part: PlacedPart | None = None
        self.build_runner: BuildRunner | None = None

        self._edit_settled = QTimer(self)
        self._edit_settled.setSingleShot(True)
        self._edit_settled.setInterval(EDIT_SETTLE_MS)
        self._edit_settled.timeout.connect(self._build_edited_values)

        self._open_library()

    def status_text(self) -> str:
        return self._status.text()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setStatusTip("Close localfab")
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)
        view_menu = self.menuBar().addMenu("&View")
        frame_action = QAction("&Fit bed and part", self)
        frame_action.setShortcut(QKeySequence("Ctrl+0"))
        frame_action.triggered.connect(self.bed_view.frame)
        view_menu.addAction(frame_action)

    def _open_library(self) -> None:
        """Read the printer profile and the designs; a broken file is reported here rather than crashing."""
        try:
            setup = resolve_fdm_setup()
            templates = discover()
        except USER_ERRORS as exc:
            self._say(f"Cannot start: {exc}", error=True)
            return
        self._show_printer(setup)
        self.build_runner = BuildRunner(setup.settings, self)
        self.build_runner.started.connect(self._on_build_started)
        self.build_runner.built.connect(self._on_built)
        self.build_runner.failed.connect(self._on_build_failed)
        self.build_runner.cancelled.connect(self._on_build_cancelled)
        self.cancel_button.clicked.connect(self.build_runner.cancel)
        self.design_panel.chosen.connect(self._choose_design)
        self.parameter_form.edited.connect(self._edit_settled.start)
        if not templates:
            self._say("No designs found in the library")
            return
        self.design_panel.set_templates(templates)

    def _show_printer(self, setup: FdmSetup) -> None:
        size_x, size_y = float(setup.settings["bed_size_x"]), float(setup.settings["bed_size_y"])
        self._printer.setText(setup.printer.name)
        self._printer.setToolTip(f"Bed {_mm(size_x)} × {_mm(size_y)} mm, "
                                 f"up to {_mm(float(setup.settings['max_print_height']))} mm tall")
        self.bed_view.show_bed(size_x, size_y)

    def _choose_design(self, template: Template) -> None:
        self._template = template
        self._edit_settled.stop()
        self.shown_part = None
        self.bed_view.clear_part()
        self.parameter_form.set_schema(template.schema, template.schema.defaults(), title=template.name)
        self.build_runner.request(template, template.schema.defaults())

    def _build_edited_values(self) -> None:
        if self._template is None or self._closed:
            return
        values = self.parameter_form.values()
        try:
            self._template.schema.resolve(values)
        except ParameterError as exc:
            # The part on screen stays as it was; building these values would only fail.
            self.build_runner.discard_running()
            self._show_busy(False)
            self.parameter_form.show_problem(str(exc))
            self._say(f"Not built: {exc}", error=True)
            return
        self.parameter_form.show_problem(None)
        self.build_runner.request(self._template, values)

    def _on_build_started(self, template: Template) -> None:
        self._show_busy(True)
        self._say(f"Building {template.name}…")

    def _on_built(self, part: PlacedPart) -> None:
        self._show_busy(False)
        first_show = part.template.id != self._framed_template_id
        self.shown_part = part
        self.bed_view.show_part(part.surface, frame=first_show, printable=not part.problems)
        self._framed_template_id = part.template.id
        size = " × ".join(_mm(float(v)) for v in part.mesh.extents)
        summary = f"Ready — {len(part.mesh.faces)} facets, {size} mm"
        if part.problems:
            self._say(f"{summary} — {'; '.join(part.problems)}", error=True)
        else:
            self._say(summary)

    def _on_build_failed(self, message: str) -> None:
        self._show_busy(False)
        self.parameter_form.show_problem(message)
        self._say(f"Build failed: {message}", error=True)

    def _on_build_cancelled(self) -> None:
        self._show_busy(False)
        self._say("Build cancelled — change a value to build again")

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
            if self.build_runner is not None:
                self.build_runner.shutdown()
            self.bed_view.close_view()
        super().closeEvent(event)


def _mm(value: float) -> str:
    """A length for people: 80, 80.5, 80.25 (no trailing zeros)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
