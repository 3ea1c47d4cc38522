"""The parameter form: one editor per declared parameter, drawn from the template's schema, in foldable
sections by group, with what is wrong shown next to the field it concerns, and undo and redo of edits.

Nothing here judges the values: the schema does (through app.gui.parameter_problems), and the form only shows
what it says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.gui.collapsible_section import CollapsibleSection
from app.gui.number_field import NumberField
from app.gui.preset_bar import PresetBar
from parametric_designs.schema import Parameter, ParameterSchema

# A number without a declared bound still needs one for the spin box; far beyond any part on a desk.
UNBOUNDED = 1e6
MAX_DECIMALS = 4
PROBLEM_STYLE = "color: #b3261e; background: #fdecea; border: 1px solid #f3b8b2; border-radius: 4px; padding: 6px;"
FIELD_PROBLEM_STYLE = "color: #b3261e;"

Editor = QDoubleSpinBox | QSpinBox | QCheckBox | QComboBox | QLineEdit


class ParameterForm(QWidget):
    """Editors for a schema's parameters, grouped by their `group`, with a place to show what is wrong."""

    edited = Signal()  # a value changed: typed, dragged, reset, undone or redone

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._schema: ParameterSchema | None = None
        self._editors: dict[str, Editor] = {}
        self._field_problems: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}  # what sits right of each label: the editor, or it with a slider
        self.sections: dict[str, CollapsibleSection] = {}
        # The values the last edit left, so the next one knows what it changed from.
        self._committed: dict[str, Any] = {}
        self.undo_stack = QUndoStack(self)

        self._title = QLabel("Parameters")
        self._title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self._title.setWordWrap(True)
        self._problem = QLabel()
        self._problem.setWordWrap(True)
        self._problem.setStyleSheet(PROBLEM_STYLE)
        self._problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._problem.hide()

        self._groups = QWidget()
        self._groups_layout = QVBoxLayout(self._groups)
        self._groups_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self._groups)

        self.presets = PresetBar(self.values)
        self.presets.loaded.connect(self.apply_values)

        self._reset = QPushButton("Reset to defaults")
        self._reset.setToolTip("Put every parameter back to the design's default value (undo brings them back)")
        self._reset.clicked.connect(self._reset_to_defaults)
        self._reset.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self._title)
        layout.addWidget(self.presets)
        layout.addWidget(self._problem)
        layout.addWidget(scroll, 1)
        layout.addWidget(self._reset)

    def set_schema(self, schema: ParameterSchema, values: Mapping[str, Any], title: str = "Parameters") -> None:
        """Replace the editors with ones for `schema`, showing `values` (typed, e.g. from schema.resolve).

        Undo history belongs to one design, so it starts afresh.
        """
        self._schema = schema
        self._editors.clear()
        self._field_problems.clear()
        self._fields.clear()
        self.sections.clear()
        while self._groups_layout.count():
            item = self._groups_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._title.setText(title)
        labels: list[QLabel] = []
        for parameter in schema.parameters:
            if parameter.group not in self.sections:
                self.sections[parameter.group] = CollapsibleSection(parameter.group)
                self._groups_layout.addWidget(self.sections[parameter.group])
            form = self.sections[parameter.group].form
            editor = _editor_for(parameter)
            _show_value(editor, values.get(parameter.name, parameter.default))
            _connect_edits(editor, lambda *_, name=parameter.name: self._on_editor_changed(name))
            label = QLabel(parameter.label)
            tip = _tooltip(parameter)
            label.setToolTip(tip)
            editor.setToolTip(tip)
            label.setBuddy(editor)
            labels.append(label)
            field = NumberField(editor) if _has_slider(parameter) else editor
            form.addRow(label, field)
            problem = QLabel()
            problem.setWordWrap(True)
            problem.setStyleSheet(FIELD_PROBLEM_STYLE)
            problem.hide()
            form.addRow("", problem)
            self._field_problems[parameter.name] = problem
            self._fields[parameter.name] = field
            self._editors[parameter.name] = editor
        self._groups_layout.addStretch(1)
        # One label width across all groups, so the editors line up from section to section.
        widest = max((label.sizeHint().width() for label in labels), default=0)
        for label in labels:
            label.setMinimumWidth(widest)
        self._reset.setEnabled(bool(schema.parameters))
        self._committed = self.values()
        self.undo_stack.clear()
        self.show_problem(None)

    def values(self) -> dict[str, Any]:
        """The value in every editor, by parameter name, as the editors hold them (not yet validated)."""
        return {name: _read_value(editor) for name, editor in self._editors.items()}

    def apply_values(self, values: Mapping[str, Any]) -> None:
        """Show `values` (e.g. from a preset or a recipe) as one edit that undo takes back."""
        before = dict(self._committed)
        self._show_values(values)
        self._push_edit(before, None)

    def editor(self, name: str) -> Editor:
        """The widget that edits parameter `name` (for a number: its spin box)."""
        return self._editors[name]

    def show_field_problems(self, problems: Mapping[str, list[str]]) -> None:
        """Show each parameter's problems under its editor; parameters not named are shown as fine."""
        for name, label in self._field_problems.items():
            messages = problems.get(name, [])
            label.setText("\n".join(messages))
            # A wrapped label in a form row gets the height of its unwrapped text; ask for all of its lines.
            label.setMinimumHeight(label.heightForWidth(self._fields[name].width()) if messages else 0)
            label.setVisible(bool(messages))
            if messages:  # a folded section would hide the very field that needs changing
                self.sections[self._schema.get(name).group].set_expanded(True)

    def field_problem(self, name: str) -> str | None:
        label = self._field_problems[name]
        return label.text() if not label.isHidden() else None

    def show_problem(self, message: str | None) -> None:
        """Show why the values could not be built, above the form (None hides it)."""
        self._problem.setText(message or "")
        self._problem.setVisible(bool(message))

    def _on_editor_changed(self, name: str) -> None:
        self._push_edit(dict(self._committed), name)

    def _push_edit(self, before: dict[str, Any], name: str | None) -> None:
        after = self.values()
        self._committed = after
        if after != before:
            self.undo_stack.push(_ParameterEdit(self, before, after, name))
        self.edited.emit()

    def _show_values(self, values: Mapping[str, Any]) -> None:
        for name, editor in self._editors.items():
            if name in values:
                editor.blockSignals(True)  # one `edited` for the whole change, not one per editor
                _show_value(editor, values[name])
                editor.blockSignals(False)
        # Sliders follow their spin box through valueChanged, which was blocked: move them explicitly.
        for field in self.findChildren(NumberField):
            field.sync_slider()

    def _restore(self, values: Mapping[str, Any]) -> None:
        """Show `values` as they were before or after an edit (undo and redo)."""
        self._show_values(values)
        self._committed = self.values()
        self.edited.emit()

    def _reset_to_defaults(self) -> None:
        if self._schema is not None:
            self.apply_values(self._schema.defaults())


