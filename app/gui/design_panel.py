"""The design library: every template with its thumbnail, found by words, tag and process."""

from __future__ import annotations

import html
from collections.abc import Mapping

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from parametric_designs.templates import Template

THUMBNAIL_PX = 56
# Process ids of parametric_designs.templates.PROCESSES, as people call them.
PROCESS_NAMES = {"fdm": "3D print", "cnc": "CNC", "laser": "Laser"}
ANY = ""  # the filter entry that lets every design through


class DesignPanel(QWidget):
    """Lists templates by name with their thumbnail, filters them, and describes the chosen one."""

    chosen = Signal(object)  # Template

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._templates: list[Template] = []
        title = QLabel("Designs")
        title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search designs…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Find designs by name, description or tag")
        self.search.textChanged.connect(self._apply_filter)
        self.process = QComboBox()
        self.process.setToolTip("Show only designs made by this process")
        self.process.addItem("Any process", ANY)
        for process_id, name in PROCESS_NAMES.items():
            self.process.addItem(name, process_id)
        self.process.currentIndexChanged.connect(self._apply_filter)
        self.tag = QComboBox()
        self.tag.setToolTip("Show only designs with this tag")
        self.tag.currentIndexChanged.connect(self._apply_filter)
        filters = QHBoxLayout()
        filters.addWidget(self.process, 1)
        filters.addWidget(self.tag, 1)

        self.list = QListWidget()
        self.list.setIconSize(QSize(THUMBNAIL_PX, THUMBNAIL_PX))
        self.list.setSpacing(2)
        self.list.setUniformItemSizes(True)
        self.list.currentRowChanged.connect(self._on_row_changed)
        self._nothing_found = QLabel("No design matches: clear the search or the filters")
        self._nothing_found.setWordWrap(True)
        self._nothing_found.hide()
        self._about = QLabel()
        self._about.setWordWrap(True)
        self._about.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.list, 1)
        layout.addWidget(self._nothing_found)
        layout.addWidget(self._about)

    def set_templates(self, templates: Mapping[str, Template]) -> None:
        """Show `templates` (by id) in order; the first one is chosen."""
        self._templates = []
        self.list.clear()
        for template in templates.values():
            self._add_row(template)
        self._fill_tags()
        if self._templates:
            self.list.setCurrentRow(0)

    def show_template(self, template: Template) -> None:
        """Show a template opened from a folder, a file or a recipe (added, or refreshed by id) as the chosen
        one, without announcing it: whoever opened it opens it with its values."""
        ids = [known.id for known in self._templates]
        if template.id in ids:
            row = ids.index(template.id)
            self._templates[row] = template
            self.list.item(row).setText(template.name)
        else:
            self._add_row(template)
            self._fill_tags()
            row = len(self._templates) - 1
        for control in (self.list, self.search, self.process, self.tag):
            control.blockSignals(True)
        self.search.clear()
        self.process.setCurrentIndex(0)
        self.tag.setCurrentIndex(0)
        self.list.setCurrentRow(row)
        for control in (self.list, self.search, self.process, self.tag):
            control.blockSignals(False)
        self._apply_filter()
        self._about.setText(_describe(template))

    def show_no_design(self) -> None:
        """Choose nothing, without announcing it: what is on the bed is not from the library."""
        self.list.blockSignals(True)
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        self._about.clear()

    def visible_names(self) -> list[str]:
        """The names of the designs the filters let through, in list order."""
        return [self._templates[row].name for row in range(self.list.count()) if not self.list.item(row).isHidden()]

    def _add_row(self, template: Template) -> None:
        self._templates.append(template)
        item = QListWidgetItem(template.name)
        processes = ", ".join(PROCESS_NAMES.get(p, p) for p in template.processes)
        item.setToolTip(f"{template.description}\n\n{processes} · tags: {', '.join(template.tags) or 'none'}")
        item.setIcon(QIcon(str(template.thumbnail)) if template.thumbnail is not None else _blank_icon())
        self.list.addItem(item)

    def _fill_tags(self) -> None:
        chosen = self.tag.currentData()
        self.tag.blockSignals(True)
        self.tag.clear()
        self.tag.addItem("Any tag", ANY)
        for tag in sorted({tag for template in self._templates for tag in template.tags}, key=str.lower):
            self.tag.addItem(tag, tag)
        self.tag.setCurrentIndex(max(self.tag.findData(chosen), 0))
        self.tag.blockSignals(False)

    def _apply_filter(self) -> None:
        words = self.search.text()
        process, tag = self.process.currentData(), self.tag.currentData()
        shown = 0
        for row, template in enumerate(self._templates):
            hidden = not template_matches(template, words, process, tag)
            self.list.item(row).setHidden(hidden)
            shown += not hidden
        self._nothing_found.setVisible(bool(self._templates) and shown == 0)

    def _on_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._templates):
            template = self._templates[row]
            self._about.setText(_describe(template))
            self.chosen.emit(template)
        else:
            self._about.clear()


def template_matches(template: Template, words: str, process: str, tag: str) -> bool:
    """Whether `template` has every one of `words` in its name, description or tags, is made by `process`
    and carries `tag` (ANY for either lets everything through)."""
    if process != ANY and process not in template.processes:
        return False
    if tag != ANY and tag not in template.tags:
        return False
    haystack = " ".join((template.name, template.description, *template.tags)).lower()
    return all(word in haystack for word in words.lower().split())


def _blank_icon() -> QIcon:
    """A transparent thumbnail, so designs without a picture keep the same row height and indent."""
    blank = QPixmap(THUMBNAIL_PX, THUMBNAIL_PX)
    blank.fill(Qt.GlobalColor.transparent)
    return QIcon(blank)


def _describe(template: Template) -> str:
    byline = f"version {template.version} · {template.author} · {template.licence}"
    processes = ", ".join(PROCESS_NAMES.get(p, p) for p in template.processes)
    return (f"<b>{html.escape(template.name)}</b><br>"
            f"<span style='color:#778'>{html.escape(byline)}<br>"
            f"{html.escape(processes)}</span>"
            f"<p>{html.escape(template.description)}</p>")
