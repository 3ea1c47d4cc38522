"""The list of designs to choose from, and what the chosen one is."""

from __future__ import annotations

import html
from collections.abc import Mapping

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from parametric_designs.templates import Template

THUMBNAIL_PX = 48


class DesignPanel(QWidget):
    """Lists templates by name (with their thumbnail when they have one) and describes the chosen one."""

    chosen = Signal(object)  # Template

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._templates: list[Template] = []
        title = QLabel("Designs")
        title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.list = QListWidget()
        self.list.setIconSize(QSize(THUMBNAIL_PX, THUMBNAIL_PX))
        self.list.setSpacing(2)
        self.list.currentRowChanged.connect(self._on_row_changed)
        self._about = QLabel()
        self._about.setWordWrap(True)
        self._about.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self._about)

    def set_templates(self, templates: Mapping[str, Template]) -> None:
        """Show `templates` (by id) in order; the first one is chosen."""
        self._templates = list(templates.values())
        self.list.clear()
        # Designs without a thumbnail get an empty one, so every row has the same height and indent.
        blank = QPixmap(THUMBNAIL_PX, THUMBNAIL_PX)
        blank.fill(Qt.GlobalColor.transparent)
        for template in self._templates:
            item = QListWidgetItem(template.name)
            item.setToolTip(template.description)
            item.setIcon(QIcon(str(template.thumbnail)) if template.thumbnail is not None else QIcon(blank))
            self.list.addItem(item)
        if self._templates:
            self.list.setCurrentRow(0)

    def _on_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._templates):
            template = self._templates[row]
            self._about.setText(_describe(template))
            self.chosen.emit(template)
        else:
            self._about.clear()


def _describe(template: Template) -> str:
    byline = f"version {template.version} · {template.author} · {template.licence}"
    return (f"<b>{html.escape(template.name)}</b><br>"
            f"<span style='color:#667'>{html.escape(byline)}</span>"
            f"<p>{html.escape(template.description)}</p>")
