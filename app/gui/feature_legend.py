"""The legend of the toolpath preview: a colour swatch and a name for each feature the program extrudes."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from app.gui.feature_colours import feature_colour

SWATCH_PX = 12


class FeatureLegend(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(4, 4, 4, 4)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(2)

    def set_features(self, features: Sequence[str]) -> None:
        """Show one row per feature name, in the order given."""
        while self._grid.count():
            self._grid.takeAt(0).widget().deleteLater()
        for row, feature in enumerate(features):
            swatch = QLabel()
            swatch.setFixedSize(SWATCH_PX, SWATCH_PX)
            swatch.setStyleSheet(f"background: {feature_colour(feature)}; border: 1px solid #555;")
            self._grid.addWidget(swatch, row, 0)
            self._grid.addWidget(QLabel(feature), row, 1)

    def names(self) -> list[str]:
        return [self._grid.itemAtPosition(row, 1).widget().text() for row in range(self._grid.rowCount())
                if self._grid.itemAtPosition(row, 1) is not None]
