"""The About box: what localfab is, its version, and the version and licence of each library it ships with,
read from the installed packages' metadata so the box never goes stale."""

from __future__ import annotations

import html
import platform
from importlib import metadata

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.version import app_version

# The libraries a person receives with localfab, by distribution name.
SHIPPED = ("PySide6-Essentials", "vtk", "pyvista", "pyvistaqt", "numpy", "trimesh", "numpy-stl", "shapely",
           "manifold3d", "pyclipper", "cadquery", "cadquery-ocp", "lib3mf", "networkx", "lxml", "pillow",
           "platformdirs", "requests", "pyserial")
# A licence field longer than this is the licence's full text, not its name.
MAX_LICENCE_NAME = 80


def library_versions() -> list[tuple[str, str, str]]:
    """(name, version, licence) of each shipped library that is installed."""
    rows = []
    for name in SHIPPED:
        try:
            meta = metadata.metadata(name)
        except metadata.PackageNotFoundError:
            continue
        rows.append((name, meta["Version"], _licence(meta)))
    return rows


def _licence(meta: metadata.PackageMetadata) -> str:
    expression = meta.get("License-Expression")
    if expression:
        return expression
    declared = (meta.get("License") or "").strip()
    if declared and len(declared) <= MAX_LICENCE_NAME and "\n" not in declared:
        return declared
    classifiers = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return ", ".join(classifiers) or "see the package"


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About localfab")
        intro = QLabel(
            f"<h2>localfab {html.escape(app_version())}</h2>"
            "<p>Design-to-fabrication for one person at a desk: customize a parametric design, check it, "
            "slice it, send it.</p>"
            "<p>localfab is free software under the GNU General Public License, version 3 or later. "
            "Each design carries its own licence, shown in the library.</p>"
            f"<p>Python {html.escape(platform.python_version())} on {html.escape(platform.system())}</p>")
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rows = library_versions()
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Library", "Version", "Licence"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(560, 560)
