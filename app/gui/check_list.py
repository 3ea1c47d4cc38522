"""The check's findings, errors first; choosing one asks the viewport to show where it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QStyle, QVBoxLayout, QWidget

if TYPE_CHECKING:  # importing app.checks loads trimesh, which the window must not wait for at start-up
    from app.checks import CheckReport, Finding

# app.checks.report.SEVERITIES, most severe first; a test keeps the two in step.
SEVERITIES = ("error", "warning", "info")

ICONS = {
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
}


class CheckList(QWidget):
    """Lists a CheckReport's findings by severity, and offers a colour overlay of overhangs and thin walls."""

    finding_chosen = Signal(object)  # Finding, or None when nothing is chosen
    overlay_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._findings: list[Finding] = []
        self._summary = QLabel("Checks: nothing checked yet")
        self._summary.setStyleSheet("font-weight: 600;")
        self.overlay = QCheckBox("Colour overhangs and thin walls")
        self.overlay.setToolTip("Paint the facets the check found overhanging (yellow) or too thin (purple)")
        self.overlay.toggled.connect(self.overlay_toggled)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.currentRowChanged.connect(self._on_row_changed)
        header = QHBoxLayout()
        header.addWidget(self._summary, 1)
        header.addWidget(self.overlay)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(header)
        layout.addWidget(self.list, 1)

    def show_report(self, report: CheckReport | None, *, shown_on: str = "the part") -> None:
        """List `report`'s findings, most severe first (None empties the list); choosing one shows where it is on
        `shown_on` (what the view draws: the part, or a CAM job's sheet)."""
        self.list.blockSignals(True)  # a new report is not a choice; the chosen finding is gone with the old one
        self.list.clear()
        self._findings = [] if report is None else sorted(
            report.findings, key=lambda f: (SEVERITIES.index(f.severity), f.rule))
        for finding in self._findings:
            item = QListWidgetItem(self.style().standardIcon(ICONS[finding.severity]), _first_upper(finding.message))
            item.setToolTip(_details(finding, shown_on))
            item.setData(Qt.ItemDataRole.UserRole, finding.rule)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._summary.setText(_summary(report))
        self.finding_chosen.emit(None)

    def findings(self) -> list[Finding]:
        """The findings in list order."""
        return list(self._findings)

    def choose(self, row: int) -> None:
        self.list.setCurrentRow(row)

    def _on_row_changed(self, row: int) -> None:
        self.finding_chosen.emit(self._findings[row] if 0 <= row < len(self._findings) else None)


def _summary(report: CheckReport | None) -> str:
    if report is None:
        return "Checks: nothing checked yet"
    counts = [(sum(f.severity == s for f in report.findings), s) for s in SEVERITIES]
    said = ", ".join(f"{count} {severity}{'s' if count != 1 else ''}" for count, severity in counts if count)
    return f"Checks: {said or 'no findings'}"


def _details(finding: Finding, shown_on: str) -> str:
    lines = [f"{finding.severity}: {finding.rule}"]
    if finding.measured is not None and finding.limit is not None:
        lines.append(f"measured {finding.measured:g} {finding.unit}, limit {finding.limit:g} {finding.unit}".strip())
    if finding.faces or finding.points:
        lines.append(f"Choose it to see where it is on {shown_on}")
    return "\n".join(lines)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]
