"""Presets of the open design: pick one to load its values, or save the values in the form under a name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QInputDialog, QLabel, QPushButton, QWidget

from app.errors import USER_ERRORS
from parametric_designs.presets import list_presets, load_preset, save_preset
from parametric_designs.templates import Template

CHOOSE = "Choose a preset…"


class PresetBar(QWidget):
    """Loads and saves presets (parametric_designs.presets) for one template at a time."""

    loaded = Signal(object)  # the preset's values, checked against the template's schema
    failed = Signal(str)  # a message for a person

    def __init__(self, current_values: Callable[[], Mapping[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._current_values = current_values
        self._template: Template | None = None
        self.choice = QComboBox()
        self.choice.setToolTip("Load a saved set of values (undo brings the previous ones back)")
        self.choice.activated.connect(self._on_activated)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the values in the form as a preset of this design")
        self.save_button.clicked.connect(self._ask_name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Presets"))
        layout.addWidget(self.choice, 1)
        layout.addWidget(self.save_button)
        self.set_template(None)

    def set_template(self, template: Template | None) -> None:
        """Offer the presets of `template` (None: a mesh file, which has no presets)."""
        self._template = template
        self.setEnabled(template is not None)
        self._refresh()

    def names(self) -> list[str]:
        return [self.choice.itemText(i) for i in range(1, self.choice.count())]

    def save_as(self, name: str) -> bool:
        """Save the form's values as preset `name`; say why not when they cannot be saved."""
        if self._template is None:
            return False
        try:
            save_preset(self._template, name, self._current_values())
        except USER_ERRORS as exc:
            self.failed.emit(f"Preset not saved: {exc}")
            return False
        self._refresh(chosen=name)
        return True

    def load(self, name: str) -> None:
        if self._template is None:
            return
        try:
            values = load_preset(self._template, name)
        except USER_ERRORS as exc:
            self.failed.emit(f"Preset not loaded: {exc}")
            return
        self.loaded.emit(values)

    def _refresh(self, chosen: str | None = None) -> None:
        self.choice.clear()
        self.choice.addItem(CHOOSE)
        if self._template is not None:
            self.choice.addItems(list_presets(self._template))
        self.choice.setCurrentIndex(max(self.choice.findText(chosen), 0) if chosen else 0)

    def _on_activated(self, index: int) -> None:
        if index > 0:
            self.load(self.choice.itemText(index))

    def _ask_name(self) -> None:
        name, accepted = QInputDialog.getText(self, "Save preset", "Name of the preset:")
        if accepted and name.strip():
            self.save_as(name.strip())
