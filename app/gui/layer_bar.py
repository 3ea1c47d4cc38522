"""The layer slider of the toolpath preview: which layers are drawn, and the height of the top one."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSlider, QVBoxLayout, QWidget


class LayerBar(QWidget):
    """A vertical slider over the printed layers (bottom at the bottom) with the top layer's number and z."""

    layer_changed = Signal(int)  # index of the top layer to draw, 0 for the first

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layer_z: tuple[float, ...] = ()
        self.slider = QSlider(Qt.Orientation.Vertical)
        self.slider.setToolTip("Drag, or use the arrow and Page keys, to see the print layer by layer")
        self.slider.valueChanged.connect(self._on_moved)
        self._label = QLabel()
        self._label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._label)
        layout.addWidget(self.slider, 1, Qt.AlignmentFlag.AlignHCenter)

    def set_layers(self, layer_z: Sequence[float]) -> None:
        """Offer layers with tops at `layer_z` (mm, bottom first), showing all of them."""
        self._layer_z = tuple(layer_z)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(self._layer_z) - 1, 0))
        self.slider.setPageStep(max(len(self._layer_z) // 10, 1))
        self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self._show_label(self.slider.value())

    def layer(self) -> int:
        return self.slider.value()

    def _on_moved(self, layer: int) -> None:
        self._show_label(layer)
        self.layer_changed.emit(layer)

    def _show_label(self, layer: int) -> None:
        if self._layer_z:
            self._label.setText(f"Layer\n{layer + 1} / {len(self._layer_z)}\n{self._layer_z[layer]:.2f} mm")
        else:
            self._label.clear()