class _ParameterEdit(QUndoCommand):
    """One edit of the form's values; typing or dragging on one field merges into one step."""

    MERGE_ID = 1

    def __init__(self, form: ParameterForm, before: dict[str, Any], after: dict[str, Any], name: str | None) -> None:
        label = form._schema.get(name).label if name else "parameters"
        super().__init__(f"change {label}")
        self._form = form
        self._before = before
        self._after = after
        self._name = name
        self._done = True  # the editors show `after` already when the command is pushed

    def id(self) -> int:
        return self.MERGE_ID if self._name else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _ParameterEdit) or other._name != self._name:
            return False
        self._after = other._after
        return True

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self._form._restore(self._after)

    def undo(self) -> None:
        self._form._restore(self._before)


def _editor_for(parameter: Parameter) -> Editor:
    suffix = f" {parameter.unit}" if parameter.unit else ""
    match parameter.type:
        case "number":
            spin = QDoubleSpinBox()
            # As many decimals as the step needs; without a step, hundredths of a unit.
            step_decimals = _decimals(parameter.step) if parameter.step else 2
            spin.setDecimals(max(step_decimals, _decimals(parameter.default)))
            spin.setRange(_bound(parameter.min, -UNBOUNDED), _bound(parameter.max, UNBOUNDED))
            spin.setSingleStep(parameter.step or 1.0)
            spin.setSuffix(suffix)
            spin.setAccelerated(True)
            return spin
        case "integer":
            whole = QSpinBox()
            whole.setRange(int(_bound(parameter.min, -UNBOUNDED)), int(_bound(parameter.max, UNBOUNDED)))
            whole.setSingleStep(int(parameter.step or 1))
            whole.setSuffix(suffix)
            return whole
        case "boolean":
            return QCheckBox()
        case "choice":
            combo = QComboBox()
            for choice in parameter.choices:
                combo.addItem(choice.label, choice.value)
            return combo
        case _:
            line = QLineEdit()
            if parameter.max_length is not None:
                line.setMaxLength(parameter.max_length)
            return line


def _has_slider(parameter: Parameter) -> bool:
    return parameter.type in ("number", "integer") and parameter.min is not None and parameter.max is not None


def _show_value(editor: Editor, value: Any) -> None:
    if isinstance(editor, QDoubleSpinBox | QSpinBox):
        editor.setValue(value)
    elif isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QComboBox):
        editor.setCurrentIndex(max(editor.findData(value), 0))
    else:
        editor.setText(str(value))


def _read_value(editor: Editor) -> Any:
    if isinstance(editor, QDoubleSpinBox | QSpinBox):
        return editor.value()
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QComboBox):
        return editor.currentData()
    return editor.text()


def _connect_edits(editor: Editor, notify: Any) -> None:
    if isinstance(editor, QDoubleSpinBox | QSpinBox):
        editor.valueChanged.connect(notify)
    elif isinstance(editor, QCheckBox):
        editor.toggled.connect(notify)
    elif isinstance(editor, QComboBox):
        editor.currentIndexChanged.connect(notify)
    else:
        editor.textEdited.connect(notify)


def _tooltip(parameter: Parameter) -> str:
    allowed = f"Allowed: {parameter.describe_allowed()}" if parameter.type in ("number", "integer") else ""
    return "\n".join(part for part in (parameter.help, allowed) if part)


def _bound(limit: float | None, fallback: float) -> float:
    return fallback if limit is None else float(limit)


def _decimals(number: float | None) -> int:
    """How many decimals it takes to show `number` exactly (0.05 -> 2), capped."""
    if number is None or isinstance(number, bool) or not isinstance(number, int | float):
        return 0
    digits = f"{float(number):.{MAX_DECIMALS}f}".rstrip("0").partition(".")[2]
    return len(digits)
