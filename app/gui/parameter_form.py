"""The parameter form: one editor per declared parameter, drawn from the template's schema.

Nothing here validates beyond what the editors enforce by themselves (ranges, steps, text length): the
schema's `resolve` is the one judge of a set of values, and the form only shows what it says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from parametric_designs.schema import Parameter, ParameterSchema

# A number without a declared bound still needs one for the spin box; far beyond any part on a desk.
UNBOUNDED = 1e6
MAX_DECIMALS = 4
PROBLEM_STYLE = "color: #b3261e; background: #fdecea; border: 1px solid #f3b8b2; border-radius: 4px; padding: 6px;"

Editor = QDoubleSpinBox | QSpinBox | QCheckBox | QComboBox | QLineEdit


class ParameterForm(QWidget):
    """Editors for a schema's parameters, grouped by their `group`, with a place to show what is wrong."""

    edited = Signal()  # the person changed a value

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._schema: ParameterSchema | None = None
        self._editors: dict[str, Editor] = {}

        self._title = QLabel("Parameters")
        self._title.setStyleSheet("font-weight: 600; font-size: 11pt;")
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

        self._reset = QPushButton("Reset to defaults")
        self._reset.setToolTip("Put every parameter back to the design's default value")
        self._reset.clicked.connect(self._reset_to_defaults)
        self._reset.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self._title)
        layout.addWidget(self._problem)
        layout.addWidget(scroll, 1)
        layout.addWidget(self._reset)

    def set_schema(self, schema: ParameterSchema, values: Mapping[str, Any], title: str = "Parameters") -> None:
        """Replace the editors with ones for `schema`, showing `values` (typed, e.g. from schema.resolve)."""
        self._schema = schema
        self._editors.clear()
        while self._groups_layout.count():
            item = self._groups_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._title.setText(title)
        groups: dict[str, QFormLayout] = {}
        labels: list[QLabel] = []
        for parameter in schema.parameters:
            if parameter.group not in groups:
                box = QGroupBox(parameter.group)
                groups[parameter.group] = QFormLayout(box)
                groups[parameter.group].setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
                self._groups_layout.addWidget(box)
            editor = _editor_for(parameter)
            _show_value(editor, values.get(parameter.name, parameter.default))
            _connect_edits(editor, self._on_editor_changed)
            label = QLabel(parameter.label)
            tip = _tooltip(parameter)
            label.setToolTip(tip)
            editor.setToolTip(tip)
            label.setBuddy(editor)
            labels.append(label)
            groups[parameter.group].addRow(label, editor)
            self._editors[parameter.name] = editor
        self._groups_layout.addStretch(1)
        # One label width across all groups, so the editors line up from box to box.
        widest = max((label.sizeHint().width() for label in labels), default=0)
        for label in labels:
            label.setMinimumWidth(widest)
        self._reset.setEnabled(True)
        self.show_problem(None)

    def values(self) -> dict[str, Any]:
        """The value in every editor, by parameter name, as the editors hold them (not yet validated)."""
        return {name: _read_value(editor) for name, editor in self._editors.items()}

    def editor(self, name: str) -> Editor:
        """The widget that edits parameter `name`."""
        return self._editors[name]

    def show_problem(self, message: str | None) -> None:
        """Show why the values cannot be built (None hides it)."""
        self._problem.setText(message or "")
        self._problem.setVisible(bool(message))

    def problem(self) -> str | None:
        return self._problem.text() if self._problem.isVisible() else None

    def _on_editor_changed(self, *_new_value: Any) -> None:
        self.edited.emit()

    def _reset_to_defaults(self) -> None:
        if self._schema is None:
            return
        for parameter in self._schema.parameters:
            editor = self._editors[parameter.name]
            editor.blockSignals(True)  # one `edited` for the whole reset, not one per editor
            _show_value(editor, parameter.default)
            editor.blockSignals(False)
        self.edited.emit()


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
