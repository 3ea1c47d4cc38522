"""A number with a slider beside its spin box: drag for a quick look, type for an exact value."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QSlider, QSpinBox, QWidget

# Ranges with more steps than this move the slider in coarser steps; the spin box keeps the exact step.
MAX_SLIDER_STEPS = 1000
SLIDER_SHARE = 3  # the slider takes this many parts of the row's width for each part the spin box takes
# Spin boxes are at least as wide as this text plus their arrows, so sliders line up from row to row.
SPIN_SAMPLE_TEXT = "0000.00 mm"
SPIN_ARROWS_PX = 28


class NumberField(QWidget):
    """A slider kept in step with `spin`; the spin box holds the value and is what the form reads.

    The slider takes no keyboard focus, so Tab goes from spin box to spin box through the form.
    """

    def __init__(self, spin: QDoubleSpinBox | QSpinBox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = spin
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        low, high = spin.minimum(), spin.maximum()
        self._low = float(low)
        self._step = max(float(spin.singleStep()), (float(high) - float(low)) / MAX_SLIDER_STEPS)
        self.slider.setRange(0, round((float(high) - float(low)) / self._step))
        self._show_on_slider(spin.value())
        spin.valueChanged.connect(self._show_on_slider)
        self.slider.valueChanged.connect(self._slider_moved)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, SLIDER_SHARE)
        layout.addWidget(spin, 2)
        self.setFocusProxy(spin)
        spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance(SPIN_SAMPLE_TEXT) + SPIN_ARROWS_PX)

    def sync_slider(self) -> None:
        """Move the slider to the spin box's value (after the spin box was set with its signals blocked)."""
        self._show_on_slider(self.spin.value())

    def _show_on_slider(self, value: float) -> None:
        self.slider.blockSignals(True)  # the spin box already has this value; no echo back to it
        self.slider.setValue(round((float(value) - self._low) / self._step))
        self.slider.blockSignals(False)

    def _slider_moved(self, position: int) -> None:
        self.spin.setValue(self._low + position * self._step)
